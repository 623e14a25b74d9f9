"""A scene inside the annual review's: Kacper's family, who are not on Telegram.

The SENCO books Kacper's SEN support review. His mother gave the school only an email
address: her invitation is written as an `.eml` file. His father gave only a mobile number:
his text message is printed as his phone shows it. Each carries its one-tap link. His
father opens his link and answers "I need an interpreter" on the page itself (`sendbot
serve`'s app, driven as a browser would), and the SENCO is told.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from sendbot.demo.post import DemoPost, answer_by_web
from sendbot.demo.school import DEMO_PUPIL_KACPER
from sendbot.services import terms
from sendbot.store.models import Guardian, GuardianPupil, Pupil

if TYPE_CHECKING:
    from sendbot.demo.annual_review import Stage

NOTICE_DAYS = 14  # two weeks' notice, as the Code of Practice expects for a review


def _family(stage: Stage) -> tuple[list[str], str]:
    """Kacper's parents' names, and the first school day at least two weeks away."""
    with stage.sessions() as session:
        pupil = session.scalar(
            select(Pupil).where(
                Pupil.school_id == stage.senco.school_id,
                Pupil.first_name + " " + Pupil.last_name == DEMO_PUPIL_KACPER,
            )
        )
        assert pupil is not None, "the demo school has Kacper"
        parents = session.scalars(
            select(Guardian)
            .join(GuardianPupil, GuardianPupil.guardian_id == Guardian.id)
            .where(GuardianPupil.pupil_id == pupil.id)
            .order_by(Guardian.id)
        ).all()
        calendar = terms.calendar_for(session, stage.senco.school_id)
        day = stage.clock.now().date() + timedelta(days=NOTICE_DAYS)
        while not calendar.is_school_day(day):
            day += timedelta(days=1)
        return [p.display_name for p in parents], f"{day:%d/%m/%Y}"


def play(stage: Stage, post: DemoPost) -> None:
    names, day = _family(stage)
    stage.family.update(names)
    stage.pupils.add("Kacper")
    stage.heading("Meanwhile: Kacper's family, who are not on Telegram")
    stage.note(
        "His mother gave the school only an email address, his father only a mobile number. "
        "The SENCO books his SEN support review."
    )
    stage.senco_says("meeting", "Kacper", "1", day, "15:30", "3", "1", "Room 4")
    stage.senco_says("SENCO, class teacher", "1")
    stage.heading("His mother's email and his father's text message, each with its link")
    stage.note(
        f"Email is written as .eml files into {post.mail_dir} (open one with any mail "
        "program); a text message is shown as the phone shows it."
    )
    sent = stage.move_to(stage.clock.now() + timedelta(minutes=5))
    text = next(d for d in sent if d.recipient.platform == "sms" and d.message.link)
    assert text.message.link is not None
    stage.heading("His father opens the link in his text message and answers on the page")
    visit = asyncio.run(answer_by_web(post, stage.clock, text.message.link, "interpreter"))
    stage.note(f"The page, in Polish: {visit.title}")
    stage.out.write("    " + "  ".join(f"[{label}]" for label in visit.buttons) + "\n")
    stage.note(f"He taps [{visit.buttons[-1]}] (I need an interpreter).")
    stage.out.write(f"<-- {visit.after}\n")
    stage.move_to(stage.clock.now() + timedelta(minutes=2))
    stage.family.difference_update(names)  # the annual review's scene goes on about Zainab
    stage.pupils.discard("Kacper")
