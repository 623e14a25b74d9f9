"""The invitation tells each parent to tap what is really there: the buttons in Telegram, the
link in an email or a text message (one message, the worker says which). Its calendar file
names the school as ORGANIZER at the address replies reach, when the school has one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.writer import Writer
from sendbot.messages import registry
from sendbot.messages.parents import invitation
from sendbot.scheduling.senders import ConsoleSender
from sendbot.scheduling.worker import OutboxWorker, WorkerConfig
from sendbot.services import guardian_channels, meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Guardian, GuardianPupil, Identity
from tests.factories import build_small_school
from tests.i18n import samples

Sessions = sessionmaker[Session]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, outside quiet hours
BUTTONS = "Please tap a button below to tell us if you can come."
LINK = "Please open the link below to tell us if you can come."


def _event(content: bytes) -> Any:
    return Calendar.from_ical(content).walk("VEVENT")[0]


def _parent(sessions: Sessions, pupil_id: int, school_id: int, name: str, platform: str) -> None:
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school_id, external_id=f"G-{name}", first_name=name, last_name="Khan"
        )
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=pupil_id))
        address = {"telegram": "7001", "email": "fay@example.org", "sms": "+447700900123"}
        session.add(
            Identity(
                platform=platform,
                team_id=guardian_channels.roster_team(guardian.id),
                external_id=address[platform],
                guardian_id=guardian.id,
                created_at=NOW,
            )
        )


def test_each_channel_is_told_to_tap_what_it_carries(sessions: Sessions) -> None:
    school = build_small_school(sessions)
    for name, platform in (("Tom", "telegram"), ("Fay", "email"), ("Sam", "sms")):
        _parent(sessions, school.pupils["amir"], school.school_id, name, platform)
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["amir"],
            kind="parent_meeting",
            starts_at=NOW + timedelta(days=7),
            now=NOW,
            place="SENCO office",
        )
    senders = {p: ConsoleSender(platform=p) for p in ("telegram", "email", "sms")}
    config = WorkerConfig(web_url="https://school.example")
    asyncio.run(OutboxWorker(sessions, FrozenClock(NOW), dict(senders), config=config).drain())
    [(_, chat)] = senders["telegram"].sent
    assert BUTTONS in chat.text and LINK not in chat.text and chat.buttons and not chat.link
    for platform in ("email", "sms"):
        [(_, message)] = senders[platform].sent
        assert LINK in message.text and BUTTONS not in message.text and message.link
    [(_, email)] = senders["email"].sent
    description = str(_event(email.attachments[0].content)["DESCRIPTION"])
    assert "open the link in the message from" in description
    assert "buttons" not in description
    telegram_ics = str(_event(chat.attachments[0].content)["DESCRIPTION"])
    assert "use the buttons in the message from" in telegram_ics


@pytest.mark.parametrize("code", ["pl", "ur", "ar"])
def test_the_link_wording_is_translated(code: str) -> None:
    params = {"invitation": samples.invitation().to_params(), "_now": NOW.isoformat()}
    by_buttons = registry.render(keys.MEETING_INVITATION, params, code)
    by_link = registry.render(keys.MEETING_INVITATION, {**params, "_answer_by": "link"}, code)
    assert by_buttons is not None and by_link is not None
    assert by_buttons.text != by_link.text
    assert LINK not in by_link.text  # said in the parent's language, not in English


def test_the_calendar_file_names_the_school_at_its_reply_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = samples.invitation()
    w = Writer(BY_CODE["en_GB"])
    monkeypatch.setattr(
        invitation,
        "get_settings",
        lambda: Settings(
            smtp_from_address="sendbot@school.example", smtp_reply_to="office@school.example"
        ),
    )
    organizer = _event(invitation.invitation_ics(w, data, NOW))["ORGANIZER"]
    assert str(organizer) == "mailto:office@school.example"
    assert organizer.params["CN"] == "Oakfield Primary School"
    cancelled = _event(invitation.invitation_ics(w, data, NOW, cancel=True))["ORGANIZER"]
    assert str(cancelled) == "mailto:office@school.example"
    # With no reply-to, the address the email comes from.
    monkeypatch.setattr(
        invitation, "get_settings", lambda: Settings(smtp_from_address="sendbot@school.example")
    )
    assert str(_event(invitation.invitation_ics(w, data, NOW))["ORGANIZER"]) == (
        "mailto:sendbot@school.example"
    )


def test_a_school_with_no_reply_address_sends_the_file_without_an_organizer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(invitation, "get_settings", lambda: Settings())
    event = _event(invitation.invitation_ics(Writer(BY_CODE["en_GB"]), samples.invitation(), NOW))
    assert "ORGANIZER" not in event
    assert str(event["SUMMARY"])  # the file is otherwise as before
