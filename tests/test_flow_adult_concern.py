"""Concerns and allegations about adults working in the school (KCSIE Part four), as staff
would report them in a chat: the headteacher is told, the adult named never is; about the
headteacher, the chair of governors; with nobody to tell, the LADO; a low-level concern is
its own record; the case manager is prompted to consult the LADO within one working day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.adult_concern import THRESHOLD_QUESTION
from sendbot.delivery import keys
from sendbot.domain.people import Role
from sendbot.services import adult_concerns, policy, school_settings_changes
from sendbot.services import deadlines as deadline_service
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.policy import Action
from sendbot.store.models import (
    AdultConcern,
    AuditEvent,
    Concern,
    Deadline,
    Outbox,
    School,
    Staff,
    StaffRole,
)
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool
from tests.staff_dialogs import count, dialog_for

INTRO = (
    "Let's report a concern about an adult working in the school: staff, supply staff, a "
    "volunteer or a contractor. It goes to the headteacher (the chair of governors if it is "
    "about the headteacher), never to the adult. Type 'back' to change an answer or 'cancel' "
    "to stop."
)
WHO_Q = "Who is it about?"
STAFF_Q = "Which member of staff? Type part of their first name or surname."
NARRATIVE_Q = (
    "What happened? Say what you saw or heard, or what a child told you in their own words "
    "(up to 2,000 characters)."
)
WHEN_Q = "When did it happen? Type 'today', 'yesterday' or a date like 23/11."
WHAT_HAPPENED = "In the corridor she grabbed Zoe by the arm and shook her; Zoe cried."
LADO_DEADLINE = select(Deadline).where(Deadline.subject_type == "adult_concern")
CLOCK = FrozenClock(NOW)  # Tue 24 Nov 2026, 10:15


def _dialog(sessions: sessionmaker[Session], school: SmallSchool, who: str) -> Dialog:
    return dialog_for(sessions, CLOCK, school, who)


def _add_chair(sessions: sessionmaker[Session], school: SmallSchool) -> int:
    with sessions() as session, session.begin():
        chair = Staff(
            school_id=school.school_id,
            external_id="S-chair",
            first_name="Ruth",
            last_name="Adeyemi",
            email="chair@oakfield.example",
            roles=[StaffRole(role=Role.CHAIR_OF_GOVERNORS.value)],
        )
        session.add(chair)
        session.flush()
        school.staff["chair"] = chair.id
        return chair.id


def _recipients(sessions: sessionmaker[Session]) -> list[tuple[int | None, str]]:
    with sessions() as session:
        return [
            (row.recipient_staff_id, row.template)
            for row in session.scalars(select(Outbox).order_by(Outbox.id))
        ]


def _report_about_hannah(d: Dialog, threshold: str = "1") -> str:
    for line in ("allegation", "1", "hannah", WHAT_HAPPENED, "today"):
        d.says(line)
    d.says(threshold)
    return d.says("1").text


def test_a_ta_reports_an_allegation_about_a_teacher_the_head_is_told_and_the_teacher_is_not(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    d = _dialog(sessions, school, "ta")
    first = d.says("allegation")
    assert first.text == f"{INTRO}\n\n{WHO_Q}"
    assert [o.label for o in first.options] == [
        "A member of staff: I'll find them by name",
        "Someone not on the staff list: supply staff, a volunteer, a contractor",
    ]
    d.verify([("1", STAFF_Q), ("hannah", NARRATIVE_Q), (WHAT_HAPPENED, WHEN_Q)])
    threshold = d.says("today")
    assert threshold.text == THRESHOLD_QUESTION
    assert [o.label for o in threshold.options] == [
        "It may meet the harm threshold (an allegation)",
        "A low-level concern",
        "I am not sure",
    ]
    assert "not sure" in d.says("help").text  # the difference, and what to do when in doubt
    d.verify(
        [
            (
                "1",
                "Please check:\n"
                "- Adult: Hannah Price\n"
                f"- What happened: {WHAT_HAPPENED}\n"
                "- When: Tue 24 Nov 2026\n"
                "- Threshold: It may meet the harm threshold (an allegation)\n"
                "It will go to the headteacher only, never to the adult named.\n\n"
                "Send it?",
            ),
            (
                "1",
                "Saved as allegation #1. Joanne Fletcher (the headteacher) has been told, and "
                "nobody else. They will consult the LADO (local authority designated officer) "
                "by Wed 25 Nov. Do not tell the adult, and do not investigate it yourself. "
                "Thank you.",
            ),
        ]
    )
    # The headteacher alone is told; not the teacher, not the DSL: it is not a pupil concern.
    assert _recipients(sessions) == [(school.staff["head"], keys.STAFF_NOTICE)]
    assert count(sessions, Concern) == 0
    with sessions() as session:
        notice = session.scalars(select(Outbox)).one().params["text"]
        assert "Hannah" not in notice and "shook" not in notice  # no name, no narrative
        assert "consult the LADO (local authority designated officer) by Wed 25 Nov" in notice
        row = session.scalars(select(AdultConcern)).one()
        assert (row.kind, row.subject_staff_id, row.case_manager_role) == (
            "allegation",
            school.staff["teacher"],
            "headteacher",
        )
        deadline = session.scalars(LADO_DEADLINE).one()
        assert (deadline.kind, deadline.subject_type, deadline.pupil_id) == (
            "adults.lado_consultation",
            "adult_concern",
            None,
        )
        assert (deadline.due_on, deadline.owner_staff_id) == (
            date(2026, 11, 25),
            school.staff["head"],
        )
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "adult_concern.create")
        ).one()
        assert audited.details["told"] == [school.staff["head"]]
        # The teacher named reads nothing of it and sees no deadline about it.
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        assert not policy.decide(session, teacher, Action.READ_ADULT_CONCERN, row.id)
        assert not policy.decide(session, teacher, Action.READ_DEADLINE, deadline.id)
        for who in ("senco", "dsl", "deputy", "ta", "admin"):
            actor = staff_actor_by_id(session, school.staff[who])
            assert actor is not None
            assert not policy.decide(session, actor, Action.READ_DEADLINE, deadline.id), who
            assert not policy.decide(session, actor, Action.MARK_DEADLINE_DONE, deadline.id), who
    # The headteacher reads it in full; the DSL has nothing to read (an allegation).
    head = _dialog(sessions, school, "head")
    listed = head.says("adult concerns")
    assert [o.label for o in listed.options] == [
        "#1 Allegation about Hannah Price, reported Tue 24 Nov by Bilal Ahmed; consult the "
        "LADO by Wed 25 Nov"
    ]
    assert head.says("1").text == (
        "Allegation #1\n"
        "About: Hannah Price (member of staff)\n"
        "Reported by: Bilal Ahmed, Tue 24 Nov 2026 10:15\n"
        "When it happened: Tue 24 Nov 2026\n"
        f"What happened: {WHAT_HAPPENED}\n"
        "Consult the LADO by Wed 25 Nov 2026; then record it: type 'lado'.\n"
        "Do not tell the adult named until you have agreed it with the LADO."
    )
    assert _dialog(sessions, school, "dsl").says("adult concerns").text == (
        "There are no concerns about adults for you to read."
    )
    assert "Concerns about adults" not in _dialog(sessions, school, "teacher").says("help").text
    with sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("adult_concern.read") == 1 and "adult_concern.list" in actions


def test_an_allegation_about_the_dsl_goes_to_the_head_and_never_to_the_dsl(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    d = _dialog(sessions, school, "teacher")
    for line in ("adult", "1", "shaw", "He texted a pupil from his own phone.", "yesterday"):
        d.says(line)
    d.says("3")  # not sure: treated as an allegation
    assert d.says("1").text.startswith("Saved as allegation #1. Joanne Fletcher")
    assert _recipients(sessions) == [(school.staff["head"], keys.STAFF_NOTICE)]
    with sessions() as session:
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        assert adult_concerns.listing(session, dsl, NOW) == []


def test_a_report_about_the_headteacher_goes_to_the_chair_of_governors_only(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    chair = _add_chair(sessions, school)
    d = _dialog(sessions, school, "deputy")
    for line in ("allegation", "1", "fletcher", "She locked a pupil in the office.", "today"):
        d.says(line)
    assert d.says("1").text.endswith(
        "It will go to the chair of governors only, never to the adult named.\n\nSend it?"
    )
    assert d.says("1").text.startswith(
        "Saved as allegation #1. Ruth Adeyemi (the chair of governors) has been told"
    )
    assert _recipients(sessions) == [(chair, keys.STAFF_NOTICE)]
    head = _dialog(sessions, school, "head")
    assert head.says("adult concerns").text == "There are no concerns about adults for you to read."
    chair_chat = _dialog(sessions, school, "chair")
    assert (
        chair_chat.says("adult concerns")
        .options[0]
        .label.startswith("#1 Allegation about Joanne Fletcher")
    )
    with sessions() as session:
        assert session.scalars(LADO_DEADLINE).one().owner_staff_id == chair


def test_about_the_head_with_no_chair_the_reporter_is_sent_to_the_lado(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    d = _dialog(sessions, school, "ta")
    for line in ("allegation", "1", "fletcher", "She hit a pupil.", "today", "1"):
        d.says(line)
    assert d.says("1").text == (
        "Saved as allegation #1, but there is nobody in school I can tell: it is about the "
        "headteacher, and no chair of governors is set up on sendbot. Please contact the LADO "
        "(local authority designated officer) yourself today: your school's safeguarding "
        "policy and the local authority's website give their phone number. Do not tell the "
        "adult."
    )
    assert _recipients(sessions) == []
    with sessions() as session, session.begin():
        school_row = session.get(School, school.school_id)
        assert school_row is not None
        school_settings_changes.change(
            session, None, school_row, {"lado_contact": "01632 960 000, lado@county.example"}, NOW
        )
    d = _dialog(sessions, school, "ta")
    for line in ("allegation", "1", "fletcher", "She hit a pupil again.", "today", "1"):
        d.says(line)
    assert "yourself today: 01632 960 000, lado@county.example. Do not" in d.says("1").text


def test_a_low_level_concern_about_a_contractor_is_kept_and_listed_for_the_head_and_dsl(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    d = _dialog(sessions, school, "admin")  # the school admin reports too
    d.verify(
        [
            ("low-level concern", f"{INTRO}\n\n{WHO_Q}"),
            ("2", "What is their name? Add their company or agency if you know it."),
            ("Dan Mercer, Brightspark Electrical", "What do they do in the school?"),
            ("contractor", NARRATIVE_Q),
            ("He asked pupils for their phone numbers at break.", WHEN_Q),
            ("23/11", THRESHOLD_QUESTION),
            (
                "2",
                "Please check:\n"
                "- Adult: Dan Mercer, Brightspark Electrical\n"
                "- What they do: Contractor\n"
                "- What happened: He asked pupils for their phone numbers at break.\n"
                "- When: Mon 23 Nov 2026\n"
                "- Threshold: A low-level concern\n"
                "It will go to the headteacher only, never to the adult named.\n\n"
                "Send it?",
            ),
            (
                "1",
                "Saved as low-level concern #1. Joanne Fletcher (the headteacher) has been "
                "told, and nobody else. Do not tell the adult, and do not investigate it "
                "yourself. Thank you.",
            ),
        ]
    )
    with sessions() as session:  # no LADO clock for a low-level concern
        assert session.scalars(LADO_DEADLINE).all() == []
    with sessions() as session:
        notice = session.scalars(select(Outbox)).one()
        assert notice.recipient_staff_id == school.staff["head"]
        assert "Low-level concern about an adult" in notice.params["text"]
    listed = "#1 Low-level concern about Dan Mercer, Brightspark Electrical, reported Tue 24 Nov by Carol Dean"
    for who in ("head", "dsl"):
        reader = _dialog(sessions, school, who)
        assert [o.label for o in reader.says("adult concerns").options] == [listed], who
        assert "About: Dan Mercer, Brightspark Electrical (contractor)" in reader.says("1").text
    for who in ("deputy", "senco", "teacher"):
        with sessions() as session:
            actor = staff_actor_by_id(session, school.staff[who])
            assert actor is not None
            assert adult_concerns.listing(session, actor, NOW) == [], who


def _prompts(sessions: sessionmaker[Session], at: datetime) -> list[tuple[int | None, str]]:
    with sessions() as session, session.begin():
        adult_concerns.check_lado_prompts(session, at)
    with sessions() as session:
        return [
            (row.recipient_staff_id, row.params["text"])
            for row in session.scalars(
                select(Outbox).where(Outbox.dedupe_key.like("lado_prompt:%")).order_by(Outbox.id)
            )
        ]


def test_an_allegation_on_a_friday_prompts_the_head_on_monday_until_the_lado_is_recorded(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    d = dialog_for(sessions, FrozenClock(friday), school, "ta")
    assert "by Mon 30 Nov" in _report_about_hannah(d)
    head = school.staff["head"]
    assert _prompts(sessions, datetime(2026, 11, 29, 9, 0, tzinfo=UTC)) == []  # Sunday
    monday = _prompts(sessions, datetime(2026, 11, 30, 7, 35, tzinfo=UTC))
    assert monday == [
        (
            head,
            "Due today: consult the LADO about allegation #1 (reported Fri 27 Nov), due Mon 30 "
            "Nov. When you have, record it: type 'lado'.",
        )
    ]
    assert _prompts(sessions, datetime(2026, 11, 30, 12, 0, tzinfo=UTC)) == monday  # once a day
    tuesday = _prompts(sessions, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert tuesday[-1][1].startswith("Overdue: consult the LADO about allegation #1")
    # The headteacher records the consultation; the prompts stop.
    h = dialog_for(sessions, FrozenClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)), school, "head")
    h.verify(
        [
            (
                "lado",
                "Let's record your consultation with the LADO. Type 'back' or 'cancel' at any "
                "time.\n\nWhich one? Type its number in this list.",
            ),
            ("1", "When did you consult the LADO? Type 'today', 'yesterday' or a date."),
        ]
    )
    h.says("yesterday")
    h.says("Agreed with the LADO: the school looks into it; no police involvement.")
    assert h.says("1").text == (
        "Recorded: the LADO was consulted on Mon 30 Nov about #1. The reminders have stopped."
    )
    with sessions() as session:
        deadline = session.scalars(LADO_DEADLINE).one()
        assert (deadline.status, deadline.done_at is not None) == ("met", True)
        row = session.scalars(select(AdultConcern)).one()
        assert (row.lado_consulted_on, row.status) == (date(2026, 11, 30), "lado_consulted")
        assert (
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "adult_concern.lado_consulted")
            )
            .one()
            .actor_id
            == head
        )
    assert _prompts(sessions, datetime(2026, 12, 2, 8, 0, tzinfo=UTC)) == tuesday
    # Nothing is waiting any more.
    assert h.says("lado").text.endswith(
        "There is no concern about an adult waiting for you to record a LADO consultation. "
        "Type 'cancel' to stop."
    )


def test_an_allegation_on_christmas_eve_is_due_after_the_bank_holidays(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    eve = datetime(2026, 12, 24, 11, 0, tzinfo=UTC)
    d = dialog_for(sessions, FrozenClock(eve), school, "ta")
    assert "by Tue 29 Dec" in _report_about_hannah(d)
    assert _prompts(sessions, datetime(2026, 12, 28, 9, 0, tzinfo=UTC)) == []  # Boxing Day's
    assert len(_prompts(sessions, datetime(2026, 12, 29, 9, 0, tzinfo=UTC))) == 1


def test_only_the_case_manager_may_record_the_lado_consultation(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    _report_about_hannah(_dialog(sessions, school, "ta"))
    with sessions() as session, session.begin():
        row = session.scalars(select(AdultConcern)).one()
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        try:
            adult_concerns.record_lado_consultation(session, dsl, row.id, NOW.date(), "x", NOW)
        except policy.PermissionDenied as refused:
            assert str(refused) == adult_concerns.NOT_FOUND
        else:
            raise AssertionError("the DSL recorded a LADO consultation")
    with sessions() as session:
        refusals = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "adult_concern.lado_refused")
        ).all()
        assert [e.actor_id for e in refusals] == [school.staff["dsl"]]
    assert "Record LADO consultation" not in _dialog(sessions, school, "dsl").says("help").text


def test_the_nightly_recompute_keeps_the_lado_deadline_with_the_case_manager(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    _report_about_hannah(_dialog(sessions, school, "ta"))
    with sessions() as session, session.begin():
        deadline_service.recompute_school(session, school.school_id, NOW)
    with sessions() as session:
        kept = session.scalars(LADO_DEADLINE).one()
        assert (kept.status, kept.due_on, kept.owner_staff_id) == (
            "open",
            date(2026, 11, 25),
            school.staff["head"],
        )
