"""The identity document: one writer for the monolith's endpoint, the edge's cache and the revocation."""

import pytest

from chassis.identity import ANONYMOUS, Identity, NotAnIdentityDocument, identity_document, identity_from_document

ADA = Identity(user_id="7", username="ada", email="ada@example.com")


def test_a_user_and_nobody_are_written_as_the_endpoint_has_always_answered():
    assert identity_document(ADA) == '{"user_id": "7", "username": "ada", "email": "ada@example.com"}'
    assert identity_document(ANONYMOUS) == '{"user_id": null}'


def test_a_document_reads_back_as_the_identity_it_was_written_from():
    assert identity_from_document(identity_document(ADA)) == ADA
    assert identity_from_document(identity_document(ANONYMOUS)) == ANONYMOUS
    assert identity_from_document(b'{"user_id": 7}') == Identity(user_id="7")


@pytest.mark.parametrize("body", [b"", b"not json", b"[1]", b'{"username": "ada"}', b"null"])
def test_anything_else_is_not_an_identity_document(body):
    with pytest.raises(NotAnIdentityDocument):
        identity_from_document(body)
