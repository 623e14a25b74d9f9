"""Provision for the demo school: term dates, interventions, plans, SMART targets and a few
weeks of past sessions, so 'record a session', 'check targets', 'what's due' and the
provision map have something real to show.

Everything goes through the same services staff use (as the demo SENCO and TA), so the audit
log and the graduated-approach history read as they would in a school.

Fixed for a walkthrough (names from sendbot/demo/school.py):
- Reading catch-up, delivered by the demo TA, 3 a week, 30 minutes, a group of six from the
  demo class: Amelia, Kacper, Isaac and Ella Walsh, and the first two other pupils of the
  class by surname. Amelia and Kacper have targets linked to it (three ratings a session).
- Talk boost, delivered by the demo TA, 2 a week, 20 minutes: Kacper and Zainab.
- Calm club, delivered by the SENCO, 1 a week, 30 minutes: Isaac and Zainab.
Kacper's plan review is 3 days overdue, Zainab's is in 10 days and Isaac's target is due in
7, so 'what's due' has something to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.demo.school import (
    DEMO_CLASS_CODE,
    DEMO_PUPIL_AMELIA,
    DEMO_PUPIL_KACPER,
    DEMO_PUPIL_ZAINAB,
    DEMO_SENCO_EMAIL,
    DEMO_SHARED_SURNAME_PUPILS,
    DEMO_TA_EMAIL,
)
from sendbot.domain.calendar import Term, add_months
from sendbot.services import ehc_cases, plans, provision, terms
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.store.models import EhcCase, Pupil, School, TeachingGroup, TermDate

READING = "Reading catch-up"
TALK = "Talk boost"
CALM = "Calm club"
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class TargetSpec:
    pupil: str
    staff: str
    parent: str
    area: str
    interventions: tuple[str, ...]


TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        DEMO_PUPIL_AMELIA,
        "Blend and read CVC words accurately (8 out of 10)",
        "Amelia will read short words by saying each sound and blending them.",
        "cognition_learning",
        (READING,),
    ),
    TargetSpec(
        DEMO_PUPIL_AMELIA,
        "Spell 10 Year 3/4 common exception words",
        "Amelia will spell 10 tricky words that do not follow the usual rules.",
        "cognition_learning",
        (READING,),
    ),
    TargetSpec(
        DEMO_PUPIL_KACPER,
        "Follow a 2-part instruction with a visual prompt",
        "Kacper will follow two steps, like 'get your book and sit down', with a picture to help.",
        "communication_interaction",
        (TALK,),
    ),
    TargetSpec(
        DEMO_PUPIL_KACPER,
        "Read 20 Year 4 high-frequency words on sight",
        "Kacper will read 20 common words straight away.",
        "cognition_learning",
        (READING,),
    ),
    TargetSpec(
        DEMO_PUPIL_ZAINAB,
        "Ask for a break using her break card before becoming overwhelmed",
        "Zainab will show her break card when she needs a rest.",
        "semh",
        (CALM,),
    ),
    TargetSpec(
        DEMO_PUPIL_ZAINAB,
        "Take turns in a structured game with two peers",
        "Zainab will take turns in a game with two friends.",
        "communication_interaction",
        (TALK,),
    ),
    TargetSpec(
        DEMO_SHARED_SURNAME_PUPILS[0],
        "Name his feelings using the zones of regulation chart",
        "Isaac will use a colour chart to say how he is feeling.",
        "semh",
        (CALM,),
    ),
)
# So 'what's due' has something to show: one review overdue, one soon (others: end of term).
REVIEWS = {
    DEMO_PUPIL_KACPER: lambda today: today - timedelta(days=3),
    DEMO_PUPIL_ZAINAB: lambda today: today + timedelta(days=10),
}
RATING_STEPS = ("not_yet", "emerging", "emerging", "developing", "developing", "secure")


def demo_terms(today: date) -> list[Term]:
    """Terms of the school year containing `today`, shaped like a typical English year, and
    the next autumn term, as a school enters it before the summer: a year fast-forwarded
    from the demo's day has no digest in the summer holiday, and reviews after it fall on
    next year's term."""
    y = today.year if today.month >= 8 else today.year - 1
    return [
        Term(f"{y}-autumn", date(y, 9, 3), date(y, 12, 18), date(y, 10, 26), date(y, 10, 30)),
        Term(
            f"{y + 1}-spring",
            date(y + 1, 1, 5),
            date(y + 1, 3, 26),
            date(y + 1, 2, 15),
            date(y + 1, 2, 19),
        ),
        Term(
            f"{y + 1}-summer",
            date(y + 1, 4, 13),
            date(y + 1, 7, 21),
            date(y + 1, 5, 24),
            date(y + 1, 5, 28),
        ),
        Term(
            f"{y + 1}-autumn",
            date(y + 1, 9, 3),
            date(y + 1, 12, 18),
            date(y + 1, 10, 25),
            date(y + 1, 10, 29),
        ),
    ]


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def _actor(session: Session, email: str) -> StaffActor:
    actor = staff_actor_by_email(session, email)
    if actor is None:
        raise RuntimeError(f"the demo school has no staff member {email}")
    return actor


def _pupil(session: Session, school_id: int, full_name: str) -> Pupil:
    first, last = full_name.split(" ", 1)
    pupil = session.scalar(
        select(Pupil).where(
            Pupil.school_id == school_id, Pupil.first_name == first, Pupil.last_name == last
        )
    )
    if pupil is None:
        raise RuntimeError(f"the demo school has no pupil {full_name}")
    return pupil


def reading_group(session: Session, school_id: int) -> list[Pupil]:
    """The six in Reading catch-up: four named pupils and the first two others by surname."""
    named = [DEMO_PUPIL_AMELIA, DEMO_PUPIL_KACPER, *DEMO_SHARED_SURNAME_PUPILS]
    group = [_pupil(session, school_id, name) for name in named]
    others = session.scalars(
        select(Pupil)
        .join(TeachingGroup, TeachingGroup.id == Pupil.group_id)
        .where(
            Pupil.school_id == school_id,
            TeachingGroup.code == DEMO_CLASS_CODE,
            Pupil.id.not_in([p.id for p in group]),
            Pupil.active,
        )
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
        .limit(2)
    )
    return group + list(others)


def _school_days_back(today: date, start: date, weekdays: tuple[int, ...]) -> list[date]:
    """Past days (not today) from `start` on the given weekdays, outside half term."""
    days = []
    day = start
    while day < today:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed_demo_provision(session: Session, school_id: int, today: date) -> None:
    """Add term dates, interventions, plans, targets and past sessions to the demo school."""
    school = session.get(School, school_id)
    assert school is not None
    if session.scalar(select(TermDate.id).where(TermDate.school_id == school_id)) is None:
        terms.save_terms(session, school_id, demo_terms(today))
    senco = _actor(session, DEMO_SENCO_EMAIL)
    ta = _actor(session, DEMO_TA_EMAIL)
    started = today - timedelta(days=today.weekday()) - timedelta(weeks=3)  # a Monday
    set_up = _at(started - timedelta(days=3))
    zainab = _pupil(session, school_id, DEMO_PUPIL_ZAINAB)
    kacper = _pupil(session, school_id, DEMO_PUPIL_KACPER)
    isaac = _pupil(session, school_id, DEMO_SHARED_SURNAME_PUPILS[0])
    specs = {
        READING: (ta.staff_id, "cognition_learning", 3, 30, 8, [p.id for p in reading_group(session, school_id)]),
        TALK: (ta.staff_id, "communication_interaction", 2, 20, 6, [kacper.id, zainab.id]),
        CALM: (senco.staff_id, "semh", 1, 30, 10, [isaac.id, zainab.id]),
    }  # fmt: skip
    ids: dict[str, int] = {}
    for name, (by, area, per_week, minutes, weeks, pupil_ids) in specs.items():
        ids[name] = provision.create_intervention(
            session,
            senco,
            provision.NewIntervention(
                name=name,
                area=area,
                delivered_by_id=by,
                pupil_ids=pupil_ids,
                sessions_per_week=per_week,
                minutes=minutes,
                starts_on=started,
                planned_weeks=weeks,
                review_after_weeks=weeks,
            ),
            set_up,
        )
    for spec in TARGETS:
        pupil = _pupil(session, school_id, spec.pupil)
        if plans.active_plan(session, senco, pupil.id) is None and pupil.sen_status != "none":
            review = REVIEWS.get(spec.pupil, lambda day: None)(today) or (
                terms.default_review_date(session, school_id, pupil.sen_status, today)
            )
            plans.save_plan(
                session, senco, pupil.id, pupil.sen_status, review, set_up, started - timedelta(days=3)
            )  # fmt: skip
        plans.add_target(
            session,
            senco,
            plans.NewTarget(
                pupil_id=pupil.id,
                staff_wording=spec.staff,
                parent_wording=spec.parent,
                area=spec.area,
                due_on=today + timedelta(days=7) if spec is TARGETS[-1] else None,
                intervention_ids=[ids[name] for name in spec.interventions],
            ),
            set_up,
            started,
        )
    _past_sessions(session, senco, ta, ids, started, today)
    # Zainab's EHC plan was issued a year before her review, so the statutory annual-review
    # deadlines (held within 12 months, invitations 2 weeks before...) show in digests.
    session.add(
        EhcCase(
            pupil_id=zainab.id,
            local_authority="Brookfield Borough Council (made up)",
            final_issued_on=add_months(REVIEWS[DEMO_PUPIL_ZAINAB](today), -12),
        )
    )
    session.flush()
    _ehc_case_dates(session, senco, school_id, today, _at(today, 7))


def _ehc_case_dates(
    session: Session, senco: StaffActor, school_id: int, today: date, at: datetime
) -> None:
    """Every other pupil with an EHC plan gets the dates the SENCO would record (through
    the same flow's service), so each has an annual review deadline: the plans were issued
    or last reviewed 45, 135, 225... days ago; every second one is in its second year."""
    others = session.scalars(
        select(Pupil)
        .where(Pupil.school_id == school_id, Pupil.active, Pupil.sen_status == "ehc_plan")
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    )
    pending = [p for p in others if not ehc_cases.has_dates(ehc_cases.open_case(session, p.id))]
    for number, pupil in enumerate(pending):
        last = today - timedelta(days=45 + 90 * (number % 4))
        if number % 2:
            issued = add_months(last, -12)
            ehc_cases.record_step(session, senco, pupil.id, "final", issued, at, today)
            ehc_cases.record_step(session, senco, pupil.id, "annual_review", last, at, today)
        else:
            ehc_cases.record_step(session, senco, pupil.id, "final", last, at, today)


def _past_sessions(
    session: Session,
    senco: StaffActor,
    ta: StaffActor,
    ids: dict[str, int],
    started: date,
    today: date,
) -> None:
    calendar = terms.calendar_for(session, senco.school_id)
    timetable = {READING: ((0, 2, 4), ta), TALK: ((1, 3), ta), CALM: ((3,), senco)}
    for name, (weekdays, actor) in timetable.items():
        days = [
            d
            for d in _school_days_back(today, started, weekdays)
            if not calendar.terms or calendar.is_school_day(d)
        ]
        for number, day in enumerate(days):
            group = provision.enrolled(session, actor, ids[name], day)
            # Every fourth session one pupil is away, so attendance is not a flat 100%.
            absent = {group[number % len(group)].id: "ill"} if group and number % 4 == 3 else {}
            present = [p.id for p in group if p.id not in absent]
            targets = provision.linked_targets(session, actor, ids[name], present)
            step = RATING_STEPS[min(number * len(RATING_STEPS) // max(len(days), 1), 5)]
            provision.record_session(
                session,
                actor,
                provision.NewSession(
                    intervention_id=ids[name],
                    held_on=day,
                    minutes=provision.get(session, actor, ids[name]).minutes,
                    absences=absent,
                    ratings={t.id: step for t in targets},
                ),
                _at(day, 15),
                day,
            )
