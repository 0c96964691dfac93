"""Guarding a boto3 client: in a dry run, every call but a read is answered without being sent.

boto3 asks its `before-call` handlers first and uses the first answer one gives instead of calling AWS
(botocore's own Stubber answers this way). A suppressed call gets an answer with a made-up MessageId, what
SNS's Publish returns, so the code that published carries on as it would have.
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.awsrequest import AWSResponse

from chassis.dryrun.state import suppressed

READS = ("Get", "List", "Check", "Describe")


def guard(client: Any) -> Any:
    """`client`, with its calls that are not reads suppressed in a dry run (the effect is named after the
    service: "sns")."""
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-call.{service}", _unsent_in_dry_run)
    return client


def _unsent_in_dry_run(model: Any, **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    operation = model.name
    if operation.startswith(READS) or not suppressed(model.service_model.service_name, operation):
        return None
    made_up = f"dry-run-{uuid.uuid4()}"
    return AWSResponse(None, 200, {}, None), {"MessageId": made_up, "ResponseMetadata": {
        "RequestId": made_up, "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}
