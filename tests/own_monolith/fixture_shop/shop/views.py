from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shop.models import BasketLine, Item, Shelf


def home(request: HttpRequest) -> HttpResponse:
    who = request.user.username if request.user.is_authenticated else "stranger"
    return HttpResponse(f"<h1>Hello, {who}</h1>")


def shelves(request: HttpRequest) -> HttpResponse:
    return HttpResponse(", ".join(f"{shelf.name}: {shelf.items.count()}" for shelf in Shelf.objects.all()))


@login_required
def basket(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        BasketLine.objects.create(user=request.user, item=Item.objects.get(pk=request.POST["item"]))
        return redirect("basket")
    lines = BasketLine.objects.filter(user=request.user).count()
    return render(request, "shop/basket.html", {"lines": lines, "items": Item.objects.all()})
