"""Commands name people by the school's own ids (the MIS export's `G-anna`, `S-teacher`),
which a school knows, and not only by sendbot's internal numbers, which no screen shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sendbot.cli import app as cli
from sendbot.config import get_settings
from sendbot.store.models import Guardian, GuardianPupil, Invite, Staff
from tests.factories import build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME
from tests.telegram.harness import add_guardian


@pytest.fixture
def sendbot(db_url, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SENDBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("SENDBOT_TELEGRAM_BOT_USERNAME", BOT_USERNAME)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli, list(args))
    get_settings.cache_clear()


def test_invites_and_unlinks_take_the_mis_id(sendbot, sessions, tmp_path: Path) -> None:
    school = build_small_school(sessions)
    anna = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    invited = sendbot("invite", "guardian", "G-anna", "--qr", str(tmp_path / "anna.png"))
    teacher = sendbot("invite", "staff", "S-teacher", "--qr", str(tmp_path / "teacher.png"))
    unlinked = sendbot("invite", "unlink", "G-anna")
    assert invited.exit_code == 0, invited.output
    assert "Invite for Anna Wiśniewska" in invited.output
    assert teacher.exit_code == 0, teacher.output
    assert unlinked.exit_code == 0, unlinked.output
    assert "To link them again: sendbot invite guardian G-anna" in unlinked.output
    with sessions() as session:
        invites = session.query(Invite).all()
        assert {i.guardian_id for i in invites} == {anna.guardian_id, None}
        assert {i.staff_id for i in invites} == {school.staff["teacher"], None}


def test_an_id_two_schools_share_needs_the_school_and_an_unknown_one_says_which_column(
    sendbot, sessions, tmp_path: Path
) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        for school_id, child in ((school.school_id, "amir"), (school.other_school_id, "stone")):
            sam = Guardian(
                school_id=school_id, external_id="G002", first_name="Sam", last_name="Lee"
            )
            session.add(sam)
            session.flush()
            session.add(
                GuardianPupil(
                    guardian_id=sam.id, pupil_id=school.pupils[child], parental_responsibility=True
                )
            )
    both = sendbot("invite", "guardian", "G002")
    ours = sendbot("invite", "guardian", "G002", "--school", "900001", "--qr", str(tmp_path / "q"))
    nobody = sendbot("invite", "guardian", "G999")
    assert both.exit_code == 1
    assert "2 schools have a parent or carer with the id G002: add --school URN." in both.output
    assert ours.exit_code == 0, ours.output
    assert nobody.exit_code == 1
    assert "No parent or carer has the id 'G999'." in nobody.output
    assert "the roster's guardian_id column" in nobody.output
    with sessions() as session:
        [invite] = session.query(Invite).all()
        guardian = session.get(Guardian, invite.guardian_id)
        assert guardian is not None and guardian.school_id == school.school_id


def test_sharing_a_record_names_the_contact_and_the_pupil_by_their_mis_ids(
    sendbot, sessions
) -> None:
    school = build_small_school(sessions)
    gran = add_guardian(sessions, school, "gran", "Irena", "Nowak", [])
    with sessions() as session, session.begin():
        session.add(
            GuardianPupil(
                guardian_id=gran.guardian_id,
                pupil_id=school.pupils["zoe"],
                parental_responsibility=False,
            )
        )
        senco = session.get(Staff, school.staff["senco"])
        assert senco is not None
        email = senco.email
    shared = sendbot("guardian", "share", "G-gran", "P-Zoë-Nowak", "--decided-by", email)
    assert shared.exit_code == 0, shared.output
    with sessions() as session:
        link = session.query(GuardianPupil).filter_by(guardian_id=gran.guardian_id).one()
        assert link.shared_at is not None
