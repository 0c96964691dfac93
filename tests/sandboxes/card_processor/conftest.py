"""Fixtures that run the real card-processor sandbox (see sandbox.py for the machinery)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from itertools import count
from pathlib import Path

import pytest

from integrations.card_processor.client import CardProcessorClient
from tests.sandboxes.card_processor.sandbox import Sandbox, running_card_processor

StartCardProcessor = Callable[..., Sandbox]


@pytest.fixture(scope="session")
def card_processor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox with no faults, shared by the tests; each test keeps to its own order ids."""
    with running_card_processor(tmp_path_factory.mktemp("card-processor"),
                                CARD_SANDBOX_ALLOW_RESET="true") as sandbox:
        yield sandbox


@pytest.fixture
def start_card_processor(tmp_path: Path) -> Iterator[StartCardProcessor]:
    """`start_card_processor(CARD_SANDBOX_DROP_RATE="1", ...)`: a sandbox of the test's own, stopped after."""
    numbers = count()
    with ExitStack() as stack:
        def start(**overrides: str) -> Sandbox:
            tmp_dir = tmp_path / f"card-processor-{next(numbers)}"
            return stack.enter_context(running_card_processor(tmp_dir, **overrides))
        yield start


@pytest.fixture
def client(card_processor: Sandbox) -> Iterator[CardProcessorClient]:
    processor = CardProcessorClient(card_processor.base_url, backoff=0.01)
    yield processor
    processor.close()
