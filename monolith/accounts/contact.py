"""How to reach a customer, for the kit's services (the notifications worker texts the phone number).

    GET /internal/accounts/<user_id>/contact          X-Strangler-Internal: chassis.identity.sign_internal()
      200 {"user_id": "42", "email": "ada@example.com", "phone": "+15551234567" | ""}
      403 without a fresh proof signed with one of IDENTITY_SIGNING_KEYS      404 unknown user

Not part of the public API: only a caller holding the signing keys gets an answer, and the monolith
answers 403 to everyone while it has no keys configured (it fails closed).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.errors import ErrorOutput
from chassis.identity import IsKitService
from monolith.accounts.models import Profile


@dataclass(frozen=True)
class Contact:
    user_id: str
    email: str
    phone: str


def contact_get(*, user_id: int) -> Contact | None:
    """The user's contact details, or None when there is no such user. Reads only: creates no profile."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    phone = Profile.objects.filter(user=user).values_list("phone", flat=True).first()
    return Contact(user_id=str(user.pk), email=user.email, phone=phone or "")


class ContactApi(APIView):
    authentication_classes: list = []  # no session or token: the signed header is the only credential
    permission_classes = [IsKitService]

    class OutputSerializer(serializers.Serializer):
        user_id = serializers.CharField()
        email = serializers.CharField()
        phone = serializers.CharField()

    @extend_schema(operation_id="contactGet", responses={200: OutputSerializer, 403: ErrorOutput, 404: ErrorOutput},
                   summary="A customer's e-mail and phone, for a kit service")
    def get(self, request: Request, user_id: int) -> Response:
        contact = contact_get(user_id=user_id)
        if contact is None:
            raise NotFound(f"No user with id {user_id}.")
        return Response(self.OutputSerializer(contact).data)
