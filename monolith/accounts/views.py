"""Sign-up, log-in and log-out pages for the web chat."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from monolith.accounts.forms import SignupForm
from monolith.accounts.services import user_create


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                           password=form.cleaned_data["password1"], phone=form.cleaned_data["phone"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("chat")
    # A refused sign-up is a 400, as from the API; the page shows each reason next to its field.
    status = 400 if form.is_bound else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class ConciergeLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
