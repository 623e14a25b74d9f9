"""The unattended tour: scripted messages through the real engine, printed as a transcript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.conversations.engine import Engine
from sendbot.demo import annual_review
from sendbot.demo.post import DemoPost
from sendbot.demo.provision import demo_terms
from sendbot.demo.school import (
    DEMO_DSL_EMAIL,
    DEMO_LUNCHTIME_EMAIL,
    DEMO_SAFEGUARDING_PUPIL,
    DEMO_SENCO_EMAIL,
    DEMO_SHARED_SURNAME,
    DEMO_TA_EMAIL,
    DEMO_TEACHER_EMAIL,
    DEMO_URN,
)
from sendbot.handlers.console.chat import chat_ref, render
from sendbot.services.actors import staff_actor_by_email
from sendbot.store.models import AuditEvent, Concern, Outbox, Pupil, Staff

TOO_LONG = "She told me about her weekend. " * 70  # over the 2,000-character limit


@dataclass(frozen=True)
class Step:
    as_email: str
    says: str
    note: str = ""


SCRIPT: tuple[Step, ...] = (
    Step(DEMO_TEACHER_EMAIL, "concern", "An ordinary concern, logged by the Year 4 teacher"),
    Step(DEMO_TEACHER_EMAIL, "Amelia"),
    Step(
        DEMO_TEACHER_EMAIL,
        "Amelia could not start her writing today and cried when asked to try again.",
    ),
    Step(DEMO_TEACHER_EMAIL, "skip", "The optional questions take 'skip'"),
    Step(DEMO_TEACHER_EMAIL, "now"),
    Step(DEMO_TEACHER_EMAIL, "Year 4 classroom"),
    Step(DEMO_TEACHER_EMAIL, "1"),
    Step(DEMO_TEACHER_EMAIL, "2"),
    Step(DEMO_TEACHER_EMAIL, "no"),
    Step(DEMO_TEACHER_EMAIL, "skip"),
    Step(DEMO_TEACHER_EMAIL, "skip"),
    Step(DEMO_TEACHER_EMAIL, "1"),
    Step(
        DEMO_LUNCHTIME_EMAIL,
        "concern",
        "The midday supervisor reports too: every adult, about any child on roll",
    ),
    Step(DEMO_LUNCHTIME_EMAIL, "Xavier", "Year 2: a class she has nothing to do with"),
    Step(
        DEMO_LUNCHTIME_EMAIL,
        "Xavier was crying by the bins at morning break and said nobody collects him after school.",
    ),
    Step(DEMO_LUNCHTIME_EMAIL, "nobody comes for me"),
    Step(DEMO_LUNCHTIME_EMAIL, "today 10:05"),
    Step(DEMO_LUNCHTIME_EMAIL, "by the kitchen bins"),
    Step(DEMO_LUNCHTIME_EMAIL, "2"),
    Step(DEMO_LUNCHTIME_EMAIL, "3"),
    Step(DEMO_LUNCHTIME_EMAIL, "yes"),
    Step(DEMO_LUNCHTIME_EMAIL, "no"),
    Step(DEMO_LUNCHTIME_EMAIL, "Neglect"),
    Step(DEMO_LUNCHTIME_EMAIL, "Sat with him until the bell"),
    Step(DEMO_LUNCHTIME_EMAIL, "skip"),
    Step(DEMO_LUNCHTIME_EMAIL, "1"),
    Step(
        DEMO_TA_EMAIL,
        "concern",
        "A safeguarding concern, logged by the teaching assistant, with mistakes on the way",
    ),
    Step(
        DEMO_TA_EMAIL,
        "Xenia",
        "A name nobody on roll has: a kind answer, and the same question again",
    ),
    Step(DEMO_TA_EMAIL, DEMO_SHARED_SURNAME, "Two pupils share this surname: choose one"),
    Step(DEMO_TA_EMAIL, "2"),
    Step(DEMO_TA_EMAIL, TOO_LONG, "Too much text: the limit is explained and nothing is lost"),
    Step(
        DEMO_TA_EMAIL,
        "He had a bruise on his wrist. He flinched when I reached for his book.",
    ),
    Step(DEMO_TA_EMAIL, "I'm not allowed to tell", "The child's own words, kept apart"),
    Step(DEMO_TA_EMAIL, "tomorrow 9am", "A time in the future is refused kindly"),
    Step(DEMO_TA_EMAIL, "now"),
    Step(DEMO_TA_EMAIL, "skip"),
    Step(DEMO_TA_EMAIL, "2"),
    Step(DEMO_TA_EMAIL, "3"),
    Step(DEMO_TA_EMAIL, "yes"),
    Step(DEMO_TA_EMAIL, "no"),
    Step(DEMO_TA_EMAIL, "Physical abuse", "KCSIE's category, asked only of safeguarding"),
    Step(DEMO_TA_EMAIL, "Told the DSL in person"),
    Step(DEMO_TA_EMAIL, "skip"),
    Step(DEMO_TA_EMAIL, "1"),
    Step(DEMO_TA_EMAIL, "session", "The TA records today's reading group: two away, three ratings"),
    Step(DEMO_TA_EMAIL, "1"),
    Step(DEMO_TA_EMAIL, "ok"),
    Step(DEMO_TA_EMAIL, "ok"),
    Step(DEMO_TA_EMAIL, "2, 5"),
    Step(DEMO_TA_EMAIL, "1"),
    Step(DEMO_TA_EMAIL, "2"),
    Step(DEMO_TA_EMAIL, "3"),
    Step(DEMO_TA_EMAIL, "4"),
    Step(DEMO_TA_EMAIL, "3"),
    Step(DEMO_TA_EMAIL, "Good focus; Kacper used his word mat."),
    Step(DEMO_TA_EMAIL, "1"),
    Step(DEMO_TEACHER_EMAIL, "targets", "The class teacher checks Amelia's targets"),
    Step(DEMO_TEACHER_EMAIL, "Amelia"),
    Step(DEMO_SENCO_EMAIL, "due", "The SENCO asks what is due"),
    Step(
        DEMO_DSL_EMAIL,
        "decision",
        "The DSL, alerted at once by a message with no details in it, records a decision",
    ),
    Step(DEMO_DSL_EMAIL, "3"),
    Step(DEMO_DSL_EMAIL, "3"),
    Step(
        DEMO_DSL_EMAIL,
        "Bruise and fear of telling: spoke to the duty social worker, referral made at 11:05.",
    ),
    Step(DEMO_DSL_EMAIL, "1"),
    Step(
        DEMO_DSL_EMAIL,
        "details 3",
        "View details: a one-time sign-in link to the concern's web page, never the story in chat",
    ),
)


def _said(text: str) -> str:
    return text if len(text) <= 160 else f"({len(text):,} characters of text)"


def walkthrough_day(today: date) -> date:
    """The tour is set on a weekday, so the reading group meets on the day it records."""
    while today.weekday() >= 5:
        today -= timedelta(days=1)
    return today


def term_name(day: date) -> str:
    """The demo school's term that holds `day` (or the last one to start before it)."""
    terms = [t for t in demo_terms(day) if t.starts_on <= day] or demo_terms(day)[:1]
    return terms[-1].name


def run(
    engine: Engine,
    sessions: sessionmaker[Session],
    out: TextIO,
    database_url: str,
    export_to: Path,
    script: Sequence[Step] = SCRIPT,
    *,
    provision_map_command: Callable[..., None],
    chronology_command: Callable[..., None],
    post: DemoPost | None = None,
) -> None:
    """Play the script, then the provision map and the DSL's chronology exports through the
    command line's own commands (passed in by it, as the command line sits above the demo);
    with the demo's post, parents' email and text messages carry their links."""
    with sessions() as session:
        first_new_event = (session.scalar(select(func.max(AuditEvent.id))) or 0) + 1
    current = None
    for step in script:
        with sessions() as session:
            actor = staff_actor_by_email(session, step.as_email)
        if actor is None:
            raise RuntimeError(f"the demo school has no staff member {step.as_email}")
        if step.as_email != current:
            roles = ", ".join(sorted(r.label for r in actor.roles))
            out.write(f"\n=== Acting as {actor.name} ({roles}), {step.as_email} ===\n")
            current = step.as_email
        if step.note:
            out.write(f"\n# {step.note}\n")
        out.write(f"\n> {_said(step.says)}\n")
        out.write(render(engine.handle(chat_ref(actor), actor, step.says)) + "\n")
    term = term_name(engine.clock.now().date())
    out.write(f"\n=== The SENCO exports the provision map for {term} ===\n")
    out.write(f"\n> sendbot export provision-map --school {DEMO_URN} --term {term}\n")
    out.flush()
    provision_map_command(school=DEMO_URN, term=term, out=str(export_to), database=database_url)
    chronology_file = export_to / "chronology.pdf"
    out.write(
        f"\n=== The DSL exports {DEMO_SAFEGUARDING_PUPIL}'s chronology for a case conference ===\n"
        f"\n> sendbot safeguarding chronology --pupil '{DEMO_SAFEGUARDING_PUPIL}' "
        f"--by {DEMO_DSL_EMAIL} --format pdf --out {chronology_file}\n"
    )
    out.flush()
    chronology_command(
        pupil=DEMO_SAFEGUARDING_PUPIL,
        by=DEMO_DSL_EMAIL,
        fmt="pdf",
        out=str(chronology_file),
        school=DEMO_URN,
        database=database_url,
    )
    write_what_was_stored(sessions, out, first_new_event)
    # Last, as it moves the clock on by weeks: the rows above are the tour's morning.
    annual_review.play(engine, sessions, out, post)


def write_what_was_stored(
    sessions: sessionmaker[Session], out: TextIO, first_event: int = 1
) -> None:
    """Show the rows the tour left behind, as `sqlite3` would."""
    with sessions() as session:
        out.write("\n=== What the database now holds ===\n")
        for concern in session.scalars(select(Concern).order_by(Concern.id)):
            pupil = session.get(Pupil, concern.pupil_id)
            raiser = session.get(Staff, concern.raised_by_id) if concern.raised_by_id else None
            kind = "safeguarding" if concern.safeguarding else "concern"
            out.write(
                f"concern #{concern.id}: {kind}, {pupil.display_name if pupil else '?'}, "
                f"area {concern.area}, source {concern.source}, "
                f"raised by {raiser.display_name if raiser else '?'}\n"
            )
        events = select(AuditEvent).where(AuditEvent.id >= first_event).order_by(AuditEvent.id)
        for event in session.scalars(events):
            out.write(
                f"audit #{event.id}: {event.action} {event.object_type} {event.object_id} "
                f"(hash {event.hash[:12]}...)\n"
            )
        for row in session.scalars(select(Outbox).order_by(Outbox.id)):
            staff = session.get(Staff, row.recipient_staff_id) if row.recipient_staff_id else None
            who = staff.display_name if staff else f"guardian {row.recipient_guardian_id}"
            priority = "urgent" if row.priority == 0 else "normal"
            out.write(f"outbox #{row.id}: {row.template} to {who}, {priority}, {row.status}\n")
