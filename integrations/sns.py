"""The Amazon SNS client every deployable texts customers through.

boto3 takes the region, the credentials and the endpoint from the standard AWS variables
(AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SNS, ...), so a local emulator and the real SNS need no code change.
Timeouts are short: a text is a courtesy and must not hold up what sends it. botocore retries throttling
and 5xx itself, up to `retries` times after the first try; the caller decides how many. In a dry run
(chassis.dryrun) the client sends nothing but reads.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chassis.dryrun import aws

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5


@cache
def sns_client(*, retries: int) -> Any:
    """One client per process and number of retries (boto3's clients are thread-safe and pool connections)."""
    config = Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                    retries={"max_attempts": retries, "mode": "standard"})
    return aws.guard(boto3.client("sns", config=config))
