"""The web chat page: server-rendered, with plain JavaScript talking to the public API."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

GREETING = "Hi there, I'm your personal Concierge. How can I help?"
# Things to ask, as buttons under the greeting: each one is sent as if typed.
SUGGESTIONS = ("Chocolates under $30", "Roses for tomorrow", "A bottle of wine", "An experience to share",
               "What can you do?")


@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    return render(request, "web/chat.html", {"greeting": GREETING, "suggestions": SUGGESTIONS})
