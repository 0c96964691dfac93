from django.urls import path

from monolith.web.views import chat

urlpatterns = [path("", chat, name="chat")]
