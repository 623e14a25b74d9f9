"""Commands, talking to school, parents' views and reminders, through the real Application."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sendbot.conversations.engine import ChatRef
from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.registry import render as render_outbox
from sendbot.services import invites, meetings, parents
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity, Invitation, ParentMessage, SupportPlan, Target
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian

ANNA = person(7201, "Anna", language_code="pl")


async def link(h: Harness, guardian_id: int, who: dict) -> None:
    with h.core.sessions() as session, session.begin():
        invite = invites.create_guardian_invite(session, guardian_id, h.clock.now(), BOT_USERNAME)
    await h.send(text_update(who, f"/start {invite.code}"))


def test_mychild_help_language_and_stop(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        plan = SupportPlan(
            pupil_id=school.pupils["kacper"],
            kind="sen_support",
            started_on=date(2026, 9, 7),
            next_review_on=date(2027, 1, 20),
        )
        session.add(plan)
        session.flush()
        session.add(
            Target(
                plan_id=plan.id,
                pupil_id=school.pupils["kacper"],
                staff_wording="Decode CVC words with digraphs ch/sh with 80% accuracy",
                parent_wording="Read short words with 'ch' and 'sh' in them",
                area="cognition_learning",
                due_on=date(2027, 1, 15),
            )
        )

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            await link(h, anna.guardian_id, ANNA)
            await h.send(text_update(ANNA, "/mychild"))
            page = fake_api.texts(ANNA["id"])[-1]
            assert "Kacper Wiśniewski" in page
            assert "Read short words with 'ch' and 'sh' in them" in page
            assert "Decode CVC" not in page  # staff wording stays with staff
            assert "Next review" in page
            await h.send(text_update(ANNA, "/help"))
            assert "/mychild" in fake_api.texts(ANNA["id"])[-1]
            await h.send(text_update(ANNA, "/language"))
            assert len(fake_api.of("sendMessage", ANNA["id"])[-1].buttons) == 13

            await h.send(text_update(ANNA, "/stop"))
            stopped = fake_api.texts(ANNA["id"])[-1]
            assert "will not get any more messages" in stopped
            assert "ask the school for a new invitation" in stopped
            with h.core.sessions() as session:
                assert not session.query(Identity).one().active
            assert [r.recipient_staff_id for r in h.outbox(parents.STAFF_STOPPED)] == [
                school.staff["senco"]
            ]
            # /stop is final for this chat: only a new invitation from the school links it.
            # The chat no longer speaks for Anna, so it is answered in its app's language.
            unlinked = Writer(resolve("pl"))._(
                "This chat is no longer connected to the school. To connect again, please ask "
                "the school for a new invitation."
            )
            await h.send(text_update(ANNA, "Hello?"))
            assert fake_api.texts(ANNA["id"])[-1] == unlinked
            await h.send(text_update(ANNA, "/start"))
            assert fake_api.texts(ANNA["id"])[-1] == unlinked
            with h.core.sessions() as session:
                assert not session.query(Identity).one().active
            await link(h, anna.guardian_id, ANNA)
            assert "Hello Anna" in fake_api.texts(ANNA["id"])[-1]
            with h.core.sessions() as session:
                assert session.query(Identity).one().active

    asyncio.run(scenario())


def test_talk_to_school_out_of_hours_and_a_staff_reply(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    evening = NOW.replace(hour=20, minute=30)  # 20:30 in London in November

    async def scenario() -> None:
        async with Harness(db_url, fake_api, at=evening) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            await link(h, anna.guardian_id, ANNA)
            await h.send(text_update(ANNA, "Kacper was upset after school today. Can we talk?"))
            said = fake_api.texts(ANNA["id"])[-1]
            assert "has gone to the school" in said
            assert "closed now" in said and "999" in said
            notices = h.outbox(parents.STAFF_PARENT_MESSAGE)
            to = sorted(n.recipient_staff_id for n in notices)
            assert to == sorted([school.staff["senco"], school.staff["teacher4"]])
            with h.core.sessions() as session:
                staff_view = render_outbox(notices[0].template, notices[0].params, "en_GB", session)
            assert "upset" not in str(notices[0].params)  # the text stays encrypted
            assert "Kacper Wiśniewski (4R)" in staff_view.text and "upset" in staff_view.text

            with h.core.sessions() as session, session.begin():
                message = session.query(ParentMessage).one()
                teacher = staff_actor_by_id(session, school.staff["teacher4"])
                outsider = staff_actor_by_id(session, school.staff["teacher"])
                assert teacher is not None and outsider is not None
                try:
                    parents.staff_reply(session, outsider, message.id, "Hi", h.clock.now())
                except parents.PermissionDenied:
                    pass
                else:
                    raise AssertionError("a teacher of another class answered")
                parents.staff_reply(
                    session, teacher, message.id, "Thank you. I will call you at 9am.", NOW
                )
            h.clock.advance(timedelta(hours=12))
            await h.deliver()
            reply = fake_api.texts(ANNA["id"])[-1]
            assert "I will call you at 9am" in reply

    asyncio.run(scenario())


def test_parents_views_go_into_the_review_papers(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            await link(h, anna.guardian_id, ANNA)
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                scheduled = meetings.schedule(
                    session,
                    senco,
                    pupil_id=school.pupils["kacper"],
                    kind="annual_review",
                    starts_at=NOW + timedelta(days=20),
                    video_link="https://meet.school.example/review",
                    now=NOW,
                )
            fake_api.clear()
            h.clock.advance(timedelta(minutes=1))
            await h.deliver()  # the invitation
            h.clock.advance(meetings.VIEWS_DELAY)
            await h.deliver()  # then the question about views
            ask = next(c for c in fake_api.of("sendMessage", ANNA["id"]) if len(c.buttons) == 2)
            assert "views" in ask.params["text"]
            await h.send(tap_update(ANNA, ask.buttons[0][1]))
            assert "What is going well" in fake_api.texts(ANNA["id"])[-1]
            await h.send(text_update(ANNA, "He loves football club."))
            worries = fake_api.of("sendMessage", ANNA["id"])[-1]
            skip = next(data for label, data in worries.buttons if label == "Skip this question")
            await h.send(tap_update(ANNA, skip))
            await h.send(text_update(ANNA, "To read on his own."))
            summary = fake_api.of("sendMessage", ANNA["id"])[-1]
            assert "He loves football club." in summary.params["text"]
            await h.send(tap_update(ANNA, summary.buttons[0][1]))
            assert "views are saved" in fake_api.texts(ANNA["id"])[-1]
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                papers = meetings.review_papers(session, senco, scheduled.meeting_id, NOW)
            assert papers.guardians[0].views == {
                "going_well": "He loves football club.",
                "worries": None,
                "hopes": "To read on his own.",
            }
            assert h.outbox(meetings.STAFF_VIEWS)
            # The SENCO reads them step by step: "papers", then the pupil.
            chat = ChatRef("console", "senco")
            h.core.conversations.handle(chat, senco, "papers")
            papers_text = h.core.conversations.handle(chat, senco, "kacper").text
            assert "EHCP annual review for Kacper Wiśniewski" in papers_text
            assert "Anna Wiśniewska: not answered yet" in papers_text
            assert "- Going well: He loves football club." in papers_text
            assert "- Worries: (skipped)" in papers_text
            # A message after the dialog goes to school as usual, not into the views.
            await h.send(text_update(ANNA, "Thank you"))
            assert "has gone to the school" in fake_api.texts(ANNA["id"])[-1]

    asyncio.run(scenario())


def test_reminders_seven_days_and_one_day_before(db_url, sessions) -> None:
    school = build_small_school(sessions)
    families = [
        add_guardian(sessions, school, key, first, "Khan", [pupil])
        for key, first, pupil in (
            ("a", "Sara", "amelia"),
            ("b", "Omar", "amir"),
            ("c", "Lina", "ruby"),
        )
    ]
    starts = NOW + timedelta(days=14)
    with sessions() as session, session.begin():
        for family in families:  # each reachable on Telegram
            session.add(
                Identity(
                    platform="telegram",
                    external_id=f"chat-{family.guardian_id}",
                    guardian_id=family.guardian_id,
                    created_at=NOW,
                )
            )
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        ids = [
            meetings.schedule(
                session,
                senco,
                pupil_id=family.pupil_ids[0],
                kind="parent_meeting",
                starts_at=starts,
                place="Office",
                now=NOW,
            ).invitation_ids[0]
            for family in families
        ]
        answered = session.get(Invitation, ids[1])
        declined = session.get(Invitation, ids[2])
        assert answered is not None and declined is not None
        answered.rsvp, declined.rsvp = "yes", "no"

    def sweep(at):  # type: ignore[no-untyped-def]
        with sessions() as session, session.begin():
            return meetings.sweep_reminders(session, at)

    assert sweep(NOW + timedelta(days=6)) == 0
    assert sweep(starts - timedelta(days=7)) == 1  # the unanswered one
    assert sweep(starts - timedelta(days=7, minutes=-5)) == 0  # idempotent
    assert sweep(starts - timedelta(hours=23)) == 2  # unanswered again, accepted once
    with sessions() as session:
        from sqlalchemy import select

        from sendbot.store.models import Outbox

        rows = session.scalars(select(Outbox).where(Outbox.template == meetings.REMINDER)).all()
    kinds = sorted((r.recipient_guardian_id, r.params["reminder"], r.params["days"]) for r in rows)
    assert kinds == sorted(
        [
            (families[0].guardian_id, "unanswered", 7),
            (families[0].guardian_id, "unanswered", 1),
            (families[1].guardian_id, "accepted", 1),
        ]
    )
    accepted = next(r for r in rows if r.params["reminder"] == "accepted")
    message = render_outbox(accepted.template, accepted.params, "en_GB")
    assert "tomorrow" in message.text and not message.buttons


def test_a_parent_who_blocked_the_bot_is_marked_inactive_and_the_school_told_once(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            anna = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            await link(h, anna.guardian_id, ANNA)
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                for days in (10, 11):
                    meetings.schedule(
                        session,
                        senco,
                        pupil_id=school.pupils["kacper"],
                        kind="parent_meeting",
                        starts_at=NOW + timedelta(days=days),
                        place="Office",
                        now=NOW,
                    )
            blocked = {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
            fake_api.fail_next("sendMessage", 403, blocked)
            fake_api.fail_next("sendMessage", 403, blocked)
            report = await h.deliver()
            assert report.blocked >= 1
            with h.core.sessions() as session:
                assert not session.query(Identity).one().active
            told = h.outbox(parents.STAFF_BLOCKED)
            assert len(told) == 1  # the SENCO, once, however many messages bounced

    asyncio.run(scenario())
