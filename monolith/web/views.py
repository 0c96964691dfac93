"""The web chat page: server-rendered, with plain JavaScript talking to the public API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

GREETING = "Hi there, I'm your personal Concierge. How can I help?"


@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    return render(request, "web/chat.html", {"greeting": GREETING})
