"""One fake Bot API server per test module; each test starts with no recorded calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.telegram.fake_bot_api import FakeBotApi


@pytest.fixture(scope="module")
def fake_api_server() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


@pytest.fixture
def fake_api(fake_api_server: FakeBotApi) -> FakeBotApi:
    fake_api_server.clear()
    fake_api_server.failures.clear()
    return fake_api_server
