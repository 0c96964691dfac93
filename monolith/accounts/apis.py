"""Account API for clients that are not the web page: sign up and get a token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.errors import ErrorOutput
from monolith.accounts.forms import phone_validator
from monolith.accounts.services import api_token_get_or_create, user_create


class SignupApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # signing up needs no session, so no CSRF either

    # Named apart: every view's nested InputSerializer would otherwise be the one component "InputRequest".
    @extend_schema_serializer(component_name="SignupInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
        email = serializers.EmailField()
        password = serializers.CharField(min_length=8, max_length=128, write_only=True)
        phone = serializers.CharField(required=False, allow_blank=True, validators=[phone_validator])

        def validate_username(self, value: str) -> str:
            if User.objects.filter(username__iexact=value).exists():
                raise serializers.ValidationError("That username is taken.")
            return value

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # AUTH_PASSWORD_VALIDATORS, with the would-be user so that a password like the name is refused.
            candidate = User(username=attrs["username"], email=attrs["email"])
            try:
                validate_password(attrs["password"], user=candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from None
            return attrs

    @extend_schema(operation_id="authSignup", request=InputSerializer, summary="An account and its API token",
                   responses={201: inline_serializer("SignedUp", {"username": serializers.CharField(),
                                                                   "token": serializers.CharField()}),
                              400: ErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(**serializer.validated_data)
        return Response({"username": user.username, "token": api_token_get_or_create(user=user)},
                        status=status.HTTP_201_CREATED)


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    # Named apart: every view's nested InputSerializer would otherwise be the one component "InputRequest".
    @extend_schema_serializer(component_name="TokenInput")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128)

    @extend_schema(operation_id="authToken", request=InputSerializer, summary="The API token of an account",
                   responses={200: inline_serializer("Token", {"token": serializers.CharField()}),
                              400: ErrorOutput, 401: ErrorOutput, 403: ErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise AuthenticationFailed("Wrong username or password.")
        return Response({"token": api_token_get_or_create(user=user)})
