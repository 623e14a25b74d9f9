"""A parent or carer's channels: the order a message tries them (their choice first, then
Telegram, email, text message), the next one when one bounces, their own choice refused
kindly when they have no address there, and staff told who has no channel at all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery.contract import Recipient, SendOutcome
from sendbot.messages import registry
from sendbot.scheduling.senders import ConsoleSender
from sendbot.scheduling.worker import OutboxWorker
from sendbot.services import guardian_channels, meetings, outbox
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.guardian_channels import CHANNELS, fallback_order
from sendbot.store.models import AuditEvent, Guardian, GuardianPupil, Identity, Outbox
from tests.factories import SmallSchool, build_small_school

Sessions = sessionmaker[Session]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday, outside quiet hours


def _guardian(
    sessions: Sessions, school: SmallSchool, name: str, accounts: dict[str, str], **extra: object
) -> int:
    """A parent of Amir with these accounts (platform -> address)."""
    first, last = name.split()
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id,
            external_id=f"G-{first}",
            first_name=first,
            last_name=last,
            **extra,
        )
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=school.pupils["amir"]))
        for platform, address in accounts.items():
            session.add(
                Identity(
                    platform=platform,
                    team_id=guardian_channels.roster_team(guardian.id),
                    external_id=address,
                    guardian_id=guardian.id,
                    created_at=NOW,
                )
            )
        return guardian.id


def _message(sessions: Sessions, school: SmallSchool, guardian_id: int, key: str) -> None:
    with sessions() as session, session.begin():
        outbox.enqueue(
            session,
            school_id=school.school_id,
            recipient_guardian_id=guardian_id,
            template="staff.notice",
            params={"text": "The school trip leaves at nine."},
            dedupe_key=key,
            now=NOW - timedelta(seconds=1),
        )


class Bounces:
    """An email sender whose every address is refused for good (SMTP 550)."""

    platform = "email"

    def __init__(self) -> None:
        self.tried: list[str] = []

    async def send(self, recipient: Recipient, message: object) -> SendOutcome:
        self.tried.append(recipient.address)
        return SendOutcome.blocked("550 5.1.1 mailbox unavailable")


def test_the_order_is_the_parents_choice_then_telegram_email_text_message() -> None:
    assert fallback_order(None) == ("telegram", "email", "sms")
    assert fallback_order("sms") == ("sms", "telegram", "email")
    assert fallback_order("email") == ("email", "telegram", "sms")
    assert fallback_order("pigeon") == ("telegram", "email", "sms")


def test_each_parent_is_reached_by_their_own_first_channel(sessions: Sessions) -> None:
    school = build_small_school(sessions)
    everything = {"telegram": "501", "email": "ann@family.example", "sms": "+447700900501"}
    ann = _guardian(sessions, school, "Ann Khan", everything)
    bo = _guardian(
        sessions,
        school,
        "Bo Khan",
        {"telegram": "502", "email": "bo@family.example", "sms": "+447700900502"},
        preferred_channel="sms",
    )
    cy = _guardian(sessions, school, "Cy Khan", {"email": "cy@family.example", "sms": "+4477"})
    for n, guardian_id in enumerate((ann, bo, cy)):
        _message(sessions, school, guardian_id, f"trip:{n}")
    senders = {p: ConsoleSender(platform=p) for p in ("telegram", "email", "sms")}
    asyncio.run(OutboxWorker(sessions, FrozenClock(NOW), dict(senders)).drain())

    assert [r.address for r, _ in senders["telegram"].sent] == ["501"]
    assert [r.address for r, _ in senders["sms"].sent] == ["+447700900502"]
    assert [r.address for r, _ in senders["email"].sent] == ["cy@family.example"]
    with sessions() as session:
        assert [c.platform for c in guardian_channels.channels_of(session, bo)] == [
            "sms",
            "telegram",
            "email",
        ]


def test_a_bounced_email_is_switched_off_and_the_text_message_goes_instead(
    sessions: Sessions,
) -> None:
    school = build_small_school(sessions)
    dee = _guardian(
        sessions, school, "Dee Khan", {"email": "dee@family.example", "sms": "+447700900504"}
    )
    _message(sessions, school, dee, "trip:dee")
    bounces, texts = Bounces(), ConsoleSender(platform="sms")
    asyncio.run(OutboxWorker(sessions, FrozenClock(NOW), {"email": bounces, "sms": texts}).drain())

    assert bounces.tried == ["dee@family.example"]
    assert [r.address for r, _ in texts.sent] == ["+447700900504"]
    with sessions() as session:
        email = session.scalars(select(Identity).where(Identity.platform == "email")).one()
        assert (email.active, email.inactive_reason) == (False, "blocked")
        row = session.scalars(select(Outbox).where(Outbox.dedupe_key == "trip:dee")).one()
        assert (row.status, row.platform) == ("sent", "sms")
        told = session.scalars(
            select(Outbox).where(Outbox.template == "parent.blocked_notice")
        ).all()
        assert [n.recipient_staff_id for n in told] == [school.staff["senco"]]
        assert [c.platform for c in guardian_channels.channels_of(session, dee)] == ["sms"]
        notice = _staff_text(session, told[0])
    assert notice.startswith("Parent's email address bounced or was refused: Dee Khan")
    assert "Telegram" not in notice
    assert notice.endswith(
        "sendbot no longer sends there. Their messages now go by text message instead."
    )


def _staff_text(session: Session, row: Outbox) -> str:
    message = registry.render(row.template, row.params, "en", session)
    assert message is not None
    return message.text


def test_an_invalid_mobile_number_with_nothing_after_it_tells_staff_nobody_can_reach_them(
    sessions: Sessions,
) -> None:
    school = build_small_school(sessions)
    eve = _guardian(sessions, school, "Eve Khan", {"sms": "+447700900505"})
    _message(sessions, school, eve, "trip:eve")
    invalid = Bounces()
    invalid.platform = "sms"
    asyncio.run(OutboxWorker(sessions, FrozenClock(NOW), {"sms": invalid}).drain())
    with sessions() as session:
        [told] = session.scalars(
            select(Outbox).where(Outbox.template == "parent.blocked_notice")
        ).all()
        notice = _staff_text(session, told)
    assert notice.startswith(
        "Parent's mobile number is not valid or not receiving text messages: Eve Khan"
    )
    assert notice.endswith(
        "Nobody can reach them through sendbot now. Please contact them another way."
    )


def test_a_parent_chooses_only_a_channel_they_have_an_address_for(sessions: Sessions) -> None:
    school = build_small_school(sessions)
    eve = _guardian(sessions, school, "Eve Khan", {"telegram": "505", "email": "e@family.example"})
    with sessions() as session, session.begin():
        refused = guardian_channels.set_preferred_channel(session, eve, "sms", NOW, "guardian")
        assert (refused.status, refused.ok) == ("no_address", False)
        assert refused.available == ("telegram", "email")
        unknown = guardian_channels.set_preferred_channel(session, eve, "fax", NOW, "guardian")
        assert unknown.status == "unknown"
        done = guardian_channels.set_preferred_channel(session, eve, "email", NOW, "guardian")
        assert (done.status, done.ok) == ("changed", True)
        again = guardian_channels.set_preferred_channel(session, eve, "email", NOW, "guardian")
        assert again.status == "same"
    with sessions() as session:
        guardian = session.get(Guardian, eve)
        assert guardian is not None and guardian.preferred_channel == "email"
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "guardian.channel")
        ).all()
        assert [(e.actor_kind, e.actor_id, e.details) for e in events] == [
            ("guardian", eve, {"from": None, "to": "email"})
        ]


@pytest.mark.parametrize(
    ("accounts", "told"),
    [
        ({"telegram": "506"}, []),
        ({"email": "fay@family.example"}, ["By email: Fay Khan."]),
        ({"sms": "+447700900506"}, ["By text message: Fay Khan."]),
    ],
)
def test_booking_says_who_is_reached_how_and_names_those_with_no_channel(
    sessions: Sessions, accounts: dict[str, str], told: list[str]
) -> None:
    school = build_small_school(sessions)
    _guardian(sessions, school, "Fay Khan", accounts)
    nobody = _guardian(sessions, school, "Gus Khan", {})
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        booked = meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["amir"],
            kind="parent_meeting",
            starts_at=NOW + timedelta(days=7),
            now=NOW,
            place="SENCO office",
        )
        queued = {r.recipient_guardian_id for r in session.scalars(select(Outbox))}
    assert booked.guardians_without_chat == ("Gus Khan",)
    assert booked.channels == ((("Fay Khan", next(iter(accounts)))),)
    assert nobody not in queued  # nothing waits for a guardian nothing can reach

    from sendbot.conversations.meeting_flows import _by_channel

    assert _by_channel(booked.channels, booked.guardians_without_chat) == [
        *told,
        "No Telegram, email address or mobile number, so please send a letter or call: Gus Khan.",
    ]


# --- only the channels the school can send by ---------------------------------------------

NOTIFY_SMS = {"notify_api_key": "key-" + "0" * 70, "notify_sms_template_id": "sms-template"}


@pytest.mark.parametrize(
    ("settings", "on"),
    [
        ({}, set()),
        ({"telegram_bot_token": "123:abc"}, {"telegram"}),
        ({"smtp_host": "relay.school.example"}, {"email"}),
        ({"email_dir": "outgoing-mail"}, {"email"}),
        (NOTIFY_SMS, {"sms"}),
        ({"email_via": "notify", **NOTIFY_SMS}, {"sms"}),  # no email template: no email
        (
            {"email_via": "notify", "notify_email_template_id": "t", **NOTIFY_SMS},
            set(CHANNELS) - {"telegram"},
        ),
        ({"notify_api_key": "key"}, set()),  # a key without a template sends nothing
        ({"telegram_bot_token": "123:abc", "smtp_host": "relay", **NOTIFY_SMS}, set(CHANNELS)),
    ],
)
def test_a_channel_counts_only_where_the_school_can_send_by_it(
    settings: dict[str, str], on: set[str]
) -> None:
    assert guardian_channels.configured(Settings(**settings)) == on  # type: ignore[arg-type]


def test_a_school_with_no_email_or_text_route_is_told_to_write_or_call(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = build_small_school(sessions)
    by_email = _guardian(sessions, school, "Fay Khan", {"email": "fay@example.org"})
    by_phone = _guardian(sessions, school, "Gus Khan", {"sms": "+447700900123"})
    guardian_channels.send_by(None)  # the settings decide, as in `sendbot serve`
    monkeypatch.setattr(
        guardian_channels, "get_settings", lambda: Settings(telegram_bot_token="123:abc")
    )
    with sessions() as session, session.begin():
        assert guardian_channels.channels_of(session, by_email) == []
        assert guardian_channels.first_channel(session, by_phone) is None
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        booked = meetings.schedule(
            session,
            senco,
            pupil_id=school.pupils["amir"],
            kind="parent_meeting",
            starts_at=NOW + timedelta(days=7),
            now=NOW,
            place="SENCO office",
        )
        assert session.scalars(select(Outbox)).all() == []  # nothing undeliverable waits
    assert booked.channels == ()
    assert booked.guardians_without_chat == ("Fay Khan", "Gus Khan")
    # Once the school sends email, the same address counts.
    monkeypatch.setattr(
        guardian_channels, "get_settings", lambda: Settings(smtp_host="relay.school.example")
    )
    with sessions() as session:
        assert guardian_channels.first_channel(session, by_email) == "email"
        assert guardian_channels.first_channel(session, by_phone) is None
