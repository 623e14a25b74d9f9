"""The walkthrough's last scene: one EHC annual review, from the reminder to book it to the
local authority's decision, as the SENCO lives it.

The demo clock is moved on through the scheduler's own jobs (`FastForward`), so the
reminder, the parent's invitation, the "Was it held?" prompt and the dates after the
meeting come from the same code a school runs. Only the messages about Zainab are shown;
everything else the jobs sent meanwhile (digests, other pupils' reminders) is counted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import FrozenClock
from sendbot.conversations.chat import Incoming
from sendbot.conversations.engine import Engine
from sendbot.conversations.parent_chat import ChatRouter
from sendbot.delivery.contract import Button
from sendbot.demo import by_web
from sendbot.demo.post import DemoPost
from sendbot.demo.school import DEMO_PARENT_UR_EMAIL, DEMO_PUPIL_ZAINAB, DEMO_SENCO_EMAIL
from sendbot.handlers.console.chat import chat_ref, render
from sendbot.scheduling.fastforward import Delivered, FastForward
from sendbot.scheduling.senders import format_message
from sendbot.services import deadlines, invites, staff_buttons, terms
from sendbot.services.actors import StaffActor, staff_actor_by_email
from sendbot.store.db import transaction
from sendbot.store.models import Deadline, Guardian, Pupil

LONDON = ZoneInfo("Europe/London")
PARENT_CHAT = "demo-parent-ur"  # the Telegram chat Zainab's mother links (made up)
DEMO_BOT = "BrookfieldDemoBot"  # made up: the demo sends nothing to Telegram
MEETING_AT = time(15, 30)
LA_DECISION_AFTER = timedelta(days=20)  # the LA writes within its 4 weeks


@dataclass
class Stage:
    """What the scene needs at hand: the engine, the clock it moves, and who is who."""

    engine: Engine
    sessions: sessionmaker[Session]
    out: TextIO
    clock: FrozenClock
    senco: StaffActor
    forward: FastForward
    parent_name: str
    pupil_name: str
    # Whose messages are shown besides Zainab's family's: another scene's family and child.
    family: set[str] = field(default_factory=set)
    pupils: set[str] = field(default_factory=set)
    post: DemoPost | None = None

    def tap(self, button: Button) -> None:
        """The SENCO taps a button of a message the scheduler sent her."""
        self.note(f"She taps [{button.label}].")
        with transaction(self.sessions) as session:
            done = staff_buttons.tap(session, self.senco, button.action_id, self.clock.now())
        self.out.write((done.text if done else "That button has done its work.") + "\n")

    def heading(self, text: str) -> None:
        self.out.write(f"\n--- {text} ---\n")

    def note(self, text: str) -> None:
        self.out.write(f"# {text}\n")

    def senco_says(self, *lines: str) -> None:
        for line in lines:
            self.out.write(f"\n> {line}\n")
            reply = self.engine.handle(chat_ref(self.senco), self.senco, line)
            self.out.write(render(reply) + "\n")

    def move_to(self, at: datetime) -> list[Delivered]:
        """Run the scheduler's jobs up to `at`; print what reached Zainab's family or the
        SENCO about her, and count the rest."""
        sent = asyncio.run(self.forward.run_until(at))
        local = self.clock.now().astimezone(LONDON)
        self.out.write(f"# (the clock moves on to {local:%a %-d %b %Y %H:%M})\n")
        ours = [d for d in sent if self._ours(d)]
        for item in ours:
            when = item.at.astimezone(LONDON)
            self.out.write(f"[{when:%a %-d %b %H:%M}] " + format_message(
                item.recipient, item.message, item.name
            ))  # fmt: skip
            eml = self.post.eml_of(item) if self.post else None
            if eml is not None:
                self.out.write(f"    (the email as sent: {eml})\n\n")
        others = len(sent) - len(ours)
        if others:
            self.out.write(
                f"({others} other messages went out meanwhile: digests, other pupils.)\n"
            )
        return ours

    def _ours(self, item: Delivered) -> bool:
        """To Zainab's family (or the other scene's), or to the SENCO about the child."""
        if any(item.name.startswith(name) for name in {self.parent_name, *self.family}):
            return True
        text = item.message.text
        digest = "digest" in text.split("\n", 1)[0].lower()
        about = any(name in text for name in {self.pupil_name, *self.pupils})
        return item.name.startswith(self.senco.name) and about and not digest


def _ids(session: Session, school_id: int) -> tuple[Pupil, Guardian]:
    pupil = session.scalar(
        select(Pupil).where(
            Pupil.school_id == school_id,
            Pupil.first_name + " " + Pupil.last_name == DEMO_PUPIL_ZAINAB,
        )
    )
    mother = session.scalar(select(Guardian).where(Guardian.email == DEMO_PARENT_UR_EMAIL))
    assert pupil is not None and mother is not None, "the demo school has Zainab and her mother"
    return pupil, mother


def meeting_day(session: Session, school_id: int, pupil_id: int, today: date) -> date:
    """The last school day on or before the review's last day (at least two days away), as a
    SENCO with a late review would choose; the next school day if none is left."""
    due = session.scalar(
        select(Deadline.due_on).where(
            Deadline.subject_type == "pupil",
            Deadline.subject_id == pupil_id,
            Deadline.kind == "ehc.annual_review",
        )
    )
    calendar = terms.calendar_for(session, school_id)
    earliest = today + timedelta(days=2)
    day = max(due or earliest, earliest)
    while day > earliest and not calendar.is_school_day(day):
        day -= timedelta(days=1)
    while not calendar.is_school_day(day):
        day += timedelta(days=1)
    return day


def play(
    engine: Engine, sessions: sessionmaker[Session], out: TextIO, post: DemoPost | None = None
) -> None:
    """The scene, start to end; the clock must be the demo's frozen one. With the demo's
    post, parents' email is written as `.eml` files and carries links, and the scene of
    Kacper's family answering by the web page comes on the day of Zainab's invitation."""
    clock = engine.clock
    if not isinstance(clock, FrozenClock):
        raise RuntimeError("the annual review scene moves the clock: it needs a FrozenClock")
    with sessions() as session:
        senco = staff_actor_by_email(session, DEMO_SENCO_EMAIL)
        assert senco is not None
        pupil, mother = _ids(session, senco.school_id)
        forward = post.forward(sessions, clock) if post else FastForward(sessions, clock)
        stage = Stage(
            engine, sessions, out, clock, senco, forward, mother.display_name,
            pupil.first_name, post=post,
        )  # fmt: skip
        pupil_id, mother_id = pupil.id, mother.id
    out.write("\n=== One EHC annual review, from the reminder to the LA's decision ===\n")
    stage.note(
        "Zainab's EHC plan was issued almost a year ago. The clock now moves on through the "
        "scheduler's own jobs; only the messages about Zainab are shown."
    )
    router = ChatRouter(sessions, clock, engine)
    held_on = _remind_and_book(stage, router, pupil_id, mother_id)
    _invite_and_answer(stage, router)
    if post is not None:
        by_web.play(stage, post)
    _hold(stage, held_on)
    _report_and_decision(stage, held_on, pupil_id)


def _remind_and_book(stage: Stage, router: ChatRouter, pupil_id: int, mother_id: int) -> date:
    stage.heading("The reminder to book the review")
    stage.move_to(stage.clock.now() + timedelta(minutes=1))
    stage.heading("Zainab's mother joins the school's Telegram")
    stage.note("The SENCO gave her a one-time link; she opens it on her phone.")
    now = stage.clock.now()
    with transaction(stage.sessions) as session:
        made = invites.create_guardian_invite(session, mother_id, now, DEMO_BOT, stage.senco)
    outcome = router.handle(Incoming("telegram", PARENT_CHAT, "command", "start", made.code))
    for reply in outcome.replies:
        stage.out.write("<-- " + reply.text.replace("\n", "\n    ") + "\n")
    stage.heading("The SENCO books the annual review")
    with stage.sessions() as session:
        day = meeting_day(session, stage.senco.school_id, pupil_id, now.date())
    stage.senco_says("meeting", "Zainab", "2", f"{day:%d/%m/%Y}")
    stage.note("Less than 2 weeks' notice, but the review is due by then: she keeps the date.")
    stage.senco_says("1", f"{MEETING_AT:%H:%M}", "3", "1", "Room 4", "SENCO, class teacher")
    stage.senco_says("1")
    return day


def _invite_and_answer(stage: Stage, router: ChatRouter) -> None:
    stage.heading("The invitation reaches Zainab's mother, in Urdu, with a calendar file")
    sent = stage.move_to(stage.clock.now() + timedelta(minutes=5))
    invitation = next(
        d for d in sent if d.message.attachments and d.recipient.platform == "telegram"
    )
    stage.heading("She answers: she will come")
    tap = invitation.message.buttons[0]
    stage.note(f"She taps [{tap.label}] (I will come).")
    outcome = router.handle(Incoming("telegram", PARENT_CHAT, "tap", tap.action_id))
    stage.out.write(f"<-- {outcome.toast or ''}\n")
    stage.move_to(stage.clock.now() + timedelta(minutes=2))


def _hold(stage: Stage, held_on: date) -> None:
    stage.heading("The days before the meeting, and after it: was it held?")
    ends = datetime.combine(held_on, MEETING_AT, LONDON) + timedelta(hours=1, minutes=5)
    sent = stage.move_to(ends)
    prompt = next(d for d in sent if d.message.buttons and "held?" in d.message.text)
    stage.heading("The SENCO taps Held")
    stage.tap(prompt.message.buttons[0])


def _report_and_decision(stage: Stage, held_on: date, pupil_id: int) -> None:
    stage.heading("The report to the local authority")
    sent = stage.move_to(datetime.combine(held_on + timedelta(days=8), time(9), LONDON))
    reminder = [d for d in sent if "report" in d.message.text and d.message.buttons]
    stage.note("The SENCO sends the review's report to the LA and everyone invited.")
    if reminder:
        stage.tap(reminder[-1].message.buttons[0])
    stage.heading("The local authority's decision")
    decided = held_on + LA_DECISION_AFTER
    stage.move_to(datetime.combine(decided, time(9), LONDON))
    stage.note(
        "The LA writes within its 4 weeks: it will amend the plan. The SENCO records its "
        "decision as a step of the EHC case."
    )
    stage.senco_says("ehc", "Zainab", "8", "2", f"{decided:%d/%m/%Y}", "1")
    stage.note("The proposed amendments reach the family the same day: she records them too.")
    stage.senco_says("ehc", "Zainab", "9", f"{decided:%d/%m/%Y}", "1")
    stage.heading("What is due for Zainab now")
    with stage.sessions() as session:
        views = deadlines.list_deadlines(session, stage.clock.now(), pupil_id=pupil_id)
    for view in views:
        if view.status == deadlines.OPEN and view.kind.startswith("ehc."):
            stage.out.write(f"- {view.title}: by {view.due_on:%a %-d %b %Y} ({view.source})\n")
