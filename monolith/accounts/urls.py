from django.contrib.auth.views import LogoutView
from django.urls import path

from monolith.accounts.views import ConciergeLoginView, signup

urlpatterns = [
    path("login/", ConciergeLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", signup, name="signup"),
]
