"""Staff on Telegram tap the scheduler's buttons: the real PTB Application, the fake Bot API.

A deadline reminder's Done marks it done and its reminders stop; a referral chase's "They
have replied" is recorded in the pupil's chronology; a tap by someone not allowed is
refused and audited, and changes nothing. An alert's Acknowledge works from Telegram for the
safeguarding leads; its details are never sent into the chat.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select

from sendbot.domain.needs import Area
from sendbot.scheduling import jobs
from sendbot.services import action_ids, concerns, escalation, invites
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, ConcernAction, Deadline, EhcCase, Pupil
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import WEB_URL, Harness

SENCO = person(7501, "Grace", language_code="en")
TEACHER = person(7502, "Hannah", language_code="en")
DSL = person(7503, "Martin", language_code="en")


async def _link(h: Harness, who: dict, staff_id: int) -> None:  # type: ignore[type-arg]
    with h.core.sessions() as session, session.begin():
        code = invites.create_staff_invite(session, staff_id, h.clock.now(), BOT_USERNAME).code
    await h.send(text_update(who, f"/start {code}"))


def test_done_and_they_have_replied_from_telegram(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)
    pupil = school.pupils["amir"]

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            await _link(h, SENCO, school.staff["senco"])
            await _link(h, TEACHER, school.staff["teacher"])
            await _link(h, DSL, school.staff["dsl"])
            with h.core.sessions() as session, session.begin():
                session.info["sendbot.now"] = NOW
                session.add(
                    EhcCase(
                        pupil_id=school.pupils["amelia"], advice_requested_on=date(2026, 10, 27)
                    )
                )
                # Being assessed for a plan, not on SEN support (whose reviews are due too).
                session.get(Pupil, school.pupils["amelia"]).sen_status = "none"
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, NOW) == 1
            await h.deliver()
            reminder = [
                c
                for c in fake_api.of("sendMessage", SENCO["id"])
                if c.params["text"].startswith("Deadline")
            ][-1]
            [(label, done_id)] = reminder.buttons
            with h.core.sessions() as session:
                done = action_ids.decode(session, done_id)
            assert label == "Done" and done is not None and done.kind == action_ids.DEADLINE_DONE
            deadline_id = done.subject_id

            # Someone else's reminder, tapped by the class teacher: refused, audited.
            await h.send(tap_update(TEACHER, done_id))
            assert fake_api.texts(TEACHER["id"])[-1].startswith(
                "Only the owner of this deadline can mark it done"
            )
            # The SENCO's tap: done, the buttons go, and no more reminders.
            before = len(fake_api.of("editMessageReplyMarkup"))
            await h.send(tap_update(SENCO, done_id))
            assert fake_api.texts(SENCO["id"])[-1].startswith("Marked done:")
            assert len(fake_api.of("editMessageReplyMarkup")) == before + 1
            answers = fake_api.of("answerCallbackQuery")
            assert answers[-1].params["text"].startswith("Marked done:")
            with h.core.sessions() as session:
                assert session.get(Deadline, deadline_id).status == "done"
                refused = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "button.refused")
                ).one()
                assert refused.actor_id == school.staff["teacher"]
            week_on = NOW + timedelta(days=7)
            h.clock.set(week_on)
            assert jobs.run(h.core.sessions, jobs.sweep_deadline_reminders, week_on) == 0

            # A referral, and the chase a working day later.
            with h.core.sessions() as session, session.begin():
                session.info["sendbot.now"] = week_on
                teacher = staff_actor_by_id(session, school.staff["teacher"])
                dsl = staff_actor_by_id(session, school.staff["dsl"])
                concern = concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(pupil, Area.SEMH, "What was seen.", safeguarding=True),
                    week_on,
                ).concern_id
                escalation.record_referral(session, dsl, concern, week_on)
            chase_at = week_on + timedelta(days=1)
            h.clock.set(chase_at)
            assert jobs.run(h.core.sessions, escalation.check_referral_chases, chase_at) >= 1
            await h.deliver()
            chase = [
                c
                for c in fake_api.of("sendMessage", DSL["id"])
                if c.params["text"].startswith("Referral follow-up")
            ][-1]
            # The alert's own buttons work from Telegram too, for the right people.
            alert = [
                c
                for c in fake_api.of("sendMessage", DSL["id"])
                if c.params["text"].startswith("Safeguarding concern logged")
            ][-1]
            ack, view = (data for _, data in alert.buttons)
            await h.send(tap_update(TEACHER, ack))
            assert fake_api.texts(TEACHER["id"])[-1].startswith(
                "Only the designated safeguarding lead and deputies can acknowledge this."
            )
            # View details: never the details in the chat, a one-time link to the page.
            await h.send(tap_update(TEACHER, view))
            assert fake_api.texts(TEACHER["id"])[-1].startswith(
                "Only the designated safeguarding lead and deputies can open the details"
            )
            await h.send(tap_update(DSL, view))
            sent = fake_api.texts(DSL["id"])[-1]
            assert sent.startswith(f"Here is your sign-in link to concern #{concern}.")
            assert f"{WEB_URL}/staff/sign-in/" in sent and "What was seen" not in sent
            await h.send(tap_update(DSL, ack))
            assert fake_api.texts(DSL["id"])[-1] == (
                "Acknowledged. Nobody else will be escalated to about this alert."
            )
            await h.send(tap_update(DSL, ack))
            assert fake_api.texts(DSL["id"])[-1] == (
                "Martin Shaw acknowledged this at 10:15 on Wed 2 Dec."
            )
            replied = dict(chase.buttons)["They have replied"]
            await h.send(tap_update(TEACHER, replied))
            assert "Only the designated safeguarding lead" in fake_api.texts(TEACHER["id"])[-1]
            await h.send(tap_update(DSL, replied))
            assert fake_api.texts(DSL["id"])[-1].startswith(
                "Recorded: the local authority has replied."
            )
            with h.core.sessions() as session:
                kinds = session.scalars(
                    select(ConcernAction.kind).where(ConcernAction.concern_id == concern)
                ).all()
                assert "la_response" in kinds
                chronology = session.scalars(
                    select(AuditEvent.action).where(AuditEvent.pupil_id == pupil)
                ).all()
                assert "concern.la_response" in chronology
                assert chronology.count("button.refused") == 1  # the teacher's second try

    asyncio.run(scenario())
