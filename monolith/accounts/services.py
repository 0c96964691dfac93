"""Account writes."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token

from monolith.accounts.models import Profile


@transaction.atomic
def user_create(*, username: str, email: str, password: str, phone: str = "",
                payment_method: str = "pm_card_visa") -> User:
    user = User.objects.create_user(username=username, email=email, password=password)
    Profile.objects.create(user=user, phone=phone, payment_method=payment_method)
    return user


def api_token_get_or_create(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def profile_get(*, user: User) -> Profile:
    """The user's profile; users created outside sign-up (e.g. createsuperuser) get a default one."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile
