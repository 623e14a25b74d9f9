"""'skip' in an optional question means no answer, in a Slack modal as step by step.

A SENCO typed 'skip' into the modal's "Who will be there" box and a parent read
"Who will be there: skip": the form kept the word as the answer. Both renderings now read
a question's answer through the same field parsing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.meeting_flows import SCHEDULE_MEETING
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity, Meeting, Outbox
from tests.dialog import Dialog
from tests.factories import NOW, SmallSchool, build_small_school
from tests.slack.harness import open_modal, running, submit
from tests.telegram.harness import add_guardian


def _anna_on_telegram(sessions: Any, school: SmallSchool) -> None:
    """Kacper's mother, reachable on Telegram (a parent with no chat gets no queued row)."""
    anna = add_guardian(sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
    with sessions() as session, session.begin():
        session.add(
            Identity(
                platform="telegram", external_id="71", guardian_id=anna.guardian_id, created_at=NOW
            )
        )


def _booked(sessions: Any) -> tuple[Meeting, list[Outbox]]:
    with sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        invitations = list(session.scalars(select(Outbox)))
        session.expunge_all()
    return meeting, invitations


def _no_skip_reaches_a_parent(meeting: Meeting, outbox: list[Outbox]) -> None:
    assert meeting.place == "Room 4"
    assert meeting.video_link is None
    assert "skip" not in [a.lower() for a in meeting.attendees or []]
    assert outbox, "the parent was invited"
    for row in outbox:
        assert "skip" not in str(row.params).lower()


def test_skip_typed_into_a_slack_modal_is_no_answer(db_url: str, sessions: Any) -> None:
    async def scenario() -> None:
        registry = FlowRegistry(flows=(SCHEDULE_MEETING,))
        async with running(db_url, sessions, registry) as h:
            _anna_on_telegram(sessions, h.school)
            view = await open_modal(h, "senco", "meeting")
            assert view["callback_id"] == "flow:schedule_meeting"
            answers = {
                "pupil": h.school.pupils["kacper"],
                "kind": "sen_support_review",
                "day": "2026-12-01",
                "time": "15:30",
                "length": "45",
                "where": "in_person",
                "place": "Room 4",
                "video_link": None,
                "attendees": " Skip ",
            }
            reply = await submit(h, "senco", view, answers)
            # Choosing "in person" shows the box for the place: the form asks for it.
            assert reply is not None and reply["response_action"] == "update", reply
            assert "place" in [b.get("block_id") for b in reply["view"]["blocks"]]
            reply = await submit(h, "senco", reply["view"], answers)
            assert reply is None or reply.get("response_action") != "errors", reply

    asyncio.run(scenario())
    _no_skip_reaches_a_parent(*_booked(sessions))


def test_skip_typed_step_by_step_is_no_answer(sessions: Any) -> None:
    school = build_small_school(sessions)
    _anna_on_telegram(sessions, school)
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff["senco"])
    assert actor is not None
    engine = Engine(sessions, FlowRegistry(flows=(SCHEDULE_MEETING,)), FrozenClock(NOW))
    senco = Dialog(engine, actor, ChatRef("console", "staff:senco"))
    senco.says("meeting")
    senco.says("kacper")
    senco.says("SEN support review")
    senco.says("1/12")
    senco.says("15:30")
    senco.says("45 minutes")
    senco.says("In person")
    senco.says("Room 4")
    check = senco.says(" skip ").text
    assert "Who will be there: not said" in check
    assert "Video link" not in check
    assert "Meeting booked" in senco.says("1").text
    _no_skip_reaches_a_parent(*_booked(sessions))
