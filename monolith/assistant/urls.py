from django.urls import path

from monolith.assistant.apis import NluApi

urlpatterns = [
    path("nlu", NluApi.as_view(), name="nlu"),
]
