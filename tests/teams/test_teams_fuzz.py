"""Fuzzing the Teams endpoint: correctly signed activities in the Bot Framework's shape,
then mutated (a field of the wrong type, a key left out, huge or unstorable text, a card
submitted with odd inputs, sealed ids never issued), from a linked teacher and from a
stranger. After each: the answer is below 500 and the health check still answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendbot.store.models import Identity
from tests.factories import NOW, build_small_school
from tests.teams.fake_connector import TENANT, FakeMicrosoft, activity
from tests.teams.harness import Harness

TEACHER = ("29:teacher", "aad-teacher")
STRANGER = ("29:stranger", "aad-stranger")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
texts = st.sampled_from(
    [
        "concern",
        "session",
        "targets",
        "help",
        "menu",
        "1",
        "cancel",
        "back",
        "x" * 5000,
        "a\x00b",
        "\ud800",
        "zoe",
        "",
    ]
) | st.text(max_size=60)
FIELDS = [
    "type",
    "id",
    "text",
    "serviceUrl",
    "from",
    "conversation",
    "recipient",
    "channelData",
    "value",
    "replyToId",
]


@st.composite
def mutated(draw: st.DrawFn, fake: FakeMicrosoft) -> dict[str, Any]:
    who = draw(st.sampled_from([TEACHER, STRANGER]))
    body = activity(fake, *who, draw(texts))
    kind = draw(st.sampled_from(["text", "card", "tap", "wrong", "missing", "nested"]))
    if kind == "card":
        body["text"] = ""
        body["value"] = {
            "sendbot_form": draw(st.sampled_from(["log_concern", "check_targets", "nope"])),
            "sendbot_card": draw(st.text(max_size=20)),
            "sendbot_version": draw(st.text(max_size=14)),
            **{
                f"f:{k}": draw(json_values)
                for k in draw(
                    st.lists(
                        st.sampled_from(
                            [
                                "pupil",
                                "narrative",
                                "source",
                                "area",
                                "safeguarding",
                                "immediate_danger",
                            ]
                        ),
                        max_size=6,
                    )
                )
            },
        }
    elif kind == "tap":
        body["value"] = {"sendbot": draw(st.text(max_size=30)), "sendbot_steps": draw(json_values)}
    elif kind == "wrong":
        body[draw(st.sampled_from(FIELDS))] = draw(json_values)
    elif kind == "missing":
        body.pop(draw(st.sampled_from(FIELDS)), None)
    elif kind == "nested":
        part = draw(st.sampled_from(["from", "conversation", "recipient"]))
        body[part][draw(st.sampled_from(["id", "aadObjectId", "conversationType", "tenantId"]))] = (
            draw(json_values)
        )
    return body


@pytest.fixture
def running(
    db_url, sessions, fake: FakeMicrosoft
) -> Iterator[tuple[Harness, asyncio.AbstractEventLoop]]:
    school = build_small_school(sessions)
    loop = asyncio.new_event_loop()
    h = Harness(db_url, fake)
    loop.run_until_complete(h.__aenter__())
    with h.core.sessions() as session, session.begin():
        session.add(
            Identity(
                platform="teams",
                team_id=TENANT,
                external_id=TEACHER[1],
                staff_id=school.staff["teacher"],
                created_at=NOW,
            )
        )
    try:
        yield h, loop
    finally:
        loop.run_until_complete(h.__aexit__())
        loop.close()


def test_fuzzed_activities_never_get_500(running, fake: FakeMicrosoft) -> None:
    h, loop = running

    async def health() -> int:
        assert h.http is not None
        async with h.http.get(f"http://127.0.0.1:{h.port}/healthz") as answer:
            return answer.status

    @settings(
        max_examples=80, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(body=mutated(fake))
    def check(body: dict[str, Any]) -> None:
        h.clock.advance(timedelta(seconds=3))  # under the per-sender limit: deep, not refused
        status = loop.run_until_complete(h.post(body))
        assert status < 500, body
        assert loop.run_until_complete(health()) == 200

    check()
