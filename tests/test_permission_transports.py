"""The permission matrix again, reached through each adapter: Slack, Telegram, Teams, the
console and the staff web pages.

tests/test_permission_matrix.py asks the policy directly. Here every read it can be asked
about through a chat is asked the way a person would (or a forged button would): a concern's
View details and a "Look at them together" button tapped in Slack and in Telegram, the Home
tab opened in Slack, the same buttons' ids submitted from a Teams card, /mychild sent in
Telegram, "what's due" typed at the console, a concern's page, the list of open concerns
and a child's chronology opened on the staff web pages. What each
person was shown is compared with the matrix's EXPECTED: anything shown to someone the table
does not name is an unauthorised read, and there must be none; the direct reads must match
the table exactly, so an adapter neither widens nor narrows what the policy decides.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.handlers.console import chat as console_chat
from sendbot.services import action_ids, deadlines, web_access
from sendbot.services.actors import StaffActor
from sendbot.services.policy import Action
from sendbot.store.models import Deadline, Identity
from tests.factories import NOW
from tests.permission_world import (
    FOREIGN,
    OTHER_SAFEGUARDING,
    OWN_SAFEGUARDING,
    PARENT_ROLES,
    SCOPES,
    STAFF_ROLES,
    World,
    build_world,
)
from tests.slack import payloads
from tests.slack.harness import USERS as SCHOOL_USERS
from tests.slack.harness import Harness, running
from tests.teams.fake_connector import TENANT, FakeMicrosoft, activity, conversation_of
from tests.teams.harness import Harness as TeamsHarness
from tests.telegram.fake_bot_api import FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness as TelegramHarness
from tests.test_permission_matrix import expected
from tests.web.staff_site import serving
from tests.web.test_staff_pages import sign_in

# The small school's Slack users, and the chair of governors the permission world adds.
USERS = {**SCHOOL_USERS, "chair": "U0CHAIR"}

ALL_SCOPES = (*SCOPES, FOREIGN)
# (transport, action, scope) -> the roles who were shown the record.
Reads = dict[tuple[str, Action, str], set[str]]


def unauthorised(reads: Reads) -> list[tuple[str, Action, str, str]]:
    return sorted(
        (transport, action, scope, role)
        for (transport, action, scope), roles in reads.items()
        for role in roles - expected(action, scope)
    )


def sealed(sessions: sessionmaker[Session], kind: str, subject_id: int) -> str:
    with sessions() as session:
        return action_ids.seal(session, kind, subject_id)


def deadline_line(sessions: sessionmaker[Session], world: World, scope: str) -> str:
    """How a deadline of this scope is named wherever it is shown: title (pupil)."""
    with sessions() as session:
        row = session.get(Deadline, world.subjects[scope]["deadline"])
        assert row is not None
        return f"{deadlines.title_of(row.kind)} ({world.pupil_names[scope]})"


# --- Slack --------------------------------------------------------------------------------


def _message_with(action_id: str) -> dict[str, Any]:
    """A message holding one button, as a forwarded or forged tap would carry it."""
    return {
        "type": "message",
        "ts": "1764000000.000100",
        "text": "sendbot",
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "text": {"type": "plain_text", "text": "Open"},
                    }
                ],
            }
        ],
    }


async def _slack_tap(h: Harness, who: str, action_id: str) -> str:
    """What the person was shown after tapping: the modal that opened, as text."""
    before = len(h.fake.called("views.open"))
    tap = payloads.message_button(
        USERS[who], _message_with(action_id), action_id, channel=f"D{USERS[who][1:]}"
    )
    response = await h.interact(tap)
    assert response.status == 200
    return str((await h.fake.wait_for("views.open", before + 1))[-1].params["view"])


async def _slack_home(h: Harness, who: str, n: int) -> str:
    before = len(h.fake.called("views.publish"))
    response = await h.event(payloads.app_home_opened(USERS[who], event_id=f"EvMatrix{n}"))
    assert response.status == 200
    return str((await h.fake.wait_for("views.publish", before + 1))[-1].params["view"])


async def _slack_reads(h: Harness, world: World) -> Reads:
    sessions = h.core.sessions
    reads: Reads = {}
    h.fake.add_user(USERS["chair"], "chair@oakfield.example")
    await h.slack.link_unlinked_staff()
    for scope in ALL_SCOPES:
        concern = sealed(sessions, action_ids.CONCERN_VIEW, world.subjects[scope]["concern"])
        together = sealed(sessions, action_ids.REVIEW_PUPIL, world.subjects[scope]["pupil"])
        name = world.pupil_names[scope]
        for who in STAFF_ROLES:
            if world.narratives[scope] in await _slack_tap(h, who, concern):
                reads.setdefault(("slack", Action.READ_CONCERN, scope), set()).add(who)
            if f"Recent concerns about {name}" in await _slack_tap(h, who, together):
                reads.setdefault(("slack", Action.REVIEW_CONCERNS, scope), set()).add(who)
    lines = {scope: deadline_line(sessions, world, scope) for scope in ALL_SCOPES}
    for n, who in enumerate(STAFF_ROLES):
        home = await _slack_home(h, who, n)
        for scope, line in lines.items():
            if line in home:
                reads.setdefault(("slack", Action.READ_DEADLINE, scope), set()).add(who)
    return reads


def test_through_slack_every_read_is_the_policys(db_url: str, sessions) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> Reads:
        async with running(db_url, sessions) as h:
            world = build_world(h.core.db, h.school)
            return await _slack_reads(h, world)

    reads = asyncio.run(scenario())
    assert unauthorised(reads) == []
    for action in (Action.READ_CONCERN, Action.REVIEW_CONCERNS):
        for scope in ALL_SCOPES:
            shown = reads.get(("slack", action, scope), set())
            assert shown == expected(action, scope) & set(STAFF_ROLES), (action, scope)
    # The Home tab shows the SENCO their deadlines, never the referral's.
    assert reads[("slack", Action.READ_DEADLINE, SCOPES[2])] == {"senco"}


# --- Telegram -----------------------------------------------------------------------------

CHATS = {
    role: person(8100 + n, role.title(), language_code="en")
    for n, role in enumerate((*STAFF_ROLES, *PARENT_ROLES))
}


@pytest.fixture
def fake_bot() -> Iterator[FakeBotApi]:
    server = FakeBotApi().start()
    yield server
    server.stop()


def _link_chats(sessions: sessionmaker[Session], world: World) -> None:
    """Each person's Telegram chat, linked as a redeemed invite links it."""
    with sessions() as session, session.begin():
        for role, chat in CHATS.items():
            staff = role in STAFF_ROLES
            session.add(
                Identity(
                    platform="telegram",
                    external_id=str(chat["id"]),
                    staff_id=world.staff_ids[role] if staff else None,
                    guardian_id=None if staff else world.guardian_ids[role],
                    created_at=NOW,
                )
            )


async def _telegram_reply(h: TelegramHarness, fake: FakeBotApi, who: str, update: dict) -> str:  # type: ignore[type-arg]
    chat = CHATS[who]["id"]
    before = len(fake.texts(chat))
    await h.send(update)
    return "\n".join(fake.texts(chat)[before:])


async def _telegram_reads(h: TelegramHarness, fake: FakeBotApi, world: World) -> Reads:
    sessions = h.core.sessions
    reads: Reads = {}
    for scope in ALL_SCOPES:
        concern = sealed(sessions, action_ids.CONCERN_VIEW, world.subjects[scope]["concern"])
        together = sealed(sessions, action_ids.REVIEW_PUPIL, world.subjects[scope]["pupil"])
        name = world.pupil_names[scope]
        for who in STAFF_ROLES:
            said = await _telegram_reply(h, fake, who, tap_update(CHATS[who], concern))
            if world.narratives[scope] in said:
                reads.setdefault(("telegram", Action.READ_CONCERN, scope), set()).add(who)
            said = await _telegram_reply(h, fake, who, tap_update(CHATS[who], together))
            if f"Recent concerns about {name}" in said:
                reads.setdefault(("telegram", Action.REVIEW_CONCERNS, scope), set()).add(who)
    for who in PARENT_ROLES:
        page = await _telegram_reply(h, fake, who, text_update(CHATS[who], "/mychild"))
        for scope in ALL_SCOPES:
            if world.pupil_names[scope] in page:
                reads.setdefault(("telegram", Action.READ_OWN_CHILD, scope), set()).add(who)
    return reads


def test_through_telegram_every_read_is_the_policys(
    db_url: str, engine, sessions, school, fake_bot: FakeBotApi
) -> None:  # type: ignore[no-untyped-def]
    world = build_world(engine, school)
    _link_chats(sessions, world)

    async def scenario() -> Reads:
        async with TelegramHarness(db_url, fake_bot) as h:
            return await _telegram_reads(h, fake_bot, world)

    reads = asyncio.run(scenario())
    assert unauthorised(reads) == []
    for scope in ALL_SCOPES:
        together = reads.get(("telegram", Action.REVIEW_CONCERNS, scope), set())
        assert together == expected(Action.REVIEW_CONCERNS, scope) & set(STAFF_ROLES), scope
        children = reads.get(("telegram", Action.READ_OWN_CHILD, scope), set())
        assert children == expected(Action.READ_OWN_CHILD, scope), scope
    # A concern's details never travel in a Telegram chat, to anyone.
    assert not any(action is Action.READ_CONCERN for _, action, _ in reads)


# --- Teams --------------------------------------------------------------------------------


@pytest.fixture
def fake_microsoft() -> Iterator[FakeMicrosoft]:
    server = FakeMicrosoft().start()
    yield server
    server.stop()


def _teams_user(role: str) -> tuple[str, str]:
    return f"29:{role}", f"aad-{role}"


def _link_teams(sessions: sessionmaker[Session], world: World) -> None:
    """Each member of staff's Teams account, linked as the first message links it. Parents
    have none: Teams is for staff, and a parent's account there is a stranger's."""
    with sessions() as session, session.begin():
        for role in STAFF_ROLES:
            session.add(
                Identity(
                    platform="teams",
                    team_id=TENANT,
                    external_id=_teams_user(role)[1],
                    staff_id=world.staff_ids[role],
                    created_at=NOW,
                )
            )


async def _teams_reply(h: TeamsHarness, fake: FakeMicrosoft, who: str, button: str) -> str:
    user = _teams_user(who)
    chat = conversation_of(user[0])
    before = len(fake.texts(chat))
    assert await h.post(activity(fake, *user, value={"sendbot": button})) == 200
    return "\n".join(fake.texts(chat)[before:])


async def _teams_reads(h: TeamsHarness, fake: FakeMicrosoft, world: World) -> Reads:
    sessions = h.core.sessions
    reads: Reads = {}
    for scope in ALL_SCOPES:
        concern = sealed(sessions, action_ids.CONCERN_VIEW, world.subjects[scope]["concern"])
        together = sealed(sessions, action_ids.REVIEW_PUPIL, world.subjects[scope]["pupil"])
        name = world.pupil_names[scope]
        for who in (*STAFF_ROLES, *PARENT_ROLES):
            said = await _teams_reply(h, fake, who, concern)
            if world.narratives[scope] in said:
                reads.setdefault(("teams", Action.READ_CONCERN, scope), set()).add(who)
            said = await _teams_reply(h, fake, who, together)
            if f"Recent concerns about {name}" in said:
                reads.setdefault(("teams", Action.REVIEW_CONCERNS, scope), set()).add(who)
    return reads


def test_through_teams_every_read_is_the_policys(
    db_url: str, engine, sessions, school, fake_microsoft: FakeMicrosoft
) -> None:  # type: ignore[no-untyped-def]
    world = build_world(engine, school)
    _link_teams(sessions, world)

    async def scenario() -> Reads:
        async with TeamsHarness(db_url, fake_microsoft) as h:
            return await _teams_reads(h, fake_microsoft, world)

    reads = asyncio.run(scenario())
    assert unauthorised(reads) == []
    for scope in ALL_SCOPES:
        together = reads.get(("teams", Action.REVIEW_CONCERNS, scope), set())
        assert together == expected(Action.REVIEW_CONCERNS, scope) & set(STAFF_ROLES), scope
    # A concern's details never travel in a Teams chat, to anyone.
    assert not any(action is Action.READ_CONCERN for _, action, _ in reads)


# --- the console ----------------------------------------------------------------------------


def test_through_the_console_whats_due_shows_only_the_deadlines_the_policy_allows(
    engine, sessions, school
) -> None:  # type: ignore[no-untyped-def]
    world = build_world(engine, school)
    chat = Engine(sessions, REGISTRY, FrozenClock(NOW))
    lines = {scope: deadline_line(sessions, world, scope) for scope in ALL_SCOPES}
    reads: Reads = {}
    for who in STAFF_ROLES:
        actor = world.actors[who]
        assert isinstance(actor, StaffActor)
        out = io.StringIO()
        console_chat.run(chat, actor, ["due"], out, echo=False)
        for scope, line in lines.items():
            if line in out.getvalue():
                reads.setdefault(("console", Action.READ_DEADLINE, scope), set()).add(who)
    assert unauthorised(reads) == []
    # Each owner sees theirs: the SENCO the SEND deadlines, and the reintegration review.
    assert {scope for (_, _, scope), roles in reads.items() if "senco" in roles} == {
        SCOPES[0],
        SCOPES[1],
        SCOPES[2],
    }


# --- the staff web pages --------------------------------------------------------------------


def _signed_in_browsers(sessions: sessionmaker[Session], world: World, base: str) -> dict:  # type: ignore[type-arg]
    """A browser for everyone the policy lets sign in, signed in with their chat's link."""
    browsers = {}
    for who in STAFF_ROLES:
        actor = world.actors[who]
        assert isinstance(actor, StaffActor)
        with sessions() as session, session.begin():
            token = web_access.issue_link(session, actor, NOW)
        if token is None:
            continue
        browser = httpx.Client()
        sign_in(browser, web_access.link_url(base, token))
        browsers[who] = browser
    return browsers


def _web_reads(sessions: sessionmaker[Session], world: World, base: str) -> Reads:
    reads: Reads = {}
    browsers = _signed_in_browsers(sessions, world, base)
    try:
        for who, browser in browsers.items():
            listed = browser.get(f"{base}/staff/concerns").text
            for scope in ALL_SCOPES:
                concern = world.subjects[scope]["concern"]
                pupil = world.subjects[scope]["pupil"]
                page = browser.get(f"{base}/staff/concerns/{concern}").text
                if world.narratives[scope] in page:
                    reads.setdefault(("web", Action.READ_CONCERN, scope), set()).add(who)
                if f'href="/staff/concerns/{concern}"' in listed:
                    reads.setdefault(("web", Action.READ_SAFEGUARDING, scope), set()).add(who)
                chronology = browser.get(f"{base}/staff/pupils/{pupil}/chronology").text
                if f"Safeguarding chronology: {world.pupil_names[scope]}" in chronology:
                    reads.setdefault(("web", Action.READ_CHRONOLOGY, scope), set()).add(who)
    finally:
        for browser in browsers.values():
            browser.close()
    return reads


def test_through_the_staff_web_pages_every_read_is_the_policys(
    db_url: str, engine, sessions, school
) -> None:  # type: ignore[no-untyped-def]
    world = build_world(engine, school)
    with serving(db_url, FrozenClock(NOW)) as site:
        reads = _web_reads(sessions, world, site.base)
    assert unauthorised(reads) == []
    for scope in ALL_SCOPES:
        for action in (Action.READ_CONCERN, Action.READ_CHRONOLOGY):
            shown = reads.get(("web", action, scope), set())
            assert shown == expected(action, scope) & set(STAFF_ROLES), (action, scope)
    # The list of open concerns names the safeguarding ones, to the DSL and deputies only.
    listed = {scope for (_, action, scope) in reads if action is Action.READ_SAFEGUARDING}
    assert listed == {OWN_SAFEGUARDING, OTHER_SAFEGUARDING}
