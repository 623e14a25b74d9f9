"""The roster import, on SQLite and PostgreSQL: counts, idempotence, updates, every error
reported exactly, and a failed import leaving the database as it was."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sendbot.cli import roster as roster_cli
from sendbot.clock import FrozenClock
from sendbot.services import audit
from sendbot.services.roster import (
    RosterError,
    RosterReport,
    import_roster,
    parse_date,
    parse_language,
    parse_year_group,
)
from sendbot.store.db import transaction
from sendbot.store.models import (
    AuditEvent,
    Base,
    GroupStaff,
    Guardian,
    GuardianPupil,
    Pupil,
    School,
    SenStatusChange,
    Staff,
    TeachingGroup,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "roster"
CLOCK = FrozenClock(datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
KINDS = (
    "settings",
    "classes",
    "staff",
    "class staff",
    "pupils",
    "guardians",
    "guardian channels",
    "guardian links",
    "EHC cases",
)

Sessions = sessionmaker[Session]


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    """A copy of the sample roster that a test may change."""
    dest = tmp_path / "roster"
    shutil.copytree(EXAMPLES, dest)
    return dest


def run_import(sessions: Sessions, *paths: Path) -> RosterReport:
    with transaction(sessions) as session:
        return import_roster(session, list(paths), clock=CLOCK)


def import_errors(sessions: Sessions, *paths: Path) -> list[str]:
    with pytest.raises(RosterError) as caught:
        run_import(sessions, *paths)
    return caught.value.errors


def row_counts(sessions: Sessions) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def created(report: RosterReport) -> dict[str, int]:
    return {kind: counts.created for kind, counts in report.counts.items()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should appear once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(path: Path, row: str) -> int:
    """Add a row at the end and return its line number (the header is line 1)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + row + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def pupil(session: Session, external_id: str) -> Pupil:
    return session.scalars(select(Pupil).where(Pupil.external_id == external_id)).one()


# --- a clean import ----------------------------------------------------------------------------


def test_sample_roster_imports_with_counts(sessions: Sessions) -> None:
    report = run_import(sessions, EXAMPLES)

    assert report.school_name == "Millbrook Primary School"
    assert report.urn == "999902"
    assert report.school_created
    assert list(report.counts) == list(KINDS)
    assert created(report) == {
        "settings": 5,  # and digest_time, quiet_hours_start updated, quiet_hours_end as it was
        "classes": 3,
        "staff": 6,
        "class staff": 5,
        "pupils": 8,
        "guardians": 8,
        "guardian channels": 13,  # 5 email addresses, 8 mobile numbers
        "guardian links": 9,
        "EHC cases": 1,  # Ayaan's
    }
    counts = row_counts(sessions)
    assert counts["school"] == 1
    assert counts["teaching_group"] == 3
    assert counts["staff"] == 6
    assert counts["staff_role"] == 9
    assert counts["group_staff"] == 5
    assert counts["pupil"] == 8
    assert counts["guardian"] == 8
    assert counts["guardian_pupil"] == 9


def test_values_arrive_as_the_rest_of_sendbot_expects_them(sessions: Sessions) -> None:
    run_import(sessions, EXAMPLES)
    with sessions() as session:
        school = session.scalars(select(School)).one()
        assert (school.timezone, school.nation) == ("Europe/London", "england")

        ayaan = pupil(session, "P005")
        assert (ayaan.first_name, ayaan.last_name) == ("Ayaan", "Hussain")
        assert ayaan.date_of_birth == date(2018, 7, 21)
        assert ayaan.year_group == 3
        assert ayaan.group is not None and ayaan.group.code == "3W"
        assert (ayaan.sen_status, ayaan.primary_need, ayaan.secondary_need) == (
            "ehc_plan",
            "ASD",
            "SLCN",
        )
        assert (ayaan.eal, ayaan.first_language) == (True, "Urdu")

        oliver = pupil(session, "P001")
        assert oliver.preferred_name == "Ollie" and oliver.display_name == "Ollie Brennan"
        assert oliver.upn == "A999290219001"
        assert pupil(session, "P002").sen_status == "sen_support"
        assert pupil(session, "P004").sen_status == "monitoring"
        assert pupil(session, "P008").looked_after is True
        assert pupil(session, "P002").last_name == "Kamińska"

        head = session.scalars(select(Staff).where(Staff.external_id == "S01")).one()
        assert head.role_names == {"headteacher", "deputy_dsl"}
        kowal = session.scalars(select(Staff).where(Staff.external_id == "S05")).one()
        assert kowal.role_names == {"ta"}
        roles = {link.role for link in session.scalars(select(GroupStaff))}
        assert roles == {"teacher", "ta"}

        guardians = {g.external_id: g for g in session.scalars(select(Guardian))}
        assert (guardians["G003"].preferred_language, guardians["G003"].script) == ("pa", "Guru")
        assert (guardians["G002"].preferred_language, guardians["G002"].needs_interpreter) == (
            "pl",
            True,
        )
        assert guardians["G003"].email is None

        carer = session.scalars(
            select(GuardianPupil).where(GuardianPupil.guardian_id == guardians["G008"].id)
        ).one()
        assert carer.relationship_to_pupil == "foster carer"
        assert carer.parental_responsibility is False
        brennan_children = session.scalars(
            select(GuardianPupil).where(GuardianPupil.guardian_id == guardians["G001"].id)
        ).all()
        assert len(brennan_children) == 2


def test_one_audit_event_with_the_counts(sessions: Sessions) -> None:
    run_import(sessions, EXAMPLES)
    with sessions() as session:
        event = session.scalars(select(AuditEvent)).one()
        assert (event.action, event.actor_kind, event.actor_id) == ("roster.import", "cli", None)
        assert event.object_type == "school"
        assert event.details["counts"]["pupils"]["created"] == 8
        assert event.details["counts"]["guardian links"]["created"] == 9
        assert event.at == CLOCK.now()
        assert audit.first_broken_link(session) is None


# --- running it again ------------------------------------------------------------------------


def test_importing_twice_changes_nothing(sessions: Sessions) -> None:
    run_import(sessions, EXAMPLES)
    before = row_counts(sessions)

    again = run_import(sessions, EXAMPLES)

    assert not again.school_created and not again.school_updated
    for kind, counts in again.counts.items():
        assert (counts.created, counts.updated, counts.deactivated, counts.removed) == (
            0,
            0,
            0,
            0,
        ), kind
    assert again.counts["pupils"].unchanged == 8
    after = row_counts(sessions)
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before


def test_a_changed_row_updates_in_place(sessions: Sessions, roster: Path) -> None:
    run_import(sessions, roster)
    pupils = roster / "pupils.csv"
    edit(
        pupils,
        "P004,,Maisie,Brennan,,09/01/2018,3,3W,monitoring,,,",
        "P004,,Maisie,Brennan-Hale,,09/01/2018,3,1M,K,SEMH,,",
    )
    edit(
        roster / "staff.csv",
        "S04,Miss,Leah,Corbett,l.corbett@millbrook.example,teacher",
        "S04,Mrs,Leah,Corbett,l.corbett@millbrook.example,teacher;deputy_dsl",
    )
    edit(
        roster / "guardians.csv",
        "G001,Mrs,Claire,Brennan,claire.brennan@family.example,07700 900101,en,N",
        "G001,Mrs,Claire,Brennan,claire.brennan@family.example,07700 900199,en,N",
    )
    edit(roster / "guardian_links.csv", "G005,P005,mother,Y,2", "G005,P005,mother,Y,1")
    edit(roster / "class_staff.csv", "5O,S05,ta", "5O,S05,teacher")

    report = run_import(sessions, roster)

    changed = {kind: (c.created, c.updated, c.deactivated) for kind, c in report.counts.items()}
    assert changed == {
        "settings": (0, 0, 0),
        "classes": (0, 0, 0),
        "staff": (0, 1, 0),
        "class staff": (0, 1, 0),
        "pupils": (0, 1, 0),
        "guardians": (0, 1, 0),
        "guardian channels": (1, 0, 1),  # Claire's new mobile; the old one off
        "guardian links": (0, 1, 0),
        "EHC cases": (0, 0, 0),  # Ayaan's, as it was
    }
    with sessions() as session:
        maisie = pupil(session, "P004")
        assert maisie.last_name == "Brennan-Hale"
        assert maisie.group is not None and maisie.group.code == "1M"
        assert (maisie.sen_status, maisie.primary_need) == ("sen_support", "SEMH")
        change = session.scalars(select(SenStatusChange)).one()
        assert (change.pupil_id, change.from_status, change.to_status) == (
            maisie.id,
            "monitoring",
            "sen_support",
        )
        corbett = session.scalars(select(Staff).where(Staff.external_id == "S04")).one()
        assert corbett.title == "Mrs" and corbett.role_names == {"teacher", "deputy_dsl"}
        assert session.scalar(select(func.count()).select_from(Pupil)) == 8


def test_rows_missing_from_a_later_export_are_kept_but_inactive(
    sessions: Sessions, roster: Path
) -> None:
    run_import(sessions, roster)
    edit(
        roster / "pupils.csv",
        "P008,,Riley,Thornton,,05/06/2016,5,5O,K,SPLD,,N,English,Y,,,,,\n",
        "",
    )
    edit(roster / "guardian_links.csv", "G008,P008,foster carer,N,1\n", "")
    edit(
        roster / "guardians.csv",
        "G008,Ms,Denise,Holloway,denise.holloway@family.example,07700 900108,en,N\n",
        "",
    )
    edit(roster / "staff.csv", "S06,Mr,Callum,Rigby,office@millbrook.example,admin\n", "")

    report = run_import(sessions, roster)

    assert report.counts["pupils"].deactivated == 1
    assert report.counts["staff"].deactivated == 1
    assert report.counts["guardians"].deactivated == 1
    assert report.counts["guardian links"].removed == 1
    with sessions() as session:
        riley = pupil(session, "P008")
        assert riley.active is False
        assert session.scalar(select(func.count()).select_from(Pupil)) == 8
        rigby = session.scalars(select(Staff).where(Staff.external_id == "S06")).one()
        assert rigby.active is False and rigby.role_names == {"admin"}

    back = run_import(sessions, EXAMPLES)  # they come back in the next export
    assert back.counts["pupils"].updated == 1
    assert back.counts["staff"].updated == 1
    with sessions() as session:
        assert pupil(session, "P008").active is True


def test_a_file_left_out_changes_nothing_of_its_kind(sessions: Sessions, roster: Path) -> None:
    run_import(sessions, roster)
    (roster / "school.csv").unlink()
    (roster / "staff.csv").unlink()
    (roster / "class_staff.csv").unlink()
    edit(
        roster / "pupils.csv",
        "P008,,Riley,Thornton,,05/06/2016,5,5O,K,SPLD,,N,English,Y,,,,,\n",
        "",
    )
    edit(roster / "guardian_links.csv", "G008,P008,foster carer,N,1\n", "")

    report = run_import(sessions, roster)

    assert "staff" not in report.counts and "class staff" not in report.counts
    assert report.counts["pupils"].deactivated == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Staff.active)) == 6
        assert session.scalar(select(func.count()).select_from(GroupStaff)) == 5


def test_links_alone_refer_to_records_imported_before(sessions: Sessions, tmp_path: Path) -> None:
    run_import(sessions, EXAMPLES)
    links = tmp_path / "guardian_links.csv"
    links.write_text(
        "guardian_id,pupil_id,relationship\nG001,P001,mother\nG004,P004,stepfather\n"
        "G001,P404,mother\n",
        encoding="utf-8",
    )
    assert import_errors(sessions, links) == [
        "guardian_links.csv line 4: pupil id 'P404' is not in the school's records "
        "(import pupils.csv with it)"
    ]
    links.write_text(
        "guardian_id,pupil_id,relationship\nG001,P001,mother\nG004,P004,stepfather\n",
        encoding="utf-8",
    )
    report = run_import(sessions, links)
    assert report.counts["guardian links"].created == 1
    assert report.counts["guardian links"].removed == 8


def test_staff_whose_mis_id_changed_are_recognised_by_email(
    sessions: Sessions, roster: Path
) -> None:
    run_import(sessions, roster)
    edit(roster / "staff.csv", "S04,Miss", "S44,Miss")
    edit(roster / "class_staff.csv", "1M,S04,teacher", "1M,S44,teacher")

    report = run_import(sessions, roster)

    assert (report.counts["staff"].created, report.counts["staff"].updated) == (0, 1)
    assert report.counts["staff"].deactivated == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Staff)) == 6
        corbett = session.scalars(
            select(Staff).where(Staff.email == "l.corbett@millbrook.example")
        ).one()
        assert corbett.external_id == "S44"


def test_two_staff_can_swap_emails(sessions: Sessions, roster: Path) -> None:
    run_import(sessions, roster)
    staff = roster / "staff.csv"
    edit(staff, "g.penrose@millbrook.example", "swap@millbrook.example")
    edit(staff, "l.corbett@millbrook.example", "g.penrose@millbrook.example")
    edit(staff, "swap@millbrook.example", "l.corbett@millbrook.example")

    assert run_import(sessions, roster).counts["staff"].updated == 2
    with sessions() as session:
        penrose = session.scalars(select(Staff).where(Staff.external_id == "S02")).one()
        assert penrose.email == "l.corbett@millbrook.example"


# --- what MIS exports look like --------------------------------------------------------------


def test_bom_crlf_loose_headers_and_flag_spellings(sessions: Sessions, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "School.csv").write_bytes(
        "\ufeffURN,School Name,Extra column\r\n999903,Ashgrove Primary School,x\r\n".encode()
    )
    (folder / "classes.csv").write_bytes(b"Class Code,Class Name,Year\r\nYR,Reception,R\r\n")
    (folder / "pupils.csv").write_bytes(
        (
            "\ufeffPupil ID,SURNAME,Forename,Date Of Birth,NCY,Class,SEN Status,Primary-Need,EAL,"
            "Home Language,Looked After\r\n"
            "A1,Şahin,Elif,2021-03-04,Reception,YR,k,slcn,Yes,Turkish,0\r\n"
            "\r\n"
            "A2,Nowak,Jan,4/3/2021,R,YR,,,1,Polish,false\r\n"
            'A3,"O\'Neill, Jr",Róisín,04/03/2021,Year 0,YR,N,,no,,TRUE\r\n'
        ).encode()
    )
    (folder / "notes.txt").write_text("not a roster file", encoding="utf-8")

    report = run_import(sessions, folder)

    assert report.counts["pupils"].created == 3
    assert report.ignored_files == ["notes.txt"]
    with sessions() as session:
        elif_ = pupil(session, "A1")
        assert (elif_.last_name, elif_.date_of_birth, elif_.year_group) == (
            "Şahin",
            date(2021, 3, 4),
            0,
        )
        assert (elif_.sen_status, elif_.primary_need, elif_.eal) == ("sen_support", "SLCN", True)
        assert pupil(session, "A2").date_of_birth == date(2021, 3, 4)
        roisin = pupil(session, "A3")
        assert (roisin.last_name, roisin.looked_after, roisin.eal) == ("O'Neill, Jr", True, False)


def test_a_columns_own_name_wins_over_its_other_names(sessions: Sessions, tmp_path: Path) -> None:
    (tmp_path / "school.csv").write_text("urn,name\n999905,Test School\n", encoding="utf-8")
    pupils = tmp_path / "pupils.csv"
    pupils.write_text(
        "ID,Pupil ID,First name,Legal first name,Surname,DOB,Year\n"
        "row-1,A1,Bex,Rebecca,Lowe,01/02/2018,3\n",
        encoding="utf-8",
    )
    run_import(sessions, tmp_path)
    with sessions() as session:
        becky = pupil(session, "A1")
        assert (becky.first_name, becky.last_name) == ("Rebecca", "Lowe")

    pupils.write_text(
        "Pupil ID,Surname,Last name,Forename,DOB,Year\nA1,Lowe,Lowe,Rebecca,01/02/2018,3\n",
        encoding="utf-8",
    )
    assert import_errors(sessions, tmp_path) == [
        "pupils.csv line 1: columns 'Surname' and 'Last name' both mean 'legal_last_name'"
    ]


def test_line_numbers_are_physical_lines(sessions: Sessions, tmp_path: Path) -> None:
    (tmp_path / "school.csv").write_text("urn,name\n999904,Test School\n", encoding="utf-8")
    (tmp_path / "guardians.csv").write_text(
        'guardian_id,first_name,last_name,phone\nG1,"Ann\nMarie",Lee,07700 900001\n\n'
        "G2,Bo,Lee,call me\n",
        encoding="utf-8",
    )
    assert import_errors(sessions, tmp_path) == [
        "guardians.csv line 5: phone 'call me' is not a phone number"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/2017", date(2017, 3, 14)),
        ("2017-03-14", date(2017, 3, 14)),
        ("4/3/2017", date(2017, 3, 4)),
        ("14-03-2017", date(2017, 3, 14)),
        ("14/03/2017 00:00:00", date(2017, 3, 14)),
    ],
)
def test_dates_in_mis_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_cell_parsers_for_year_groups_and_languages() -> None:
    assert [parse_year_group(t) for t in ("R", "YR", "Reception", "N", "Y3", "Year 6", "11")] == [
        0,
        0,
        0,
        -1,
        3,
        6,
        11,
    ]
    assert parse_language("pa-Guru") == ("pa", "Guru")
    assert parse_language("PA_arab") == ("pa", "Arab")
    assert parse_language("Polish") == ("pl", None)
    assert parse_language("Panjabi") == ("pa", None)
    assert parse_language("zh-Hant-HK") == ("zh", "Hant")
    for bad in ("xx", "pa-Zzzq", "english please"):
        with pytest.raises(ValueError):
            parse_language(bad)


# --- errors: exact messages, and nothing written ---------------------------------------------


def assert_unchanged_after(sessions: Sessions, roster: Path, expected: list[str]) -> None:
    before = row_counts(sessions)
    assert import_errors(sessions, roster) == expected
    assert row_counts(sessions) == before
    with sessions() as session:  # and the rows themselves are as they were
        assert pupil(session, "P004").date_of_birth == date(2018, 1, 9)
        assert pupil(session, "P006").group.code == "5O"  # type: ignore[union-attr]


@pytest.fixture
def imported(sessions: Sessions) -> Sessions:
    """A database that already holds the sample roster, so 'unchanged' means something."""
    run_import(sessions, EXAMPLES)
    return sessions


def test_a_date_that_does_not_exist(imported: Sessions, roster: Path) -> None:
    edit(roster / "pupils.csv", "Maisie,Brennan,,09/01/2018", "Maisie,Brennan,,31/02/2018")
    assert_unchanged_after(
        imported, roster, ["pupils.csv line 5: date of birth '31/02/2018' is not a real date"]
    )


def test_a_date_in_no_format_we_read(imported: Sessions, roster: Path) -> None:
    edit(roster / "pupils.csv", "Maisie,Brennan,,09/01/2018", "Maisie,Brennan,,Jan 9 2018")
    assert_unchanged_after(
        imported,
        roster,
        [
            "pupils.csv line 5: date of birth 'Jan 9 2018' is not a date "
            "(write it as dd/mm/yyyy or yyyy-mm-dd)"
        ],
    )


def test_a_pupil_in_an_unknown_class(imported: Sessions, roster: Path) -> None:
    edit(roster / "pupils.csv", "30/04/2016,5,5O,", "30/04/2016,5,5Z,")
    assert_unchanged_after(
        imported, roster, ["pupils.csv line 7: class code '5Z' is not in classes.csv"]
    )


def test_a_pupil_id_used_twice(imported: Sessions, roster: Path) -> None:
    line = append(roster / "pupils.csv", "P003,,Hana,Sandhu,,23/09/2019,1,1M,N,,,N,English,N")
    assert line == 10
    assert_unchanged_after(
        imported, roster, ["pupils.csv line 10: pupil id 'P003' is already used on line 4"]
    )


def test_a_guardian_link_to_a_missing_pupil(imported: Sessions, roster: Path) -> None:
    line = append(roster / "guardian_links.csv", "G001,P099,mother,Y,1")
    assert line == 11
    assert_unchanged_after(
        imported, roster, ["guardian_links.csv line 11: pupil id 'P099' is not in pupils.csv"]
    )


def test_a_missing_required_column(imported: Sessions, roster: Path) -> None:
    edit(roster / "pupils.csv", ",date_of_birth,", ",birthday,")
    assert_unchanged_after(
        imported, roster, ["pupils.csv line 1: required column 'date_of_birth' is missing"]
    )


def test_unreadable_files_are_reported_in_file_order_without_knock_on_errors(
    imported: Sessions, roster: Path
) -> None:
    edit(roster / "pupils.csv", "pupil_id,", "pupil_ref,")
    edit(roster / "staff.csv", ",email,", ",e_mail_addr,")
    edit(roster / "staff.csv", ",last_name,", ",surname,")  # an alias is fine
    # Links to pupils cannot be checked while pupils.csv cannot be read: no knock-on errors.
    append(roster / "guardian_links.csv", "G001,P099,mother,Y,1")
    assert_unchanged_after(
        imported,
        roster,
        [
            "staff.csv line 1: required column 'email' is missing",
            "pupils.csv line 1: required column 'pupil_id' is missing",
        ],
    )


def test_an_unknown_role(imported: Sessions, roster: Path) -> None:
    edit(
        roster / "staff.csv", "office@millbrook.example,admin", "office@millbrook.example,governor"
    )
    assert_unchanged_after(
        imported,
        roster,
        [
            "staff.csv line 7: role 'governor' is not one sendbot knows "
            "(teacher, ta, senco, dsl, deputy_dsl, headteacher, admin, other_staff, chair_of_governors)"
        ],
    )


def test_lunchtime_office_site_and_supply_staff_and_volunteers_are_other_staff(
    sessions: Sessions, roster: Path
) -> None:
    """Every adult in the school can report a concern, so the MIS's words for them import."""
    for row in (
        "S07,Mrs,Carol,Lister,c.lister@millbrook.example,Lunchtime supervisor",
        "S08,Mr,Imran,Dar,i.dar@millbrook.example,Site manager",
        "S09,Ms,Beth,Orme,b.orme@millbrook.example,Volunteer",
        "S10,Mr,Tom,Ince,t.ince@millbrook.example,other_staff",
        "S11,Mrs,Jo,Brent,j.brent@millbrook.example,Office;Midday supervisor",
    ):
        append(roster / "staff.csv", row)

    report = run_import(sessions, roster)

    assert report.counts["staff"].created == 11
    with sessions() as session:
        roles = {
            s.external_id: s.role_names
            for s in session.scalars(select(Staff).where(Staff.external_id >= "S07"))
        }
    assert roles == {key: {"other_staff"} for key in ("S07", "S08", "S09", "S10", "S11")}


def test_every_problem_in_every_file_is_listed_at_once(imported: Sessions, roster: Path) -> None:
    edit(
        roster / "staff.csv", "office@millbrook.example,admin", "office@millbrook.example,governor"
    )
    edit(
        roster / "staff.csv",
        "S05,Mrs,Dorota,Kowal,d.kowal@millbrook.example",
        "S05,Mrs,Dorota,Kowal,head@millbrook.example",
    )
    append(roster / "class_staff.csv", "3W,S09,ta")
    edit(
        roster / "pupils.csv",
        "Maisie,Brennan,,09/01/2018,3,3W,monitoring",
        "Maisie,Brennan,,31/02/2018,3,3W,maybe",
    )
    edit(
        roster / "pupils.csv",
        "P006,,Hodan,Abdi,,30/04/2016,5,5O,K,SEMH",
        "P006,,Hodan,,,30/04/2016,Y9X,5O,K,XYZ",
    )
    edit(roster / "guardians.csv", "07700 900106,so,Y", "07700 900106,klingon-language,perhaps")
    append(roster / "guardian_links.csv", "G404,P001,uncle,Y,0")

    assert_unchanged_after(
        imported,
        roster,
        [
            "staff.csv line 6: email 'head@millbrook.example' is already used on line 2",
            "staff.csv line 7: role 'governor' is not one sendbot knows "
            "(teacher, ta, senco, dsl, deputy_dsl, headteacher, admin, other_staff, chair_of_governors)",
            "class_staff.csv line 7: staff id 'S09' is not in staff.csv",
            "pupils.csv line 5: date of birth '31/02/2018' is not a real date",
            "pupils.csv line 5: SEN status 'maybe' is not one of N, K, E or monitoring",
            "pupils.csv line 7: primary need 'XYZ' is not a census need code "
            "(SPLD, MLD, SLD, PMLD, SEMH, SLCN, ASD, HI, VI, MSI, PD, OTH, NSA)",
            "pupils.csv line 7: legal last name is empty",
            "pupils.csv line 7: year group 'Y9X' is not a year group "
            "(R for Reception, N for nursery, or 1 to 14)",
            "guardians.csv line 7: preferred language 'klingon-language' is not a language "
            "code such as en, pl, ur or pa-Guru",
            "guardians.csv line 7: needs interpreter 'perhaps' is not yes or no",
            "guardian_links.csv line 11: guardian id 'G404' is not in guardians.csv",
            "guardian_links.csv line 11: contact priority '0' is not a whole number from 1 to 99",
        ],
    )


def test_duplicates_and_bad_cells_in_other_files(sessions: Sessions, roster: Path) -> None:
    append(roster / "classes.csv", "1M,Year 1 - Again,1")
    append(roster / "class_staff.csv", "1M,S04,teacher")
    append(roster / "guardian_links.csv", "G001,P001,mother,Y,1")
    append(roster / "guardians.csv", "G009,Mr,Ivo,Marsh,ivo@,07700 900109,en,N")
    edit(roster / "school.csv", "Europe/London,england", "Europe/Londres,wessex")
    assert import_errors(sessions, roster) == [
        "school.csv line 2: timezone 'Europe/Londres' is not a time zone such as Europe/London",
        "school.csv line 2: nation 'wessex' is not england, wales, scotland or northern_ireland",
        "classes.csv line 5: class code '1M' is already used on line 2",
        "class_staff.csv line 7: staff id 'S04' is already listed for class '1M' on line 2",
        "guardians.csv line 10: email 'ivo@' is not an email address",
        "guardian_links.csv line 11: guardian id 'G001' is already linked to pupil id 'P001' "
        "on line 2",
    ]
    assert row_counts(sessions) == dict.fromkeys(row_counts(sessions), 0)


def test_files_that_cannot_be_found_or_placed(sessions: Sessions, tmp_path: Path) -> None:
    stray = tmp_path / "contacts.csv"
    stray.write_text("id\n", encoding="utf-8")
    assert import_errors(sessions, tmp_path / "nowhere", stray) == [
        "nowhere does not exist",
        "contacts.csv is not a roster file (school.csv, settings.csv, classes.csv, staff.csv, "
        "class_staff.csv, pupils.csv, guardians.csv, guardian_links.csv)",
    ]
    assert import_errors(sessions, EXAMPLES / "pupils.csv") == [
        "school.csv is needed in this import because there is no school yet"
    ]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "pupils.csv").write_text("", encoding="utf-8")
    assert import_errors(sessions, tmp_path / "empty", EXAMPLES / "school.csv") == [
        "pupils.csv is empty (it needs a header row)"
    ]


def test_a_failure_while_writing_leaves_nothing_behind(
    imported: Sessions, roster: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation catches bad rows; this checks the other half of 'all or nothing'."""
    edit(roster / "pupils.csv", "Maisie,Brennan,", "Maisie,Brennan-Hale,")
    append(roster / "pupils.csv", "P009,,Nell,Ashby,,01/02/2018,3,3W,N,,,N,English,N")
    before = row_counts(imported)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(RuntimeError):
        run_import(imported, roster)

    assert row_counts(imported) == before
    with imported() as session:
        assert pupil(session, "P004").last_name == "Brennan"


# --- the command line ------------------------------------------------------------------------


def cli() -> typer.Typer:
    """The command as `sendbot import roster` registers it."""
    app = typer.Typer()
    app.add_typer(roster_cli.app, name="import")
    return app


def test_cli_imports_and_prints_the_counts(sessions: Sessions, db_url: str) -> None:
    result = CliRunner().invoke(cli(), ["import", "roster", str(EXAMPLES), "--database", db_url])

    assert result.exit_code == 0, result.output
    assert "Roster imported for Millbrook Primary School (URN 999902, school added)." in (
        result.stdout
    )
    assert "pupils" in result.stdout and "guardian links" in result.stdout
    pupils_row = next(line for line in result.stdout.splitlines() if "pupils" in line)
    assert pupils_row.split()[1:] == ["│", "8", "│", "0", "│", "0", "│", "0", "│", "0"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Pupil)) == 8
        assert session.scalar(select(func.count()).select_from(TeachingGroup)) == 3


def test_cli_lists_every_problem_and_exits_1(sessions: Sessions, db_url: str, roster: Path) -> None:
    edit(roster / "pupils.csv", "Maisie,Brennan,,09/01/2018", "Maisie,Brennan,,31/02/2018")
    append(roster / "guardian_links.csv", "G001,P099,mother,Y,1")

    result = CliRunner().invoke(cli(), ["import", "roster", str(roster), "--database", db_url])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Nothing was imported. Fix these rows and run the import again:",
        "  pupils.csv line 5: date of birth '31/02/2018' is not a real date",
        "  guardian_links.csv line 11: pupil id 'P099' is not in pupils.csv",
    ]
    assert row_counts(sessions)["pupil"] == 0
