"""The roster's email and phone columns are a guardian's email and text-message accounts:
addresses made exact, wrong ones reported line by line, landlines kept but not texted, and a
re-import that changes an address replaces the account without reviving one that bounced."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.domain.contact_addresses import normalise_email, parse_uk_phone
from sendbot.services import parents
from sendbot.services.roster import RosterError, RosterReport, import_roster
from sendbot.store.db import transaction
from sendbot.store.models import Guardian, Identity

Sessions = sessionmaker[Session]
CLOCK = FrozenClock(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
HEADER = "guardian_id,first_name,last_name,email,phone\n"


def _files(tmp_path: Path, *guardians: str) -> Path:
    (tmp_path / "school.csv").write_text("urn,name\n999904,Test School\n", encoding="utf-8")
    (tmp_path / "guardians.csv").write_text(HEADER + "".join(g + "\n" for g in guardians))
    return tmp_path


def _import(sessions: Sessions, path: Path) -> RosterReport:
    with transaction(sessions) as session:
        return import_roster(session, [path], clock=CLOCK)


def _accounts(sessions: Sessions) -> set[tuple[str, str, str, bool]]:
    with sessions() as session:
        return {
            (g.external_id, i.platform, i.external_id, i.active)
            for i, g in session.execute(
                select(Identity, Guardian).join(Guardian, Guardian.id == Identity.guardian_id)
            )
        }


@pytest.mark.parametrize(
    ("written", "e164", "mobile"),
    [
        ("07700 900123", "+447700900123", True),
        ("+44 (0)7700 900-123", "+447700900123", True),
        ("+44 7700 900123", "+447700900123", True),
        ("0044 7700 900123", "+447700900123", True),
        ("(07700) 900123", "+447700900123", True),
        ("07624 123456", "+447624123456", True),  # the Isle of Man's mobiles
        ("(01632) 960 001", "+441632960001", False),  # a landline
        ("020 7946 0000", "+442079460000", False),
        ("07012 345678", "+447012345678", False),  # a personal number, not a mobile
        ("+48 601 234 567", "+48601234567", False),  # abroad: kept, not texted
    ],
)
def test_phone_numbers_as_schools_write_them(written: str, e164: str, mobile: bool) -> None:
    number = parse_uk_phone(written)
    assert (number.e164, number.mobile) == (e164, mobile)


@pytest.mark.parametrize(
    "written", ["call me", "0770090012", "07700 9001234", "+44", "7700 900123", "07700+900123"]
)
def test_what_is_not_a_phone_number(written: str) -> None:
    with pytest.raises(ValueError, match="phone number|mobile number"):
        parse_uk_phone(written)


def test_email_addresses_are_lower_cased_and_must_be_one_address() -> None:
    assert normalise_email("  Ann.Lee@Family.EXAMPLE ") == "ann.lee@family.example"
    for wrong in ("ann@", "ann@family", "ann lee@family.example", "a@b.example;c@d.example"):
        with pytest.raises(ValueError, match="is not an email address"):
            normalise_email(wrong)


def test_the_roster_makes_email_and_text_accounts(sessions: Sessions, tmp_path: Path) -> None:
    report = _import(
        sessions,
        _files(
            tmp_path,
            "G1,Ann,Lee,Ann.Lee@Family.example,07700 900001",
            "G2,Bo,Lee,,+44 7700 900002",
            "G3,Cy,Lee,cy@family.example,(01632) 960 003",
            "G4,Di,Lee,,",
        ),
    )
    assert _accounts(sessions) == {
        ("G1", "email", "ann.lee@family.example", True),
        ("G1", "sms", "+447700900001", True),
        ("G2", "sms", "+447700900002", True),
        ("G3", "email", "cy@family.example", True),
    }
    channels = report.counts["guardian channels"]
    assert (channels.created, channels.deactivated) == (4, 0)
    assert report.channel_notes == [
        "G3 Cy Lee: phone (01632) 960 003 is not a mobile number, so no text messages "
        "(kept for staff to call)"
    ]
    with sessions() as session:
        cy = session.scalars(select(Guardian).where(Guardian.external_id == "G3")).one()
        assert cy.phone == "(01632) 960 003"  # as the school wrote it, for staff to dial


def test_a_family_sharing_one_address_each_get_their_own_account(
    sessions: Sessions, tmp_path: Path
) -> None:
    _import(
        sessions,
        _files(
            tmp_path,
            "G1,Ann,Lee,lees@family.example,07700 900001",
            "G2,Bo,Lee,lees@family.example,07700 900001",
        ),
    )
    assert len(_accounts(sessions)) == 4


def test_wrong_addresses_are_reported_by_file_line_and_column(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = _files(
        tmp_path,
        "G1,Ann,Lee,ann@family,07700 900001",
        "G2,Bo,Lee,bo@family.example,0770090012",
        "G3,Cy,Lee,cy@family.example,ring the office",
    )
    with pytest.raises(RosterError) as caught:
        _import(sessions, path)
    assert caught.value.errors == [
        "guardians.csv line 2: email 'ann@family' is not an email address",
        "guardians.csv line 3: phone '0770090012' is not a UK mobile number "
        "(11 digits, such as 07700 900123)",
        "guardians.csv line 4: phone 'ring the office' is not a phone number",
    ]
    assert _accounts(sessions) == set()


def test_a_changed_address_replaces_the_old_account(sessions: Sessions, tmp_path: Path) -> None:
    _import(sessions, _files(tmp_path, "G1,Ann,Lee,ann@family.example,07700 900001"))
    report = _import(sessions, _files(tmp_path, "G1,Ann,Lee,ann@new.example,"))
    assert _accounts(sessions) == {
        ("G1", "email", "ann@family.example", False),
        ("G1", "email", "ann@new.example", True),
        ("G1", "sms", "+447700900001", False),
    }
    channels = report.counts["guardian channels"]
    assert (channels.created, channels.deactivated) == (1, 2)
    # Changed back: the old address is the school's word again.
    _import(sessions, _files(tmp_path, "G1,Ann,Lee,ann@family.example,07700 900001"))
    assert _accounts(sessions) == {
        ("G1", "email", "ann@family.example", True),
        ("G1", "email", "ann@new.example", False),
        ("G1", "sms", "+447700900001", True),
    }


def test_an_address_that_bounced_stays_off_until_the_school_changes_it(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = _files(tmp_path, "G1,Ann,Lee,ann@family.example,07700 900001")
    _import(sessions, path)
    with transaction(sessions) as session:
        assert parents.mark_blocked(
            session, "email", "ann@family.example", CLOCK.now(), _team(session, "G1")
        )
    report = _import(sessions, path)
    assert ("G1", "email", "ann@family.example", False) in _accounts(sessions)
    assert report.channel_notes == [
        "G1 email (blocked): this address stopped working and the roster gives it again "
        "unchanged, so it stays off; correct it in the MIS"
    ]
    _import(sessions, _files(tmp_path, "G1,Ann,Lee,ann.lee@family.example,07700 900001"))
    assert ("G1", "email", "ann.lee@family.example", True) in _accounts(sessions)


def _team(session: Session, external_id: str) -> str:
    guardian = session.scalars(select(Guardian).where(Guardian.external_id == external_id)).one()
    return f"guardian:{guardian.id}"
