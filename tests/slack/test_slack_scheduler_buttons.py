"""The scheduler's buttons and a parent message's Reply, tapped in Slack, end to end.

Real Bolt app, real outbox worker, the fake Slack Web API (and the fake Bot API for the
parent's side): a reminder's Done stops its reminders; a referral chase's "They have
replied" goes into the pupil's chronology; a tap by someone not allowed is refused and
audited; a reply typed in the Reply form reaches the parent in Telegram.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot

from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.log_concern import LOG_CONCERN
from sendbot.conversations.record_decision import RECORD_DECISION
from sendbot.domain.needs import Area
from sendbot.handlers.telegram.sender import TelegramSender
from sendbot.i18n.translate import Detected, Translation
from sendbot.messages.staff import parent_notices
from sendbot.scheduling import jobs
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, WorkerConfig
from sendbot.services import action_ids, concerns, escalation, invites, parents
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import (
    AuditEvent,
    ConcernAction,
    Deadline,
    EhcCase,
    Guardian,
    GuardianPupil,
    Outbox,
    ParentMessage,
    Pupil,
)
from tests.factories import NOW
from tests.slack import payloads
from tests.slack.harness import USERS, running, submit
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def deliver(h: Any, extra: dict[str, Any] | None = None) -> None:
    senders = {**h.core.senders, **(extra or {})}
    limits = {name: PlatformLimit(None, 0.0) for name in senders}
    worker = OutboxWorker(
        h.core.sessions, h.clock, senders, worker_id="test", config=WorkerConfig(limits=limits)
    )
    await worker.drain(max_seconds=20)


def posted_to(h: Any, who: str, starts: str) -> dict[str, Any]:
    """The newest message posted to this person whose text starts so, as Slack shows it."""
    call = [
        c
        for c in h.fake.called("chat.postMessage")
        if c.params["channel"] == USERS[who] and str(c.params["text"]).startswith(starts)
    ][-1]
    return {
        "type": "message",
        "ts": "1764000000.900001",
        "text": call.params["text"],
        "blocks": call.params["blocks"],
    }


def sealed(sessions, kind: str, subject_id: int) -> str:  # type: ignore[no-untyped-def]
    """The sealed id the bot puts on that button (sealing is deterministic per key)."""
    with sessions() as session:
        return action_ids.seal(session, kind, subject_id)


def tap(who: str, message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return payloads.message_button(USERS[who], message, action_id, channel=f"D{USERS[who][1:]}")


def test_done_on_a_deadline_reminder_marks_it_done_and_its_reminders_stop(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                # Advice asked for 4 weeks ago: due in 14 days, so a reminder is due now.
                session.add(
                    EhcCase(
                        pupil_id=h.school.pupils["amelia"], advice_requested_on=date(2026, 10, 27)
                    )
                )
                # Being assessed for a plan, not on SEN support (whose reviews are due too).
                session.get(Pupil, h.school.pupils["amelia"]).sen_status = "none"
            assert jobs.run(sessions, jobs.sweep_deadline_reminders, NOW) == 1
            await deliver(h)
            reminder = posted_to(h, "senco", "Deadline in 14 days")
            with sessions() as session:
                deadline = session.scalar(select(Deadline).where(Deadline.kind == "ehc.advice"))
            done_id = sealed(sessions, action_ids.DEADLINE_DONE, deadline.id)
            assert [e["text"]["text"] for e in reminder["blocks"][-1]["elements"]] == ["Done"]

            # The class teacher presses it (a forwarded message): refused, audited, unchanged.
            await h.interact(tap("teacher", reminder, done_id))
            refusal = (await h.fake.wait_for("views.open", 1))[-1].params["view"]
            assert refusal["blocks"][0]["text"]["text"].startswith(
                "Only the owner of this deadline can mark it done"
            )
            with sessions() as session:
                assert session.get(Deadline, deadline.id).status == "open"
                refused = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "button.refused")
                ).one()
                assert (refused.actor_id, refused.object_type, refused.object_id) == (
                    h.school.staff["teacher"],
                    "deadline.done",
                    deadline.id,
                )
            assert h.fake.called("chat.update") == []

            # The SENCO presses it: done, and the message says so instead of the button.
            await h.interact(tap("senco", reminder, done_id))
            update = (await h.fake.wait_for("chat.update", 1))[-1].params
            assert update["ts"] == reminder["ts"]
            assert update["blocks"][-1]["type"] == "context"
            note = update["blocks"][-1]["elements"][0]["text"]
            assert note.startswith(":white_check_mark: Marked done:")
            assert note.endswith("(Grace Okafor, 10:15 on Tue 24 Nov)")
            assert not any(b["type"] == "actions" for b in update["blocks"])
            with sessions() as session:
                assert session.get(Deadline, deadline.id).status == "done"

            # A week later the 7-day reminder point passes: nothing more is queued.
            later = NOW + timedelta(days=7)
            h.clock.set(later)
            assert jobs.run(sessions, jobs.sweep_deadline_reminders, later) == 0

    run(scenario())


def test_they_have_replied_on_a_referral_chase_goes_into_the_chronology(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            pupil = h.school.pupils["amir"]
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                teacher = staff_actor_by_id(session, h.school.staff["teacher"])
                dsl = staff_actor_by_id(session, h.school.staff["dsl"])
                concern = concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(pupil, Area.SEMH, "What was seen.", safeguarding=True),
                    NOW,
                ).concern_id
                escalation.record_referral(session, dsl, concern, NOW)
            # One working day later (Wednesday, same time) the DSL is asked.
            later = NOW + timedelta(days=1)
            h.clock.set(later)
            assert jobs.run(sessions, escalation.check_referral_chases, later) >= 1
            await deliver(h)
            chase = posted_to(h, "dsl", "Referral follow-up")
            replied = sealed(sessions, action_ids.LA_REPLIED, concern)
            assert [e["action_id"] for e in chase["blocks"][-1]["elements"]] == [
                replied,
                sealed(sessions, action_ids.REFERRAL_CHASED, concern),
                sealed(sessions, action_ids.CONCERN_VIEW, concern),
            ]

            # The SENCO is not a safeguarding lead: refused and audited, nothing recorded.
            await h.interact(tap("senco", chase, replied))
            refusal = (await h.fake.wait_for("views.open", 1))[-1].params["view"]
            assert "Only the designated safeguarding lead" in refusal["blocks"][0]["text"]["text"]

            await h.interact(tap("dsl", chase, replied))
            update = (await h.fake.wait_for("chat.update", 1))[-1].params
            note = update["blocks"][-1]
            assert note["type"] == "actions"  # View details stays; the answers are gone
            assert [e["action_id"] for e in note["elements"]] == [
                sealed(sessions, action_ids.CONCERN_VIEW, concern)
            ]
            assert update["blocks"][-2]["elements"][0]["text"].startswith(
                ":white_check_mark: Recorded: the local authority has replied."
            )
            with sessions() as session:
                kinds = session.scalars(
                    select(ConcernAction.kind)
                    .where(ConcernAction.concern_id == concern)
                    .order_by(ConcernAction.id)
                ).all()
                assert kinds[-1] == "la_response" and "referral" in kinds
                chronology = session.scalars(
                    select(AuditEvent.action)
                    .where(AuditEvent.pupil_id == pupil)
                    .order_by(AuditEvent.id)
                ).all()
                assert "concern.la_response" in chronology
                refused = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "button.refused")
                ).one()
                assert (refused.actor_id, refused.pupil_id) == (h.school.staff["senco"], pupil)
            # No more prompts for this referral.
            much_later = later + timedelta(days=3)
            h.clock.set(much_later)
            assert jobs.run(sessions, escalation.check_referral_chases, much_later) == 0

    run(scenario())


class PolishToEnglish:
    """A stand-in for the school's LibreTranslate server."""

    name = "test"

    def detect(self, text: str) -> Detected | None:
        return Detected("pl", 95.0)

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        return Translation("Is PE on Thursday?", source, target, self.name)


def test_a_reply_typed_in_slack_reaches_the_parent_in_telegram(db_url, sessions, monkeypatch):
    monkeypatch.setattr(parent_notices, "staff_translator", lambda: PolishToEnglish())
    fake_tg = FakeBotApi().start()

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            with sessions() as session, session.begin():
                guardian = Guardian(
                    school_id=h.school.school_id,
                    external_id="G-anna",
                    first_name="Anna",
                    last_name="W",
                    preferred_language="pl",
                )
                session.add(guardian)
                session.flush()
                session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=h.school.pupils["zoe"]))
                session.flush()
                code = invites.create_guardian_invite(session, guardian.id, NOW, BOT_USERNAME).code
                invites.redeem(session, "telegram", "7401", code, NOW)
                guardian_id = guardian.id
            with sessions() as session, session.begin():
                parents.message_school(
                    session,
                    guardian_id,
                    h.school.pupils["zoe"],
                    "Czy WF jest w czwartek?",
                    "pl",
                    NOW,
                )
            async with Bot(TOKEN, base_url=f"{fake_tg.url}/bot") as bot:
                telegram = {"telegram": TelegramSender(bot)}
                await deliver(h, telegram)
                notice = posted_to(h, "teacher", "Message from a parent")
                body = notice["blocks"][1]["text"]["text"]
                assert "Written in Polish:\nCzy WF jest w czwartek?" in body
                assert (
                    "English (translated automatically, may have mistakes):\nIs PE on Thursday?"
                    in body
                )
                reply_id = notice["blocks"][-1]["elements"][0]["action_id"]

                # A teacher of another class (a forwarded message) is told before typing.
                await h.interact(tap("teacher4", notice, reply_id))
                refused = (await h.fake.wait_for("views.open", 1))[-1].params["view"]
                assert refused["blocks"][0]["text"]["text"] == (
                    "Only the SENCO or the child's teacher can answer this message."
                )
                await h.interact(tap("teacher", notice, reply_id))
                form = (await h.fake.wait_for("views.open", 2))[-1].params["view"]
                assert form["callback_id"] == "parent.reply"
                shown = payloads.opened_view(form, {})

                # An empty reply is pointed out under the box; nothing is sent.
                empty = {"reply": {"reply.text": {"type": "plain_text_input", "value": "  "}}}
                answer = await h.interact(
                    payloads.view_submission(
                        USERS["teacher"], {**shown, "state": {"values": empty}}
                    )
                )
                assert (await answer.json())["response_action"] == "errors"

                typed = {
                    "reply": {
                        "reply.text": {
                            "type": "plain_text_input",
                            "value": "Yes, PE is on Thursday.",
                        }
                    }
                }
                answer = await h.interact(
                    payloads.view_submission(
                        USERS["teacher"], {**shown, "state": {"values": typed}}
                    )
                )
                done = await answer.json()
                assert done["response_action"] == "update"
                assert "Sent. The parent will get your reply in Telegram." in str(done["view"])
                with sessions() as session:
                    row = session.scalars(
                        select(Outbox).where(Outbox.template == "parent.staff_reply")
                    ).one()
                    assert row.recipient_guardian_id == guardian_id
                    out = session.scalars(
                        select(ParentMessage).where(ParentMessage.direction == "out")
                    ).one()
                    assert out.body_text == "Yes, PE is on Thursday."
                await deliver(h, telegram)
            sent = fake_tg.texts(7401)
            assert any("Yes, PE is on Thursday." in text for text in sent)

    try:
        run(scenario())
    finally:
        fake_tg.stop()


def test_record_decision_from_the_details_starts_the_referral_chase(db_url, sessions):
    registry = FlowRegistry(flows=(LOG_CONCERN, RECORD_DECISION))

    async def scenario() -> None:
        async with running(db_url, sessions, registry=registry) as h:
            await h.slack.link_unlinked_staff()
            pupil = h.school.pupils["amir"]
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                teacher = staff_actor_by_id(session, h.school.staff["teacher"])
                concern = concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(pupil, Area.SEMH, "What was seen.", safeguarding=True),
                    NOW,
                ).concern_id
            await deliver(h)
            alert = posted_to(h, "dsl", "Safeguarding concern logged")
            await h.interact(tap("dsl", alert, sealed(sessions, action_ids.CONCERN_VIEW, concern)))
            details = (await h.fake.wait_for("views.open", 1))[-1].params["view"]
            buttons = [
                e for b in details["blocks"] if b["type"] == "actions" for e in b["elements"]
            ]
            assert [(b["text"]["text"], b["action_id"]) for b in buttons] == [
                ("Record decision", f"decision.start:{concern}")
            ]
            shown = payloads.opened_view(details, {})
            await h.interact(
                payloads.view_block_action(
                    USERS["dsl"],
                    shown,
                    {
                        "type": "button",
                        "block_id": "decision",
                        "action_id": buttons[0]["action_id"],
                    },
                )
            )
            form = (await h.fake.wait_for("views.push", 1))[-1].params["view"]
            assert form["callback_id"] == "flow:record_decision"
            chosen = form["blocks"][0]["element"]["initial_option"]
            assert chosen["value"] == str(concern)
            assert chosen["text"]["text"].startswith(
                f"Concern {concern}: Amir Khan (Year 3), logged by"
            )
            assert "What was seen" not in chosen["text"]["text"]  # never in a chat app
            reply = await submit(
                h,
                "dsl",
                payloads.opened_view(form, {}),
                {"concern": concern, "decision": "referral", "note": "Front door team told."},
                labels={str(concern): chosen["text"]["text"]},
            )
            assert reply["response_action"] == "update"
            assert f"referral to children's social care for Amir Khan (concern {concern})" in str(
                reply["view"]
            )
            with sessions() as session:
                kinds = session.scalars(
                    select(ConcernAction.kind).where(ConcernAction.concern_id == concern)
                ).all()
                assert kinds == ["acknowledged", "referral"]
            assert (
                jobs.run(sessions, escalation.check_referral_chases, NOW + timedelta(days=1)) == 1
            )

    run(scenario())
