"""Flows as Slack modals: opened by /send and shortcuts, redrawn on choices, submitted."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import select

from sendbot.store.models import Concern, Identity, Outbox
from tests.slack import payloads
from tests.slack.harness import USERS, filled, open_modal, running, submit


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_send_concern_acks_at_once_and_opens_the_concern_modal(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            started = time.monotonic()
            response = await h.command("teacher", "concern")
            assert response.status == 200
            assert await response.text() == ""
            (call,) = await h.fake.wait_for("views.open")
            assert time.monotonic() - started < 3
            view = call.params["view"]
            assert view["type"] == "modal"
            assert view["callback_id"] == "flow:log_concern"
            assert view["title"]["text"] == "Log a concern"
            assert view["submit"]["text"] == "Save"
            assert json.loads(view["private_metadata"]) == {"flow": "log_concern"}
            inputs = [b for b in view["blocks"] if b["type"] == "input"]
            assert [b["block_id"] for b in inputs] == [
                "pupil",
                "narrative",
                "child_words",
                "when",
                "location",
                "source",
                "area",
                "safeguarding",
                "action_taken",
                "told",
            ]
            optional = {b["block_id"] for b in inputs if b.get("optional")}
            assert optional == {"child_words", "location", "action_taken", "told"}
            pupil = inputs[0]["element"]
            assert pupil["type"] == "external_select"
            assert pupil["action_id"] == "field.pupil"
            assert pupil["min_query_length"] == 2
            narrative = inputs[1]["element"]
            assert narrative == {
                "type": "plain_text_input",
                "action_id": "field.narrative",
                "multiline": True,
                "max_length": 2000,
            }
            # When: typed as in a chat ('today 12:30'); left empty, it means now.
            assert inputs[3]["element"]["type"] == "plain_text_input"
            assert inputs[5]["element"]["type"] == "radio_buttons"
            assert [o["value"] for o in inputs[5]["element"]["options"]] == [
                "staff",
                "pupil",
                "parent",
            ]
            assert inputs[6]["element"]["type"] == "static_select"
            assert inputs[7]["element"]["options"] == [
                {"text": {"type": "plain_text", "text": "Yes", "emoji": True}, "value": "yes"},
                {"text": {"type": "plain_text", "text": "No", "emoji": True}, "value": "no"},
            ]
            assert inputs[7]["dispatch_action"] is True
            assert inputs[7]["hint"]["text"].startswith("If in doubt, answer yes.")
            assert call.token == "xoxb-test-token"
            with sessions() as session:
                identity = session.scalars(select(Identity)).one()
                assert (identity.team_id, identity.external_id, identity.staff_id) == (
                    "T0OAKFIELD",
                    USERS["teacher"],
                    h.school.staff["teacher"],
                )

    run(scenario())


def answers_for(h, **overrides):  # type: ignore[no-untyped-def]
    base = {
        "pupil": h.school.pupils["amelia"],
        "narrative": "Amelia was upset at lunch and would not eat.",
        "source": "staff",
        "area": "semh",
        "safeguarding": "no",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_pupil_search_offers_every_pupil_of_the_school_by_name_year_and_class(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            suggestion = payloads.block_suggestion(
                USERS["teacher"], view, "pupil", "field.pupil", "khan"
            )
            response = await h.interact(suggestion)
            assert response.status == 200
            body = await response.json()
            # Ruby Khan is in 4R, not this teacher's class: any child may be reported on.
            assert [o["text"]["text"] for o in body["options"]] == [
                "Amelia Khan (Year 3, 3B)",
                "Amir Khan (Year 3, 3B)",
                "Ruby Khan (Year 4, 4R)",
            ]
            assert [o["value"] for o in body["options"]] == [
                str(h.school.pupils["amelia"]),
                str(h.school.pupils["amir"]),
                str(h.school.pupils["ruby"]),
            ]
            # A pupil of another school is never offered.
            hidden = await h.interact(
                payloads.block_suggestion(USERS["teacher"], view, "pupil", "field.pupil", "Stone")
            )
            assert (await hidden.json()) == {"options": []}

    run(scenario())


def test_submitting_with_problems_returns_errors_on_the_right_blocks_and_saves_nothing(
    db_url, sessions
):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            reply = await submit(
                h, "teacher", view, answers_for(h, pupil=None, narrative="x" * 2134)
            )
            assert reply == {
                "response_action": "errors",
                "errors": {
                    "pupil": "Please answer this question.",
                    "narrative": (
                        "That is 2,134 characters; the limit is 2,000. Please shorten it by 134 "
                        "characters and send it again."
                    ),
                },
            }
            forged = await submit(
                h, "teacher", view, answers_for(h, pupil=h.school.pupils["stone"])
            )
            assert forged == {
                "response_action": "errors",
                "errors": {
                    "pupil": "Please choose a pupil from the list: type part of their name to search."
                },
            }
            with sessions() as session:
                assert session.scalars(select(Concern)).all() == []

    run(scenario())


def test_safeguarding_follow_up_appears_only_when_the_answer_is_yes(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            teacher = USERS["teacher"]
            no = filled(view, answers_for(h, safeguarding="no"))
            await h.interact(
                payloads.view_block_action(teacher, no, payloads.choose(view, "safeguarding", "no"))
            )
            await asyncio.sleep(0.2)
            assert h.fake.called("views.update") == []  # nothing to add

            yes = filled(view, answers_for(h, safeguarding="yes"))
            await h.interact(
                payloads.view_block_action(
                    teacher, yes, payloads.choose(view, "safeguarding", "yes")
                )
            )
            (update,) = await h.fake.wait_for("views.update")
            assert update.params["view_id"] == view["id"]
            assert update.params["hash"] == view["hash"]
            redrawn = update.params["view"]
            assert [b["block_id"] for b in redrawn["blocks"] if b["type"] == "input"] == [
                "pupil",
                "narrative",
                "child_words",
                "when",
                "location",
                "source",
                "area",
                "safeguarding",
                "immediate_danger",
                "category",
                "action_taken",
                "told",
            ]
            pupil = redrawn["blocks"][0]["element"]
            assert pupil["initial_option"]["text"]["text"] == "Amelia Khan (Year 3, 3B)"
            assert redrawn["private_metadata"] == view["private_metadata"]

            shown = payloads.opened_view(redrawn, {}, view_id=view["id"])
            danger = filled(shown, answers_for(h, safeguarding="yes", immediate_danger="yes"))
            await h.interact(
                payloads.view_block_action(
                    teacher, danger, payloads.choose(shown, "immediate_danger", "yes")
                )
            )
            updates = await h.fake.wait_for("views.update", 2)
            note = next(
                b
                for b in updates[-1].params["view"]["blocks"]
                if b.get("block_id") == "sendbot.note:immediate_danger"
            )
            assert "Call 999 now." in note["text"]["text"]

    run(scenario())


def test_a_safeguarding_yes_submitted_before_the_follow_up_showed_redraws_instead_of_saving(
    db_url, sessions
):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            reply = await submit(h, "teacher", view, answers_for(h, safeguarding="yes"))
            assert reply["response_action"] == "update"
            assert "immediate_danger" in [b.get("block_id") for b in reply["view"]["blocks"]]
            with sessions() as session:
                assert session.scalars(select(Concern)).all() == []

    run(scenario())


def test_a_complete_concern_is_saved_confirmed_and_the_home_tab_refreshed(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = await open_modal(h, "teacher")
            reply = await submit(h, "teacher", view, answers_for(h))
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
                assert concern.pupil_id == h.school.pupils["amelia"]
                assert concern.narrative_text == "Amelia was upset at lunch and would not eat."
                assert concern.safeguarding is False
                outbox = session.scalars(select(Outbox)).all()
                assert [(o.recipient_staff_id, o.template) for o in outbox] == [
                    (h.school.staff["senco"], "concern.new")
                ]
            assert reply["response_action"] == "update"
            assert reply["view"]["callback_id"] == "sendbot.done"
            assert reply["view"]["blocks"][0]["text"]["text"] == (
                f"Saved as concern #{concern.id}. The SENCO has been told. Thank you."
            )
            published = await h.fake.wait_for("views.publish")
            assert published[0].params["user_id"] == USERS["teacher"]

    run(scenario())


def test_log_as_a_concern_on_a_message_fills_in_what_happened(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            text = "Zoë said her brother hits her when mum is at work."
            await h.interact(payloads.message_shortcut(USERS["ta"], text))
            (call,) = await h.fake.wait_for("views.open")
            view = call.params["view"]
            assert view["callback_id"] == "flow:log_concern"
            narrative = next(b for b in view["blocks"] if b.get("block_id") == "narrative")
            assert narrative["element"]["initial_value"] == text

    run(scenario())


def test_global_shortcut_opens_the_concern_modal(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.interact(payloads.global_shortcut(USERS["senco"], "log_concern"))
            (call,) = await h.fake.wait_for("views.open")
            assert call.params["view"]["callback_id"] == "flow:log_concern"

    run(scenario())


def test_flows_not_written_yet_are_answered_kindly(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            response = await h.command("teacher", "session")
            body = await response.json()
            assert body["response_type"] == "ephemeral"
            assert body["text"].startswith(
                "Record an intervention session: this is coming to sendbot soon."
            )
            await h.interact(payloads.global_shortcut(USERS["teacher"], "record_session"))
            (call,) = await h.fake.wait_for("views.open")
            assert "coming to sendbot soon" in call.params["view"]["blocks"][0]["text"]["text"]

    run(scenario())


def test_send_help_lists_what_this_person_can_do(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            body = await (await h.command("teacher", "help")).json()
            assert body["response_type"] == "ephemeral"
            assert "• `/send concern`: Log a concern about a pupil" in body["text"]
            assert "• `/send session`: Record an intervention session (coming soon)" in body["text"]
            unknown = await (await h.command("teacher", "frobnicate")).json()
            assert unknown["text"].startswith("Sorry, I don't know `/send frobnicate`.")

    run(scenario())
