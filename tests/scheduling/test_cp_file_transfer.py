"""A leaving pupil's child protection file, fast-forwarded: a pupil with a file who leaves
prompts the DSL and deputies on the day, and the 5 school days skip the half term; a pupil
who leaves on the last day of the summer term is due in the first 5 days of the autumn
term; receipt confirmed closes it; a pupil without a file gets no prompt at all."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.domain.calendar import Term
from sendbot.domain.needs import Area
from sendbot.domain.people import Role
from sendbot.scheduling.fastforward import FastForward
from sendbot.services import concerns, cp_files, digests, policy, safeguarding, staff_buttons, terms
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.digest_items import role_view
from sendbot.store.models import AuditEvent, Deadline, Pupil
from tests.factories import SmallSchool, build_small_school
from tests.scheduling.helpers import set_settings, utc

Sessions = sessionmaker[Session]
RULE = "safeguarding.cp_file_transfer"
TERMS = [
    Term("2027-spring", date(2027, 1, 5), date(2027, 3, 24), date(2027, 2, 15), date(2027, 2, 19)),
    Term("2027-summer", date(2027, 4, 12), date(2027, 7, 21), date(2027, 5, 31), date(2027, 6, 4)),
    Term(
        "2027-autumn", date(2027, 9, 2), date(2027, 12, 17), date(2027, 10, 25), date(2027, 10, 29)
    ),
]


def _school(sessions: Sessions) -> SmallSchool:
    school = build_small_school(sessions)
    set_settings(sessions, school.school_id)
    set_settings(sessions, school.other_school_id)
    with sessions() as session, session.begin():
        terms.save_terms(session, school.school_id, TERMS)
    return school


def _safeguarding_concern(
    sessions: Sessions, school: SmallSchool, pupil: str, at: datetime
) -> None:
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = at
        teacher = staff_actor_by_id(session, school.staff["teacher4"])
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert teacher is not None and dsl is not None
        new = concerns.NewConcern(school.pupils[pupil], Area.SEMH, "What was seen.", True)
        logged = concerns.log_concern(session, teacher, new, at)
        safeguarding.acknowledge(session, dsl, logged.concern_id, at)


def _leaves(sessions: Sessions, school: SmallSchool, pupil: str, on: date, at: datetime) -> None:
    with sessions() as session, session.begin():
        session.info["sendbot.now"] = at
        row = session.get(Pupil, school.pupils[pupil])
        assert row is not None
        cp_files.mark_leaving(session, row, on, "Harbourside Academy", at)


def _due(sessions: Sessions, school: SmallSchool, pupil: str) -> tuple[date, str] | None:
    with sessions() as session:
        row = session.scalar(
            select(Deadline).where(
                Deadline.subject_type == "pupil",
                Deadline.subject_id == school.pupils[pupil],
                Deadline.kind == RULE,
            )
        )
        return (row.due_on, row.status) if row else None


def _prompts(ff: FastForward, school: SmallSchool) -> list[tuple[datetime, str, str]]:
    names = {f"staff:{v}": k for k, v in school.staff.items()}
    return sorted(
        (x.at, names[x.recipient.address], x.message.text.splitlines()[0])
        for x in ff.delivered
        if "Child protection file" in x.message.text.splitlines()[0]
    )


def test_a_leaving_pupil_with_a_file_prompts_the_leads_and_the_half_term_is_not_counted(
    sessions: Sessions,
) -> None:
    school = _school(sessions)
    start = utc(2027, 2, 1, 9, 0)
    _safeguarding_concern(sessions, school, "kacper", start - timedelta(days=20))
    _leaves(sessions, school, "kacper", date(2027, 2, 12), start)  # the Friday before half term
    _leaves(sessions, school, "zoe", date(2027, 2, 12), start)  # no file: nothing is due
    # Monday 22 to Friday 26 February are the 5 school days after the week of half term.
    assert _due(sessions, school, "kacper") == (date(2027, 2, 26), "open")
    assert _due(sessions, school, "zoe") is None

    ff = FastForward(sessions, FrozenClock(start))
    asyncio.run(ff.run_until(utc(2027, 2, 23, 12, 0)))
    leaving = utc(2027, 2, 12, 7, 30)  # the reminder time (the digest time), on the day
    assert _prompts(ff, school) == [
        (leaving, "deputy", "Child protection file: send it to the new school"),
        (leaving, "dsl", "Child protection file: send it to the new school"),
    ]
    prompt = next(x for x in ff.delivered if x.message.text.startswith("Child protection file"))
    text = prompt.message.text
    assert (
        "Kacper Wiśniewski (Year 4) leaves on Friday 12 February 2027 for Harbourside Academy"
        in text
    )
    assert "by Friday 26 February 2027" in text and "separately" in text
    assert "What was seen." not in text
    sent, received = prompt.message.buttons
    assert (sent.label, received.label) == ("File sent today", "Receipt confirmed today")

    # A teacher's tap is refused and changes nothing; the DSL's records the file as sent.
    now = utc(2027, 2, 23, 12, 0)
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher4"])
        assert teacher is not None
        refused = staff_buttons.tap(session, teacher, sent.action_id, now)
        assert refused is not None and not refused.done
        assert "Only the designated safeguarding lead and deputies" in refused.text
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        tapped = staff_buttons.tap(session, dsl, sent.action_id, now)
        assert tapped is not None and tapped.done
    with sessions() as session:
        row = session.get(Pupil, school.pupils["kacper"])
        assert row is not None and row.cp_file_sent_on == date(2027, 2, 23)
        # The DSL digest lists it, by year group only; the SENCO never sees the deadline.
        digest = digests.dsl_digest(session, school.school_id, date(2027, 2, 24), now).text()
        senco = role_view(school.school_id, frozenset({Role.SENCO}))
        seen = session.scalars(policy.deadlines_for(senco).where(Deadline.kind == RULE)).all()
    assert (
        "Child protection files to transfer (1)\n- Year 4 pupil, leaves Fri 12 Feb 2027, "
        "due Fri 26 Feb (in 2 days), sent Tue 23 Feb"
    ) in digest
    assert "Kacper" not in digest
    assert seen == []

    # Receipt not confirmed by the due day: asked again that morning, with one button left.
    asyncio.run(ff.run_until(utc(2027, 2, 26, 12, 0)))
    again = [p for p in _prompts(ff, school) if p[0].date() == date(2027, 2, 26)]
    assert [who for _, who, _ in again] == ["deputy", "dsl"]
    assert again[0][2] == "Child protection file due today: has the new school confirmed receipt?"
    last = [
        x for x in ff.delivered if x.at.date() == date(2027, 2, 26) and "receipt" in x.message.text
    ]
    assert [b.label for b in last[0].message.buttons] == ["Receipt confirmed today"]
    with sessions() as session, session.begin():
        deputy = staff_actor_by_id(session, school.staff["deputy"])
        assert deputy is not None
        done = staff_buttons.tap(session, deputy, last[0].message.buttons[0].action_id, now)
        assert done is not None and done.done
    assert _due(sessions, school, "kacper") == (date(2027, 2, 26), "met")
    with sessions() as session:
        steps = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.pupil_id == school.pupils["kacper"], AuditEvent.action.like("cp_file.%")
            )
        ).all()
        assert steps == ["cp_file.sent", "cp_file.received"]
        waiting = digests.dsl_digest(session, school.school_id, date(2027, 3, 1), now).text()
    assert "Child protection files to transfer" not in waiting


def test_leaving_on_the_last_day_of_the_summer_term_is_due_in_the_first_5_days_of_autumn(
    sessions: Sessions,
) -> None:
    school = _school(sessions)
    start = utc(2027, 7, 19, 9, 0)
    with sessions() as session, session.begin():
        dsl = staff_actor_by_id(session, school.staff["dsl"])
        assert dsl is not None
        cp_files.flag_file(session, dsl, school.pupils["ruby"], start)  # a file from elsewhere
    _leaves(sessions, school, "ruby", date(2027, 7, 21), start)
    # Thursday 2, Friday 3, Monday 6, Tuesday 7 and Wednesday 8 September.
    assert _due(sessions, school, "ruby") == (date(2027, 9, 8), "open")
    with sessions() as session, session.begin():
        row = session.get(Pupil, school.pupils["ruby"])
        assert row is not None
        row.active = False  # off roll in the next import: the file still follows her
    assert _due(sessions, school, "ruby") == (date(2027, 9, 8), "open")

    ff = FastForward(sessions, FrozenClock(start))
    asyncio.run(ff.run_until(utc(2027, 7, 23, 12, 0)))
    assert [(at, who) for at, who, _ in _prompts(ff, school)] == [
        (utc(2027, 7, 21, 6, 30), "deputy"),  # 07:30 in London, summer time
        (utc(2027, 7, 21, 6, 30), "dsl"),
    ]
    text = _prompts(ff, school)[0][2]
    assert text == "Child protection file: send it to the new school"


def test_a_leaving_pupil_without_a_file_gets_no_prompt(sessions: Sessions) -> None:
    school = _school(sessions)
    start = utc(2027, 3, 1, 9, 0)
    _leaves(sessions, school, "amir", date(2027, 3, 5), start)
    ff = FastForward(sessions, FrozenClock(start))
    asyncio.run(ff.run_until(utc(2027, 3, 16, 12, 0)))
    assert _prompts(ff, school) == []
    assert _due(sessions, school, "amir") is None
    with sessions() as session:
        assert cp_files.waiting(session, school.school_id) == []
