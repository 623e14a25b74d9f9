"""The colleagues' staff flows, rendered generically from the registry: a session recorded
in a modal whose questions grow with the answers, targets by name, what's due at once."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from sqlalchemy import select

from sendbot.conversations.registry import REGISTRY
from sendbot.store.models import (
    Intervention,
    InterventionPupil,
    InterventionSession,
    SessionAttendance,
    SupportPlan,
)
from tests.slack import payloads
from tests.slack.harness import USERS, filled, open_modal, running, submit


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def inputs(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def seed_intervention(sessions, h) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session, session.begin():
        group = Intervention(
            school_id=h.school.school_id,
            name="Lego therapy",
            area="communication_interaction",
            delivered_by_id=h.school.staff["ta"],
            starts_on=date(2026, 11, 2),
            minutes=40,
        )
        session.add(group)
        session.flush()
        for key in ("amelia", "amir"):
            session.add(
                InterventionPupil(
                    intervention_id=group.id,
                    pupil_id=h.school.pupils[key],
                    joined_on=date(2026, 11, 2),
                )
            )
        return group.id


def test_record_a_session_in_a_modal_that_grows_with_the_answers(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions, REGISTRY) as h:
            group_id = seed_intervention(sessions, h)
            view = await open_modal(h, "ta", "session")
            assert view["callback_id"] == "flow:record_session"
            assert inputs(view)[:2] == ["intervention", "held_on"]
            assert "minutes" not in inputs(view)  # it needs the intervention first
            held_on = next(b for b in view["blocks"] if b["block_id"] == "held_on")["element"]
            assert held_on == {
                "type": "datepicker",
                "action_id": "field.held_on",
                "initial_date": "2026-11-24",
            }

            # The intervention list: the TA's own, offered before anything is typed.
            response = await h.interact(
                payloads.block_suggestion(
                    USERS["ta"], view, "intervention", "field.intervention", ""
                )
            )
            assert [
                (o["value"], o["text"]["text"]) for o in (await response.json())["options"]
            ] == [(str(group_id), "Lego therapy")]

            chosen = filled(
                view,
                {"intervention": group_id, "held_on": "2026-11-24"},
                {str(group_id): "Lego therapy"},
            )
            await h.interact(
                payloads.view_block_action(
                    USERS["ta"], chosen, payloads.choose(view, "intervention", str(group_id))
                )
            )
            (update,) = await h.fake.wait_for("views.update")
            grown = payloads.opened_view(update.params["view"], {}, view_id=view["id"])
            assert inputs(grown)[:4] == ["intervention", "held_on", "minutes", "absent"]
            minutes = next(b for b in grown["blocks"] if b["block_id"] == "minutes")["element"]
            assert minutes["type"] == "number_input" and minutes["initial_value"] == "40"
            absent = next(b for b in grown["blocks"] if b["block_id"] == "absent")["element"]
            assert absent["type"] == "checkboxes"
            assert [o["text"]["text"] for o in absent["options"]][-1] == "Everyone was here"

            answers = {
                "intervention": group_id,
                "held_on": "2026-11-24",
                "minutes": "35",
                "absent": ["none"],
            }
            reply = await submit(h, "ta", grown, answers, {str(group_id): "Lego therapy"})
            if (
                reply["response_action"] == "update"
                and reply["view"]["callback_id"] == "flow:record_session"
            ):
                # More questions applied (ratings per target): none are required here.
                reply = await submit(
                    h,
                    "ta",
                    payloads.opened_view(reply["view"], {}),
                    answers,
                    {str(group_id): "Lego therapy"},
                )
            assert reply["response_action"] == "update", reply
            assert reply["view"]["callback_id"] == "sendbot.done"
            with sessions() as session:
                held = session.scalars(select(InterventionSession)).one()
                assert (held.intervention_id, held.minutes, held.held_on) == (
                    group_id,
                    35,
                    date(2026, 11, 24),
                )
                present = {
                    a.pupil_id: a.present for a in session.scalars(select(SessionAttendance))
                }
                assert present == {h.school.pupils["amelia"]: True, h.school.pupils["amir"]: True}

    run(scenario())


def test_send_targets_with_a_name_opens_the_form_with_that_pupil_chosen(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions, REGISTRY) as h:
            with sessions() as session, session.begin():
                session.add(
                    SupportPlan(
                        pupil_id=h.school.pupils["amelia"],
                        kind="sen_support",
                        started_on=date(2026, 9, 7),
                        next_review_on=date(2026, 12, 4),
                    )
                )
            view = await open_modal(h, "teacher", "targets Amelia")
            assert view["callback_id"] == "flow:check_targets"
            pupil = view["blocks"][0]
            assert pupil["element"]["initial_option"]["value"] == str(h.school.pupils["amelia"])
            assert view["submit"]["text"] == "Show"
            reply = await submit(
                h,
                "teacher",
                view,
                {"pupil": h.school.pupils["amelia"]},
                {str(h.school.pupils["amelia"]): "Amelia Khan"},
            )
            assert reply["response_action"] == "update"
            shown = json.dumps(reply["view"])
            assert "Amelia Khan" in shown and "Next review" in shown

    run(scenario())


def test_send_due_answers_at_once_without_a_form(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions, REGISTRY) as h:
            response = await h.command("senco", "due", response_url=h.fake.response_url("due"))
            assert response.status == 200
            ((name, message),) = await h.fake.wait_for_response()
            assert name == "due"
            assert message["response_type"] == "ephemeral"
            assert "due" in message["text"].lower()
            assert h.fake.called("views.open") == []

    run(scenario())
