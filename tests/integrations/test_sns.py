"""The one SNS client setup: short timeouts, botocore's own retries as many as the caller says."""

from integrations.sns import sns_client


def test_a_client_is_made_once_per_number_of_retries_with_short_timeouts(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sns_client.cache_clear()
    two, three = sns_client(retries=2), sns_client(retries=3)
    assert sns_client(retries=2) is two and two is not three
    assert two.meta.config.retries == {"total_max_attempts": 3, "mode": "standard"}  # the first try and 2 more
    assert (three.meta.config.connect_timeout, three.meta.config.read_timeout) == (2, 5)
    sns_client.cache_clear()
