"""One fake Microsoft per test module; each test starts with no recorded calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.teams.fake_connector import FakeMicrosoft


@pytest.fixture(scope="module")
def fake_microsoft_server() -> Iterator[FakeMicrosoft]:
    server = FakeMicrosoft().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_microsoft_server: FakeMicrosoft) -> FakeMicrosoft:
    fake_microsoft_server.calls.clear()
    fake_microsoft_server.members.clear()
    fake_microsoft_server.throttle.clear()
    fake_microsoft_server.refuse.clear()
    fake_microsoft_server.graph_users.clear()
    return fake_microsoft_server
