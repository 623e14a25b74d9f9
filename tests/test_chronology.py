"""One chronology per child: the demo school's safeguarding pupil, as the DSL hands it over.

In the walkthrough the teaching assistant reports a bruise on Isaac Walsh's wrist. Here the
DSL acts on it as a DSL would (acknowledges, speaks to the school nurse, refers to children's
social care, follows the referral up, hears back, decides to monitor, closes it and reopens
it when something new is reported), and the chronology reads that back: time-ordered, in
words, with people's names and roles, and none of sendbot's own codes.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.demo import school as demo
from sendbot.demo.build import build_demo, sqlite_url
from sendbot.domain.needs import Area
from sendbot.services import chronology, chronology_export, concerns, escalation, policy
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.services.safeguarding import acknowledge
from sendbot.store.models import AuditEvent, Meeting, Pupil
from tests.pdf_text import pdf_lines

# Thursday 3 December 2026, a school day; Europe/London is on GMT, so UTC reads the same.
RAISED = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)
SAID = (
    "He had a bruise on his wrist and said 'I'm not allowed to tell'. He flinched when I "
    "reached for his book."
)
NURSE = "Rang the school nurse, Ms Grant: she will see Isaac on Monday and check the bruise."
REFERRAL = "Referred to the front door team by phone; duty social worker Sam Ellis took it."
CHASE = "Rang the front door again: the referral is with a team manager."
LA = "Social worker visited at home; a strategy discussion is not needed."
MONITOR = "Monitor in school; weekly check-in with his class teacher."
CLOSED = "No further marks seen in six weeks; the family is working with early help."
REOPENED = "A new bruise was reported by the lunchtime supervisor."

# What must never reach a reader: sendbot's own words for things (its codes that are not
# also plain English words, like 'monitor', which a DSL writes too).
CODES = [*escalation.DECISIONS, *escalation.AGENCIES, *chronology.STEP_TITLES]
INTERNAL = [
    *(code for code in CODES if "_" in code),
    "concern.",
    "chronology.",
    "safeguarding.",
    "semh",
    "None",
]
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|T\d{2}:\d{2}")
HASH_ID = re.compile(r"#\d+")


@pytest.fixture(scope="module")
def demo_school(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """The demo school with the walkthrough's safeguarding concern and the DSL's steps."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    sessions = build_demo(path, date(2026, 12, 3))
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = RAISED
        ta = _staff(session, demo.DEMO_TA_EMAIL)
        dsl = _staff(session, demo.DEMO_DSL_EMAIL)
        deputy = _staff(session, demo.DEMO_SENCO_EMAIL)
        isaac = _isaac(session)
        concern = concerns.log_concern(
            session, ta, concerns.NewConcern(isaac.id, Area.SEMH, SAID, True), RAISED
        ).concern_id
        minutes = lambda n: RAISED + timedelta(minutes=n)  # noqa: E731
        acknowledge(session, dsl, concern, minutes(6))
        escalation.record_agency_contact(session, dsl, concern, "health", minutes(30), NURSE)
        escalation.record_decision(session, dsl, concern, "referral", minutes(45), REFERRAL)
        escalation.record_chase(session, deputy, concern, minutes(60 * 24 + 30), CHASE)
        escalation.record_la_response(session, dsl, concern, minutes(60 * 48), LA)
        escalation.record_decision(session, dsl, concern, "monitor", minutes(60 * 49), MONITOR)
        session.add(
            Meeting(
                school_id=isaac.school_id,
                pupil_id=isaac.id,
                kind="parent_meeting",
                starts_at=RAISED + timedelta(days=7),
                place="The family room",
                status="held",
            )
        )
        escalation.close_concern(session, dsl, concern, RAISED + timedelta(days=42), CLOSED)
        escalation.reopen_concern(session, dsl, concern, RAISED + timedelta(days=50), REOPENED)
    return sqlite_url(path), isaac.id


def _staff(session: Session, email: str) -> StaffActor:
    actor = staff_actor_by_email(session, email)
    assert actor is not None
    return actor


def _isaac(session: Session) -> Pupil:
    first, last = demo.DEMO_SHARED_SURNAME_PUPILS[0].split()
    return session.scalars(
        select(Pupil).where(Pupil.first_name == first, Pupil.last_name == last)
    ).one()


def _sessions(url: str) -> sessionmaker[Session]:
    from sendbot.services import SESSION_HOOKS
    from sendbot.store.db import make_engine, session_factory

    return session_factory(make_engine(url), *SESSION_HOOKS)


def _chronology(url: str, pupil_id: int, email: str = demo.DEMO_DSL_EMAIL):
    with _sessions(url)() as session, session.begin():
        actor = _staff(session, email)
        return chronology.for_pupil(session, actor, pupil_id, RAISED + timedelta(days=60))


def _visible_text(page: str) -> str:
    body = re.sub(r"</?(strong|span)[^>]*>", "", page.split("<body>", 1)[1])  # inline
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_chronology_reads_as_the_dsl_would_write_it(demo_school) -> None:
    url, isaac = demo_school
    record = _chronology(url, isaac)
    assert (record.school_name, record.pupil_name) == ("Brookfield Primary School", "Isaac Walsh")
    lines = [
        (e.when, e.title, e.by, e.text) for e in record.entries if e.title != "Alert acknowledged"
    ]
    dsl = record.prepared_by
    assert dsl.endswith(", designated safeguarding lead")
    assert [line[:2] for line in lines] == [
        ("Thursday 3 December 2026, 10:15", "Concern logged"),
        (
            "Thursday 3 December 2026, 10:45",
            "Contact with health (school nurse, GP, health visitor)",
        ),
        ("Thursday 3 December 2026, 11:00", "Decision: referral to children's social care"),
        ("Friday 4 December 2026, 10:45", "Referral followed up with the local authority"),
        (
            "Saturday 5 December 2026, 10:15",
            "The local authority acknowledged the referral and decided next steps",
        ),
        ("Saturday 5 December 2026, 11:15", "Decision: monitor in school"),
        ("Thursday 10 December 2026, 10:15", "Meeting with parents or carers"),
        ("Thursday 14 January 2027, 10:15", "Concern closed"),
        ("Friday 22 January 2027, 10:15", "Concern reopened"),
    ]
    texts = [line[3] for line in lines]
    assert texts == [SAID, NURSE, REFERRAL, CHASE, LA, MONITOR, None, CLOSED, REOPENED]
    assert lines[0][2].endswith(", teaching assistant")
    assert lines[3][2].endswith("deputy safeguarding lead and SENCO")
    assert {line[2] for line in lines[1:3]} == {dsl}
    assert [c.status for c in record.concerns] == ["open"]


def test_the_html_export_is_confidential_complete_and_holds_no_internal_codes(
    demo_school,
) -> None:
    url, isaac = demo_school
    page = chronology_export.render_html(_chronology(url, isaac))
    text = _visible_text(page)
    for expected in (
        "CONFIDENTIAL: child protection record",
        "Brookfield Primary School",
        "Isaac Walsh",
        "Date of birth",
        "Thursday 3 December 2026, 10:15",
        SAID,
        CLOSED,
        "Concern logged by",
        ", teaching assistant",
        "Decision: referral to children's social care, recorded by",
    ):
        assert expected in text, expected
    assert "&#39;I&#39;m not allowed to tell&#39;" in page  # what staff wrote is escaped
    assert SNAKE_CASE.findall(text) == []
    assert ISO_TIME.findall(text) == []
    assert HASH_ID.findall(text) == []
    assert [code for code in INTERNAL if re.search(rf"\b{re.escape(code)}", text)] == []


def test_the_pdf_export_opens_and_says_the_same(demo_school) -> None:
    url, isaac = demo_school
    record = _chronology(url, isaac)
    data = chronology_export.render_pdf(record, compress=False)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    text = "\n".join(pdf_lines(data))
    assert "CONFIDENTIAL: child protection record. Isaac Walsh, Brookfield Primary School" in text
    assert "Pupil: Isaac Walsh" in text
    lines = pdf_lines(data)
    assert lines[1].startswith("CONFIDENTIAL: child protection record. Share only with")
    assert f"End of chronology: {len(record.entries)} entries. CONFIDENTIAL." in lines
    for expected in ("Thursday 3 December 2026, 10:15", "Concern reopened", "Decision: referral"):
        assert expected in text
    assert SNAKE_CASE.findall(text) == [] and ISO_TIME.findall(text) == []
    assert chronology_export.render_pdf(record).startswith(b"%PDF-")  # compressed, as sent


def test_only_the_dsl_and_deputies_read_it_and_every_attempt_is_audited(demo_school) -> None:
    url, isaac = demo_school
    assert _chronology(url, isaac, demo.DEMO_SENCO_EMAIL).pupil_name == "Isaac Walsh"  # deputy
    for email in (demo.DEMO_TEACHER_EMAIL, demo.DEMO_HEAD_EMAIL, demo.DEMO_ADMIN_EMAIL):
        with _sessions(url)() as session, session.begin():
            actor = _staff(session, email)
            with pytest.raises(policy.PermissionDenied):  # caught, so the refusal commits
                chronology.for_pupil(session, actor, isaac, RAISED)
        with _sessions(url)() as session:
            refused = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "chronology.refused")
                .order_by(AuditEvent.id)
            ).all()
            assert refused[-1].object_id == isaac
            assert refused[-1].actor_id == actor.staff_id


def test_the_command_line_writes_the_file_for_the_dsl_and_refuses_a_teacher(
    demo_school, tmp_path: Path
) -> None:
    url, isaac = demo_school
    runner = CliRunner()
    out = tmp_path / "isaac.pdf"
    args = ["safeguarding", "chronology", "--pupil", "Isaac Walsh", "--database", url]
    done = runner.invoke(app, [*args, "--by", demo.DEMO_DSL_EMAIL, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"%PDF-") and oct(out.stat().st_mode)[-3:] == "600"
    page = tmp_path / "isaac.html"
    done = runner.invoke(
        app, [*args, "--by", demo.DEMO_DSL_EMAIL, "--format", "html", "--out", str(page)]
    )
    assert done.exit_code == 0 and "Isaac Walsh" in page.read_text()
    refused = runner.invoke(
        app, [*args, "--by", demo.DEMO_TEACHER_EMAIL, "--out", str(tmp_path / "no.pdf")]
    )
    assert refused.exit_code == 1
    assert "Only the designated safeguarding lead and deputies" in refused.output
    assert not (tmp_path / "no.pdf").exists()
    with _sessions(url)() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == isaac)
        ).all()
        assert actions.count("chronology.export") >= 2
        assert "chronology.refused" in actions


def test_every_kind_of_step_shows_and_a_new_kind_is_never_left_out(sessions, school) -> None:
    """On the small school: an escalation names who it went to, a step of a kind the
    chronology does not know yet still shows, and a cancelled meeting yet to come does not."""
    from sendbot.store.models import ConcernAction
    from tests.factories import NOW

    with sessions() as session, session.begin():
        session.info["sendbot.now"] = NOW
        teacher = _staff_by_id(session, school.staff["teacher"])
        concern = concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(school.pupils["amir"], Area.SEMH, "Seen at lunch.", True),
            NOW,
        ).concern_id
        assert escalation.check_escalations(session, NOW + timedelta(minutes=16)) > 0
        session.add(
            ConcernAction(
                concern_id=concern,
                actor_id=school.staff["dsl"],
                at=NOW + timedelta(hours=1),
                kind="addendum",
                note_text="Correction: it was Tuesday, not Monday.",
            )
        )
        session.add(
            ConcernAction(
                concern_id=concern,
                actor_id=school.staff["dsl"],
                at=NOW + timedelta(hours=2),
                kind="strategy_meeting",  # a kind the chronology has no heading for yet
                note_text="Strategy discussion with the police.",
            )
        )
        for days, status in ((7, "scheduled"), (8, "cancelled")):
            session.add(
                Meeting(
                    school_id=school.school_id,
                    pupil_id=school.pupils["amir"],
                    kind="reintegration",
                    starts_at=NOW + timedelta(days=days),
                    status=status,
                )
            )
    with sessions() as session, session.begin():
        dsl = _staff_by_id(session, school.staff["dsl"])
        record = chronology.for_pupil(session, dsl, school.pupils["amir"], NOW)
    headings = [e.heading for e in record.entries]
    assert headings[0] == "Concern logged by Hannah Price, teacher"
    escalated = next(e for e in record.entries if e.title.startswith("The alert had not"))
    assert escalated.title.endswith("after 15 minutes: it was sent on to others")
    assert escalated.by == "sendbot" and escalated.facts[0].startswith("Sent to Priya Patel")
    addendum = next(e for e in record.entries if e.title.startswith("Addendum added"))
    assert addendum.text == "Correction: it was Tuesday, not Monday."
    further = next(e for e in record.entries if e.title == chronology.UNKNOWN_STEP)
    assert further.text == "Strategy discussion with the police."
    assert further.heading.endswith("recorded by Martin Shaw, designated safeguarding lead")
    meetings = [e for e in record.entries if e.title == "Reintegration meeting"]
    assert [e.facts for e in meetings] == [("The meeting was planned",)]


def _staff_by_id(session: Session, staff_id: int) -> StaffActor:
    from sendbot.services.actors import staff_actor_by_id

    actor = staff_actor_by_id(session, staff_id)
    assert actor is not None
    return actor


def test_a_concerns_whole_account_and_its_photos_are_in_the_chronology(sessions, school) -> None:
    """When and where, the child's own words, the category, what the reporter did and who
    was told: the chronology carries the account as the reporter gave it."""
    from sendbot.domain.safeguarding import Category
    from sendbot.services import concern_record
    from tests.factories import NOW
    from tests.privacy_records import photo_bytes

    with sessions() as session, session.begin():
        teacher = _staff_by_id(session, school.staff["teacher"])
        concern = concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(
                school.pupils["amir"],
                Area.SEMH,
                "A bruise on his arm.",
                True,
                occurred_at=datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
                location="the playground",
                child_words="my brother did it",
                action_taken="told him he did the right thing",
                told="the class TA",
                category=Category.PHYSICAL,
            ),
            NOW,
        ).concern_id
        concern_record.attach(session, teacher, concern, photo_bytes("a body map"), "console", NOW)
    with sessions() as session, session.begin():
        dsl = _staff_by_id(session, school.staff["dsl"])
        record = chronology.for_pupil(session, dsl, school.pupils["amir"], NOW)
    [logged] = [e for e in record.entries if e.title == "Concern logged"]
    assert logged.facts == (
        "Area: Social, emotional and mental health",
        "Flagged as a safeguarding concern",
        "Category: Physical abuse",
        "Happened: Monday 23 November 2026, 12:30",
        "Where: the playground",
        "The child's own words: \u201cmy brother did it\u201d",
        "What the reporter did: told him he did the right thing",
        "Who else was told: the class TA",
        "Photos kept with the concern: 1",
    )
