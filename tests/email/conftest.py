from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.email.relay import Relay


@pytest.fixture
def relay() -> Iterator[Relay]:
    """A real SMTP server on a free local port, stopped after the test."""
    server = Relay().start()
    yield server
    server.stop()
