"""`sendbot invite guardians`: every parent or carer of a class or year group who is not on
Telegram yet, by email or text message, after a summary (text message parts counted, those
with no address named) and a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app as cli
from sendbot.config import get_settings
from sendbot.delivery import keys
from sendbot.delivery.sms import MAX_FRAGMENTS
from sendbot.domain.sms_length import measure
from sendbot.messages import registry
from sendbot.messages.parents.notices import render_for_guardian
from sendbot.services import guardian_channels
from sendbot.store.models import AuditEvent, Guardian, GuardianPupil, Identity, Outbox
from tests.factories import NOW, build_small_school


@pytest.fixture
def sendbot(db_url, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield lambda *args, input=None: CliRunner().invoke(cli, list(args), input=input)
    get_settings.cache_clear()


def _family(sessions, school, rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """(name, pupil, language, parental responsibility, accounts) for each guardian."""
    ids = {}
    with sessions() as session, session.begin():
        for name, pupil, language, responsible, accounts in rows:
            first, last = name.split()
            guardian = Guardian(
                school_id=school.school_id,
                external_id=f"G-{first}",
                first_name=first,
                last_name=last,
                preferred_language=language,
            )
            session.add(guardian)
            session.flush()
            session.add(
                GuardianPupil(
                    guardian_id=guardian.id,
                    pupil_id=school.pupils[pupil],
                    parental_responsibility=responsible,
                )
            )
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
            ids[first] = guardian.id
    return ids


def test_a_class_is_invited_after_a_summary_and_a_confirmation(sendbot, sessions) -> None:
    school = build_small_school(sessions)
    ids = _family(
        sessions,
        school,
        [
            ("Anna Wiśniewska", "kacper", "pl", True, {"email": "anna@family.example", "sms": "+447700900001"}),
            ("Piotr Wiśniewski", "kacper", "pl", True, {"sms": "+447700900002"}),
            ("Rita Khan", "ruby", "en", True, {"email": "rita@family.example"}),
            ("Raj Khan", "ruby", "en", True, {}),
            ("Gran Khan", "ruby", "en", False, {"email": "gran@family.example"}),
            ("Tara Khan", "ruby", "en", True, {"telegram": "9001", "email": "tara@family.example"}),
            ("Zara Nowak", "zoe", "en", True, {"email": "zara@family.example"}),
        ],
    )  # fmt: skip

    declined = sendbot("invite", "guardians", "--class", "4R", "--school", "900001", input="n\n")
    assert declined.exit_code == 0, declined.output
    out = " ".join(declined.output.split())
    assert "Oakfield Primary School, class 4R: 4 parent(s) or carer(s) to invite" in out
    assert "by email: 2" in out
    # Polish takes UCS-2 ("ą", "ś"): 67 characters a part once split, too long for the three
    # parts a text message may take, so it is cut to three, its notice and link kept, and
    # counted as it is sent.
    polish = render_for_guardian(
        keys.PARENT_LINK_INVITATION,
        {
            "school_name": "Oakfield Primary School",
            "first_name": "Piotr",
            "purpose": "link_telegram",
        },
        "pl",
    ).text
    assert measure(polish).fragments > MAX_FRAGMENTS
    assert f"by text message: 1 ({MAX_FRAGMENTS} text message part(s)" in out
    assert "already on Telegram, not sent: 1" in out
    assert "no email address or mobile number (1), please send a letter: Raj Khan" in out
    assert "Gran" not in out  # no parental responsibility and no decision to share
    assert "Nothing was sent." in out
    with sessions() as session:
        assert session.scalars(select(Outbox)).all() == []

    sent = sendbot("invite", "guardians", "--class", "4R", "--school", "900001", "--yes")
    assert sent.exit_code == 0, sent.output
    assert "3 invitation(s) queued" in sent.output
    with sessions() as session:
        rows = session.scalars(select(Outbox).order_by(Outbox.id)).all()
        assert {r.recipient_guardian_id: r.params["purpose"] for r in rows} == {
            ids["Anna"]: "link_telegram",
            ids["Piotr"]: "link_telegram",
            ids["Rita"]: "confirm_email",
        }
        assert {r.template for r in rows} == {keys.PARENT_LINK_INVITATION}
        assert all("code" not in r.params for r in rows)  # no invite code in the outbox
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "invite.group")).one()
        assert event.details["queued"] == 3 and event.details["no_address"] == 1
        message = registry.render(rows[0].template, rows[0].params, "pl", session)
        assert message is not None and message.language == "pl"

    again = sendbot("invite", "guardians", "--class", "4R", "--school", "900001", "--yes")
    assert "0 invitation(s) queued" in again.output


def test_a_year_group_and_the_mistakes_an_admin_can_make(sendbot, sessions) -> None:
    school = build_small_school(sessions)
    ids = _family(
        sessions,
        school,
        [
            ("Zara Nowak", "zoe", "en", True, {"email": "zara@family.example"}),
            ("Nana Nowak", "zoe", "en", False, {"sms": "+447700900009"}),
        ],
    )
    with sessions() as session, session.begin():  # the school decided to share with Nana
        link = session.get(GuardianPupil, (ids["Nana"], school.pupils["zoe"]))
        assert link is not None
        link.shared_at, link.shared_by_id = NOW, school.staff["senco"]
    year = sendbot("invite", "guardians", "--year", "3", "--school", "900001", "--yes")
    assert year.exit_code == 0, year.output
    assert "class" not in year.output and "year 3: 2 parent(s)" in year.output
    assert "2 invitation(s) queued" in year.output

    both = sendbot("invite", "guardians", "--year", "3", "--class", "3B")
    assert both.exit_code == 2 and "one of them" in both.output
    which = sendbot("invite", "guardians", "--class", "3B")
    assert which.exit_code == 1 and "--school URN" in which.output
    unknown = sendbot("invite", "guardians", "--class", "9Z", "--school", "900001")
    assert unknown.exit_code == 1 and "There is no class 9Z at Oakfield Primary School" in (
        " ".join(unknown.output.split())
    )
