"""Who may use sendbot in Slack, signatures, retries, and failures answered kindly."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from sendbot.handlers.slack.admission import NOT_SET_UP
from sendbot.handlers.slack.errors import KEPT, SORRY
from sendbot.store.models import AuditEvent, Identity, ProcessedEvent
from tests.slack import payloads
from tests.slack.harness import STRANGER, USERS, running


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_someone_not_on_the_staff_list_gets_a_polite_refusal_and_nothing_else(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            response = await h.command(STRANGER, "concern")
            assert response.status == 200
            assert await response.json() == {"response_type": "ephemeral", "text": NOT_SET_UP}
            assert "ask your SENCO" in NOT_SET_UP
            await asyncio.sleep(0.2)
            assert [c.method for c in h.fake.calls] == ["auth.test", "users.info"]
            assert count(sessions, Identity) == 0

    run(scenario())


def test_a_staff_email_in_another_workspace_is_not_this_school(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            h.fake.add_user("U0IMPOSTOR", "teacher@oakfield.example", team_id="T0ELSEWHERE")
            body, headers = payloads.form_request(
                payloads.slash_command("U0IMPOSTOR", "concern", team_id="T0ELSEWHERE")
            )
            response = await h.post(body, headers)
            assert (await response.json())["text"] == NOT_SET_UP
            assert count(sessions, Identity) == 0
            assert h.fake.called("views.open") == []

    run(scenario())


def test_a_refused_shortcut_and_home_tab_say_so_politely(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.interact(payloads.global_shortcut(STRANGER, "log_concern"))
            (opened,) = await h.fake.wait_for("views.open")
            assert opened.params["view"]["blocks"][0]["text"]["text"] == NOT_SET_UP
            await h.event(payloads.app_home_opened(STRANGER, event_id="Ev0STRANGER"))
            (published,) = await h.fake.wait_for("views.publish")
            assert published.params["view"] == {
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": NOT_SET_UP}}],
            }

    run(scenario())


def test_a_slack_user_is_matched_by_email_once_then_remembered(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.command("teacher", "help")
            await h.command("teacher", "help")
            assert len(h.fake.called("users.info")) == 1
            with sessions() as session:
                link = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "identity.link")
                ).one()
                assert link.actor_id == h.school.staff["teacher"]

    run(scenario())


def test_unsigned_or_stale_requests_get_401_and_change_nothing(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            fields = payloads.slash_command(USERS["teacher"], "concern")
            body, headers = payloads.form_request(fields)
            unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
            assert (await h.post(body, unsigned)).status == 401
            stale_body, stale = payloads.form_request(fields, timestamp=int(time.time()) - 6 * 60)
            assert (await h.post(stale_body, stale)).status == 401
            _, wrong = payloads.form_request(fields, secret="not-the-signing-secret")
            assert (await h.post(body, wrong)).status == 401
            tampered = body.replace("concern", "session")
            assert (await h.post(tampered, headers)).status == 401
            await asyncio.sleep(0.1)
            assert h.fake.calls == []
            assert count(sessions, Identity) == 0

    run(scenario())


def test_a_retried_event_is_processed_once(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            event = payloads.app_home_opened(USERS["teacher"], event_id="Ev0HOME1")
            first = await h.event(event)
            assert first.status == 200
            await h.fake.wait_for("views.publish")
            retry = await h.event(
                event, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            )
            assert retry.status == 200
            again = await h.event(event)
            assert again.status == 200
            await asyncio.sleep(0.3)
            assert len(h.fake.called("views.publish")) == 1
            assert count(sessions, ProcessedEvent) == 1
            other = payloads.app_home_opened(USERS["teacher"], event_id="Ev0HOME2")
            await h.event(other)
            await h.fake.wait_for("views.publish", 2)

    run(scenario())


def test_a_failure_inside_a_listener_is_answered_kindly(db_url, sessions, monkeypatch):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:

            def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
                raise RuntimeError("the database fell over")

            monkeypatch.setattr(h.slack.forms, "preview", broken)
            response = await h.command(
                "teacher", "concern", response_url=h.fake.response_url("cmd")
            )
            assert response.status == 200
            ((name, message),) = await h.fake.wait_for_response()
            assert name == "cmd"
            assert message["text"] == SORRY
            assert h.fake.called("views.open") == []

            monkeypatch.setattr(h.slack.forms, "submit", broken)
            view = {
                "type": "modal",
                "id": "V0X",
                "callback_id": "flow:log_concern",
                "private_metadata": '{"flow": "log_concern"}',
                "blocks": [],
                "state": {"values": {}},
                "hash": "1.x",
            }
            response = await h.interact(payloads.view_submission(USERS["teacher"], view))
            body = await response.json()
            assert body["response_action"] == "update"  # the same form, kept, says so
            assert body["view"]["blocks"][0]["text"]["text"] == f":warning: *{KEPT}*"
            assert body["view"]["private_metadata"] == view["private_metadata"]

    run(scenario())


def test_socket_mode_receives_a_slash_command_without_any_public_endpoint(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions, app_token="xapp-1-A0SENDBOT-socket") as h:
            assert (await h.client.post("/slack/events", data=b"")).status == 404
            reply = await h.fake.envelope(
                "slash_commands", payloads.slash_command(USERS["teacher"], "concern")
            )
            assert reply["envelope_id"].startswith("env-")
            (opened,) = await h.fake.wait_for("views.open")
            assert opened.params["view"]["callback_id"] == "flow:log_concern"
            (connect,) = h.fake.called("apps.connections.open")
            assert connect.token == "xapp-1-A0SENDBOT-socket"

    run(scenario())


def test_when_the_records_cannot_be_reached_the_person_is_told_kindly(
    db_url, sessions, monkeypatch
):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:

            def down(*args, **kwargs):  # type: ignore[no-untyped-def]
                raise RuntimeError("database unavailable")

            monkeypatch.setattr(h.slack, "admit", down)
            response = await h.command("teacher", "concern")
            assert response.status == 200
            assert await response.json() == {"response_type": "ephemeral", "text": SORRY}

    run(scenario())


def test_someone_sending_too_fast_is_asked_to_wait_and_nothing_else_happens(db_url, sessions):
    from sendbot.services import rate_limit

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            for _ in range(rate_limit.DEFAULT.messages):
                response = await h.command("teacher", "help")
                assert (await response.json())["text"] != rate_limit.SLOW_DOWN
            h.fake.calls.clear()
            refused = await h.command("teacher", "concern")
            assert await refused.json() == {
                "response_type": "ephemeral",
                "text": rate_limit.SLOW_DOWN,
            }
            other = await h.command("senco", "help")
            assert (await other.json())["text"] != rate_limit.SLOW_DOWN
            await asyncio.sleep(0.2)
            assert "views.open" not in [c.method for c in h.fake.calls]

    run(scenario())
