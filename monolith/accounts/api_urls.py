from django.urls import path

from monolith.accounts.apis import SignupApi, TokenApi

urlpatterns = [
    path("auth/signup", SignupApi.as_view(), name="api-signup"),
    path("auth/token", TokenApi.as_view(), name="api-token"),
]
