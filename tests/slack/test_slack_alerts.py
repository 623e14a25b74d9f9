"""Alerts on Slack: a safeguarding concern logged in a modal reaches the DSL through the
outbox with no narrative; details open only for someone allowed, and every look is audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiohttp import ClientSession
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from sendbot.delivery.contract import Attachment, Button, OutgoingMessage, Recipient, SendOutcome
from sendbot.handlers.slack.sender import SlackSender
from sendbot.messages.staff import concern_alerts
from sendbot.scheduling.worker import OutboxWorker
from sendbot.services import action_ids, safeguarding
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, Concern, ConcernAction, Outbox, Staff
from tests.factories import NOW
from tests.slack import payloads
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.harness import USERS, open_modal, running, submit

NARRATIVE = "Amir has a bruise on his arm and said his uncle grabbed him."


def sealed(sessions, kind: str, subject_id: int) -> str:  # type: ignore[no-untyped-def]
    """The sealed id the bot puts on that button (sealing is deterministic per key)."""
    with sessions() as session:
        return action_ids.seal(session, kind, subject_id)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def deliver_pending(h) -> list[tuple[Outbox, str]]:  # type: ignore[no-untyped-def]
    """The real outbox worker, with the Slack sender the plugin registered."""
    worker = OutboxWorker(h.core.sessions, h.clock, h.core.senders, worker_id="test-worker")
    await worker.drain(max_seconds=10)
    with h.core.sessions() as session:
        return [(row, row.status) for row in session.scalars(select(Outbox).order_by(Outbox.id))]


def test_a_safeguarding_concern_logged_in_slack_alerts_the_dsl_without_the_narrative(
    db_url, sessions
):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            # Staff who have never opened sendbot are found by email, so no alert waits.
            assert await h.slack.link_unlinked_staff() == 8
            view = await open_modal(h, "ta")
            reply = await submit(
                h,
                "ta",
                view,
                {
                    "pupil": h.school.pupils["amir"],
                    "narrative": NARRATIVE,
                    "source": "pupil",
                    "area": "semh",
                    "safeguarding": "yes",
                    "immediate_danger": "no",
                },
            )
            assert reply["response_action"] == "update"  # the follow-up was not shown yet
            shown = payloads.opened_view(reply["view"], {})
            reply = await submit(
                h,
                "ta",
                shown,
                {
                    "pupil": h.school.pupils["amir"],
                    "narrative": NARRATIVE,
                    "source": "pupil",
                    "area": "semh",
                    "safeguarding": "yes",
                    "immediate_danger": "no",
                },
            )
            assert reply["view"]["callback_id"] == "sendbot.done"
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
            assert concern.safeguarding

            delivered = await deliver_pending(h)
            assert {(row.template, status) for row, status in delivered} == {
                ("safeguarding.alert", "sent"),
            }
            # The DSL and the deputy only: a SENCO who is not a lead is not told of it.
            posts = {c.params["channel"]: c.params for c in h.fake.called("chat.postMessage")}
            assert set(posts) == {USERS["dsl"], USERS["deputy"]}
            alert = posts[USERS["dsl"]]
            assert NARRATIVE not in str(alert) and "bruise" not in str(alert).lower()
            assert "Amir" not in str(alert)
            header, body, actions = alert["blocks"]
            assert header == {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": ":rotating_light: Safeguarding concern logged",
                    "emoji": True,
                },
            }
            assert body["text"]["text"] == (
                "*Logged by:* Bilal Ahmed\n"
                "*When:* Tue 24 Nov 2026, 10:15\n"
                "*Year group:* Year 3\n"
                "Open the details in sendbot; they are not sent in chat."
            )
            assert [
                (b["text"]["text"], b["action_id"], b.get("style")) for b in actions["elements"]
            ] == [
                ("Acknowledge", sealed(sessions, action_ids.CONCERN_ACK, concern.id), "primary"),
                ("View details", sealed(sessions, action_ids.CONCERN_VIEW, concern.id), None),
            ]

            # A teacher who is not the DSL presses "View details" (a forwarded or forged tap).
            message = {
                "type": "message",
                "ts": "1764000000.000001",
                "text": alert["text"],
                "blocks": alert["blocks"],
            }
            await h.interact(
                payloads.message_button(
                    USERS["teacher"],
                    message,
                    sealed(sessions, action_ids.CONCERN_VIEW, concern.id),
                    channel="D0TEACHER",
                )
            )
            refusal = (await h.fake.wait_for("views.open", 2))[-1]
            assert NARRATIVE not in str(refusal.params)
            assert refusal.params["view"]["blocks"][0]["text"]["text"].startswith(
                "Only the designated safeguarding lead and deputies can open the details"
            )
            with sessions() as session:
                refused = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "concern.view_refused")
                ).one()
                assert (refused.actor_id, refused.object_id) == (
                    h.school.staff["teacher"],
                    concern.id,
                )

            # The DSL can, and that look is audited too.
            await h.interact(
                payloads.message_button(
                    USERS["dsl"],
                    message,
                    sealed(sessions, action_ids.CONCERN_VIEW, concern.id),
                    channel="D0DSL",
                )
            )
            opened = await h.fake.wait_for("views.open", 3)
            details = opened[-1].params["view"]
            assert details["callback_id"] == "concern.details"
            assert any(NARRATIVE in str(b) for b in details["blocks"])
            with sessions() as session:
                seen = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "concern.view")
                ).one()
                assert (seen.actor_id, seen.object_id, seen.pupil_id) == (
                    h.school.staff["dsl"],
                    concern.id,
                    h.school.pupils["amir"],
                )

    run(scenario())


async def the_teacher_logs_a_safeguarding_concern(h) -> None:  # type: ignore[no-untyped-def]
    """Amelia's teacher fills in the concern modal, safeguarding follow-ups and all."""
    await h.slack.link_unlinked_staff()
    view = await open_modal(h, "teacher")
    answers = {
        "pupil": h.school.pupils["amelia"],
        "narrative": NARRATIVE,
        "source": "staff",
        "area": "semh",
        "safeguarding": "yes",
        "immediate_danger": "no",
    }
    reply = await submit(h, "teacher", view, answers)
    await submit(h, "teacher", payloads.opened_view(reply["view"], {}), answers)


def test_acknowledge_updates_the_alert_and_records_who(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await the_teacher_logs_a_safeguarding_concern(h)
            await deliver_pending(h)
            alert = next(
                c.params
                for c in h.fake.called("chat.postMessage")
                if c.params["channel"] == USERS["dsl"]
            )
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
            message = {
                "type": "message",
                "ts": "1764000000.000002",
                "text": alert["text"],
                "blocks": alert["blocks"],
            }

            # A teacher cannot acknowledge a safeguarding alert.
            await h.interact(
                payloads.message_button(
                    USERS["teacher"],
                    message,
                    sealed(sessions, action_ids.CONCERN_ACK, concern.id),
                    channel="D0TEACHER",
                )
            )
            no = (await h.fake.wait_for("views.open", 2))[-1]
            assert (
                "Only the designated safeguarding lead"
                in no.params["view"]["blocks"][0]["text"]["text"]
            )

            await h.interact(
                payloads.message_button(
                    USERS["dsl"],
                    message,
                    sealed(sessions, action_ids.CONCERN_ACK, concern.id),
                    channel="D0DSL",
                )
            )
            (updated,) = await h.fake.wait_for("chat.update")
            assert (updated.params["channel"], updated.params["ts"]) == (
                "D0DSL",
                "1764000000.000002",
            )
            blocks = updated.params["blocks"]
            assert (
                blocks[-2]["elements"][0]["text"]
                == ":white_check_mark: Acknowledged by Martin Shaw at 10:15 on Tue 24 Nov"
            )
            assert [e["action_id"] for e in blocks[-1]["elements"]] == [
                sealed(sessions, action_ids.CONCERN_VIEW, concern.id)
            ]
            with sessions() as session:
                concern = session.get(Concern, concern.id)
                assert concern.acknowledged_at is not None and concern.status == "acknowledged"
                actions = session.scalars(select(ConcernAction)).all()
                assert [(a.kind, a.actor_id) for a in actions] == [
                    ("acknowledged", h.school.staff["dsl"])
                ]

            # The deputy pressing it later is told who was first.
            await h.interact(
                payloads.message_button(
                    USERS["deputy"],
                    message,
                    sealed(sessions, action_ids.CONCERN_ACK, concern.id),
                    channel="D0DEPUTY",
                )
            )
            opened = await h.fake.wait_for("views.open", 3)
            assert (
                "Martin Shaw acknowledged this"
                in opened[-1].params["view"]["blocks"][0]["text"]["text"]
            )

    run(scenario())


def test_an_alert_sent_before_its_buttons_were_sealed_can_still_be_acknowledged(db_url, sessions):
    """An alert already in the DSL's Slack when sendbot is upgraded carries the readable id
    of the old scheme ("safeguarding.ack:12"); Acknowledge must still work, for the DSL
    only, or escalation would go on for an alert the DSL has seen."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await the_teacher_logs_a_safeguarding_concern(h)
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
            old_id = f"{action_ids.CONCERN_ACK}:{concern.id}"
            message = {
                "type": "message",
                "ts": "1764000000.000009",
                "text": "Safeguarding concern logged",
                "blocks": [
                    {
                        "type": "actions",
                        "block_id": "actions",
                        "elements": [
                            {
                                "type": "button",
                                "text": {"type": "plain_text", "text": "Acknowledge"},
                                "action_id": old_id,
                            }
                        ],
                    }
                ],
            }
            await h.interact(
                payloads.message_button(USERS["teacher"], message, old_id, channel="D0TEACHER")
            )
            no = (await h.fake.wait_for("views.open", 2))[-1]
            assert (
                "Only the designated safeguarding lead"
                in no.params["view"]["blocks"][0]["text"]["text"]
            )
            await h.interact(
                payloads.message_button(USERS["dsl"], message, old_id, channel="D0DSL")
            )
            (updated,) = await h.fake.wait_for("chat.update")
            assert "Acknowledged by Martin Shaw" in str(updated.params["blocks"])
            with sessions() as session:
                assert session.get(Concern, concern.id).acknowledged_at is not None

    run(scenario())


async def with_sender(fn):  # type: ignore[no-untyped-def]
    fake = FakeSlack()
    await fake.start()
    try:
        return await fn(
            fake, SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.base_url))
        )
    finally:
        await fake.stop()


def new_concern_alert(sessions) -> OutgoingMessage:  # type: ignore[no-untyped-def]
    """A "concern.new" alert; its button ids are sealed with the database's keys."""
    with sessions() as session:
        return concern_alerts.render(
            session,
            "concern.new",
            {
                "concern_id": 7,
                "pupil_id": 1,
                "year_group": 0,
                "raised_by": "Hannah Price",
                "raised_at": datetime(2026, 6, 1, 8, 5, tzinfo=UTC).isoformat(),
                "area": "cognition_learning",
                "safeguarding": False,
            },
        )


TO = Recipient("slack", "U0SENCO", TEAM_ID)


def test_the_sender_posts_block_kit_and_reports_the_message_id(sessions):
    ALERT = new_concern_alert(sessions)

    async def go(fake, sender):  # type: ignore[no-untyped-def]
        outcome = await sender.send(TO, ALERT)
        (call,) = fake.called("chat.postMessage")
        assert call.params["channel"] == "U0SENCO"
        assert call.params["text"].startswith(
            "New concern logged\nLogged by: Hannah Price\nWhen: Mon 1 Jun 2026, 09:05"
        )
        assert call.params["blocks"][1]["text"]["text"].endswith(
            "*Year group:* Reception\n*Area:* Cognition and learning"
        )
        assert outcome == SendOutcome.sent("D0SENCO:1764000000.000001")

    run(with_sender(go))


def test_a_429_is_a_retry_after_slacks_wait_and_other_failures_are_sorted(sessions):
    ALERT = new_concern_alert(sessions)

    async def go(fake, sender):  # type: ignore[no-untyped-def]
        fake.fail_next(
            "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}
        )
        assert await sender.send(TO, ALERT) == SendOutcome.retry(7.0, "slack: rate limited")
        fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
        outcome = await sender.send(TO, ALERT)
        assert outcome.status == "retry" and outcome.retry_after_seconds is None
        fake.fail_next("chat.postMessage", 200, {"ok": False, "error": "user_not_found"})
        assert (await sender.send(TO, ALERT)).status == "blocked"
        fake.fail_next("chat.postMessage", 200, {"ok": False, "error": "invalid_auth"})
        assert await sender.send(TO, ALERT) == SendOutcome.failed("slack: invalid_auth")
        assert (await sender.send(TO, ALERT)).status == "sent"

    run(with_sender(go))


def test_an_unreachable_slack_is_a_retry(sessions):
    ALERT = new_concern_alert(sessions)

    async def go() -> None:
        async with ClientSession():
            pass
        sender = SlackSender(
            AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=2)
        )
        outcome = await sender.send(TO, ALERT)
        assert outcome.status == "retry"

    run(go())


def test_charts_go_by_files_upload_v2_into_the_same_conversation():
    async def go(fake, sender):  # type: ignore[no-untyped-def]
        chart = Attachment("progress.png", b"\x89PNG fake chart", "image/png", "Progress this term")
        message = OutgoingMessage(
            "Weekly digest\nSessions: 12", buttons=(Button("noop", "OK"),), attachments=(chart,)
        )
        outcome = await sender.send(TO, message)
        assert outcome.status == "sent"
        methods = [c.method for c in fake.calls]
        assert methods == [
            "chat.postMessage",
            "files.getUploadURLExternal",
            "files.completeUploadExternal",
        ]
        assert fake.uploads == [b"\x89PNG fake chart"]
        complete = fake.called("files.completeUploadExternal")[0].params
        assert complete["channel_id"] == "D0SENCO"

    run(with_sender(go))


def test_a_chart_that_fails_to_upload_does_not_send_the_message_twice():
    async def go(fake, sender):  # type: ignore[no-untyped-def]
        fake.fail_next(
            "files.getUploadURLExternal", 200, {"ok": False, "error": "not_allowed_token_type"}
        )
        chart = Attachment("progress.png", b"png", "image/png")
        outcome = await sender.send(
            TO, OutgoingMessage("Digest\nSessions: 3", attachments=(chart,))
        )
        assert outcome.status == "sent"
        assert outcome.detail == "slack: not uploaded: progress.png"
        assert len(fake.called("chat.postMessage")) == 1

    run(with_sender(go))


def test_when_the_deputy_acknowledges_the_dsls_copy_loses_its_acknowledge_button(db_url, sessions):
    """Every copy of the alert says who took it, through the outbox: a Slack outage when
    the copies are updated only delays it."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await the_teacher_logs_a_safeguarding_concern(h)
            await deliver_pending(h)
            with sessions() as session:
                concern = session.scalars(select(Concern)).one()
                deputy = session.get(Staff, h.school.staff["deputy"])
                assert deputy is not None
                copies = {
                    row.recipient_staff_id: row.platform_message_id
                    for row in session.scalars(
                        select(Outbox).where(Outbox.template == "safeguarding.alert")
                    )
                }
            dsl_channel, _, dsl_ts = str(copies[h.school.staff["dsl"]]).partition(":")
            deputy_channel, _, deputy_ts = str(copies[h.school.staff["deputy"]]).partition(":")
            posted = {c.params["channel"]: c.params for c in h.fake.called("chat.postMessage")}
            mine = posted[USERS["deputy"]]
            message = {"type": "message", "ts": deputy_ts, **mine}
            ack = sealed(sessions, action_ids.CONCERN_ACK, concern.id)
            await h.interact(
                payloads.message_button(USERS["deputy"], message, ack, channel=deputy_channel)
            )
            (own,) = await h.fake.wait_for("chat.update")  # the deputy's copy, at once
            assert own.params["ts"] == deputy_ts

            h.fake.fail_next("chat.update", 503, {"ok": False, "error": "service_unavailable"})
            h.fake.fail_next("chat.update", 503, {"ok": False, "error": "service_unavailable"})
            await deliver_pending(h)  # Slack is down: nothing is lost, the rows wait
            h.clock.set(h.clock.now() + timedelta(minutes=5))
            delivered = await deliver_pending(h)

            to_dsl = [
                c.params
                for c in h.fake.called("chat.update")
                if (c.params["channel"], c.params["ts"]) == (dsl_channel, dsl_ts)
            ]
            assert len(to_dsl) == 2  # refused once while Slack was down, then updated
            update = to_dsl[-1]
            labels = [
                e["text"]["text"]
                for b in update["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            assert labels == ["View details"]
            assert "Acknowledge" not in labels
            assert (
                f"Acknowledged by {deputy.display_name} at 10:15 on Tue 24 Nov"
                in (update["blocks"][1]["text"]["text"])
            )
            assert {
                status for row, status in delivered if row.template == "safeguarding.acknowledged"
            } == {"sent"}
            # Updated in place: nobody was sent a second message.
            assert len(h.fake.called("chat.postMessage")) == len(posted)

    run(scenario())


def test_an_alert_acknowledged_before_it_reached_the_dsl_arrives_acknowledged(db_url, sessions):
    """The deputy took it elsewhere (Telegram, the web page) while the DSL's copy was still
    waiting to go: it goes, saying so, with nothing to acknowledge."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await the_teacher_logs_a_safeguarding_concern(h)
            with sessions() as session, session.begin():
                concern = session.scalars(select(Concern)).one()
                deputy = staff_actor_by_id(session, h.school.staff["deputy"])
                assert deputy is not None
                assert safeguarding.acknowledge(session, deputy, concern.id, NOW).first
            await deliver_pending(h)
            alert = next(
                c.params
                for c in h.fake.called("chat.postMessage")
                if c.params["channel"] == USERS["dsl"]
            )
            labels = [
                e["text"]["text"]
                for b in alert["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
            ]
            assert labels == ["View details"]
            assert f"Acknowledged by {deputy.name} at 10:15 on Tue 24 Nov" in alert["text"]
            assert h.fake.called("chat.update") == []  # nothing was out to update

    run(scenario())
