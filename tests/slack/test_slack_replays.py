"""A signed Slack request replayed inside its five minutes does nothing twice.

Slack signs each request with its timestamp; a copy of the same bytes passes the signature
check for five minutes. Events are counted once by their event id; every other request
(a form, a button, a command, a shortcut, a search) is counted once by its signature, and a
form once per version of it. A replay gets a plain 200 and changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from sendbot.domain.needs import Area
from sendbot.scheduling import jobs
from sendbot.services import action_ids, concerns, escalation
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Concern, ConcernAction
from tests.factories import NOW
from tests.slack import payloads
from tests.slack.harness import USERS, filled, open_modal, running
from tests.slack.test_slack_modals import answers_for, run
from tests.slack.test_slack_scheduler_buttons import deliver, posted_to, sealed, tap


def concerns_saved(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Concern)) or 0


def test_the_same_signed_form_posted_twice_saves_one_concern(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = filled(await open_modal(h, "teacher"), answers_for(h))
            body, headers = payloads.interactive(payloads.view_submission(USERS["teacher"], view))
            first = await h.post(body, headers)
            assert first.status == 200
            assert (await first.json())["view"]["callback_id"] == "sendbot.done"
            replay = await h.post(body, headers)
            assert replay.status == 200 and await replay.text() == ""
            assert concerns_saved(sessions) == 1

    run(scenario())


def test_one_version_of_a_form_saves_once_however_it_is_signed(db_url, sessions):
    """Pressing Save twice on the same form, or a copy of it signed afresh, is one concern;
    the next form, or the same form corrected after a question to fix, is saved."""

    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            view = filled(await open_modal(h, "teacher"), answers_for(h, narrative=None))
            asked = await h.interact(payloads.view_submission(USERS["teacher"], view))
            assert (await asked.json())["response_action"] == "errors"  # say what happened
            fixed = filled(view, answers_for(h))  # the same version, the question answered
            saved = await h.interact(payloads.view_submission(USERS["teacher"], fixed))
            assert (await saved.json())["view"]["callback_id"] == "sendbot.done"
            again = await h.interact(payloads.view_submission(USERS["teacher"], fixed))
            assert again.status == 200 and await again.text() == ""
            assert concerns_saved(sessions) == 1

            other = filled(await open_modal(h, "teacher"), answers_for(h))
            await h.interact(payloads.view_submission(USERS["teacher"], other))
            assert concerns_saved(sessions) == 2

    run(scenario())


def test_three_identical_chase_taps_record_one_chase(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            await h.slack.link_unlinked_staff()
            with sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                teacher = staff_actor_by_id(session, h.school.staff["teacher"])
                dsl = staff_actor_by_id(session, h.school.staff["dsl"])
                concern = concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(
                        h.school.pupils["amir"], Area.SEMH, "What was seen.", safeguarding=True
                    ),
                    NOW,
                ).concern_id
                escalation.record_referral(session, dsl, concern, NOW)
            later = NOW + timedelta(days=1)
            h.clock.set(later)
            assert jobs.run(sessions, escalation.check_referral_chases, later) >= 1
            await deliver(h)
            chase = posted_to(h, "dsl", "Referral follow-up")
            chased = sealed(sessions, action_ids.REFERRAL_CHASED, concern)

            body, headers = payloads.interactive(tap("dsl", chase, chased))
            answers = [await h.post(body, headers) for _ in range(3)]
            assert [r.status for r in answers] == [200, 200, 200]
            await h.fake.wait_for("chat.update", 1)
            with sessions() as session:
                chases = session.scalar(
                    select(func.count())
                    .select_from(ConcernAction)
                    .where(
                        ConcernAction.concern_id == concern,
                        ConcernAction.kind == "referral_chase",
                    )
                )
            assert chases == 1
            assert len(h.fake.called("chat.update")) == 1

    run(scenario())


def test_a_replayed_slash_command_opens_one_form(db_url, sessions):
    async def scenario() -> None:
        async with running(db_url, sessions) as h:
            command = payloads.slash_command(USERS["teacher"], "concern")
            body, headers = payloads.form_request(command)
            first = await h.post(body, headers)
            replay = await h.post(body, headers)
            assert first.status == replay.status == 200
            assert await replay.text() == ""
            await h.fake.wait_for("views.open", 1)
            await asyncio.sleep(0.2)  # a second form would have been opened by now
            assert len(h.fake.called("views.open")) == 1

    run(scenario())
