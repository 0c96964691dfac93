from collections.abc import Iterator

import pytest

from monolith.orders.payments import card_processor as card_processor_client
from tests.sandboxes.card_processor.sandbox import Sandbox, running_card_processor


@pytest.fixture(scope="session")
def card_processor_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_card_processor(tmp_path_factory.mktemp("orders-card-processor")) as sandbox:
        yield sandbox


@pytest.fixture
def card_processor(card_processor_sandbox: Sandbox, settings) -> Iterator[Sandbox]:
    """The monolith pointed at the real sandbox over HTTP."""
    settings.CARD_PROCESSOR_URL = card_processor_sandbox.base_url
    card_processor_client.cache_clear()
    yield card_processor_sandbox
    card_processor_client.cache_clear()

