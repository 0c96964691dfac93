"""The assistant's HTTP API: `POST /v1/nlu` (operation `sendMessage` in concierge-swagger.json).

Accepted messages: `unstructured` text, and `structured` messages of type `action` with payload
`{"clickAction": "checkout", "productId": ...}` (the shopper pressed Order on a product card). The whole
request is validated before the conversation is touched, so a bad request changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.errors import ErrorOutput
from monolith.assistant.conversation import ConversationStoreUnavailable
from monolith.assistant.services import conversation_reply
from monolith.catalog import gateway

MAX_MESSAGES = 20
MAX_TEXT_LENGTH = 1000
CONVERSATION_HEADER = "X-Conversation-ID"
_CLIENT_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class ConversationUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The conversation store is unavailable; try again shortly."


# ---------------------------------------------------------------- input
class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans and lists instead of quietly turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def _optional_text(max_length: int = 64) -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, max_length=max_length)


class ActionPayloadInput(serializers.Serializer):
    clickAction = serializers.ChoiceField(choices=["checkout"], error_messages={
        "invalid_choice": "unknown clickAction '{input}'; expected checkout"})
    productId = StrictCharField(max_length=64)

    def validate_productId(self, value: str) -> str:
        if gateway.get_product(value) is None:
            raise ValidationError(f"unknown product id {value!r}")
        return value


class UnstructuredInput(serializers.Serializer):
    id = _optional_text()
    text = StrictCharField(max_length=MAX_TEXT_LENGTH)
    timestamp = _optional_text()


class StructuredInput(serializers.Serializer):
    id = _optional_text()
    type = serializers.ChoiceField(choices=["action"], error_messages={
        "invalid_choice": "unknown structured message type '{input}'; expected action"})
    text = _optional_text(MAX_TEXT_LENGTH)
    payload = ActionPayloadInput()
    timestamp = _optional_text()


class MessageInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["unstructured", "structured"], error_messages={
        "invalid_choice": "unknown message type '{input}'; expected unstructured or structured"})
    unstructured = UnstructuredInput(required=False)
    structured = StructuredInput(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] not in attrs:
            raise ValidationError({attrs["type"]: f"required when type is {attrs['type']}"})
        return attrs


# ---------------------------------------------------------------- conversation id
def conversation_id_for(request: Request) -> str:
    """`X-Conversation-ID` when sent (API clients without cookies), else the user, else the session."""
    header = request.headers.get(CONVERSATION_HEADER)
    if header is not None:
        if not _CLIENT_CONVERSATION_ID.fullmatch(header):
            raise ValidationError({CONVERSATION_HEADER: "must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -"})
        return header  # cannot collide with the ids below: it has no colon
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.session.session_key is None:
        request.session.save()  # an anonymous shopper's first message starts their session
    return f"session:{request.session.session_key}"


# ---------------------------------------------------------------- api
class NluApi(APIView):
    permission_classes = [AllowAny]

    # Named apart: every view's nested InputSerializer would otherwise be the one component "InputRequest".
    @extend_schema_serializer(component_name="NluInput")
    class InputSerializer(serializers.Serializer):
        messages = serializers.ListField(child=MessageInput(), allow_empty=False, max_length=MAX_MESSAGES)

    @extend_schema(operation_id="nlu", request=InputSerializer, summary="Chat messages in, the Concierge's replies out",
                   responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput, 403: ErrorOutput, 503: ErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation_id = conversation_id_for(request)
        try:
            answers = conversation_reply(conversation_id=conversation_id,
                                         messages=serializer.validated_data["messages"])
        except ConversationStoreUnavailable as exc:
            raise ConversationUnavailable() from exc
        # replies.py builds each message in the contract's shape, so there is no output serializer to apply.
        return Response({"messages": answers})
