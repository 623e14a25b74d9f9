"""End to end through the real Application: invite, link, Polish, invitation, interpreter.

Updates are Bot API payloads fed to `Application.process_update`; every Bot API call goes
through python-telegram-bot to the fake server on 127.0.0.1, which records it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import Writer
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.messages.registry import render as render_outbox
from sendbot.services import invites, meetings
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Guardian, Identity, Invitation, Invite, Meeting
from tests.factories import NOW, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, tap_update, text_update
from tests.telegram.harness import Harness, add_guardian

PARENT = person(7001, "Anna", language_code="pl")


def test_invite_link_polish_invitation_interpreter_and_an_old_button(
    db_url: str, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def journey() -> None:
        async with Harness(db_url, fake_api) as h:
            family = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                invite = invites.create_guardian_invite(
                    session, family.guardian_id, NOW, BOT_USERNAME, actor=senco
                )
            assert invite.link == f"https://t.me/{BOT_USERNAME}?start={invite.code}"
            assert invite.qr_png().startswith(b"\x89PNG")
            with h.core.sessions() as session:
                stored = session.get(Invite, invite.invite_id)
                assert stored is not None and invite.code not in stored.code_hash
                assert stored.expires_at == NOW + timedelta(days=14)

            # The parent taps the link: Telegram sends "/start CODE".
            await h.send(text_update(PARENT, f"/start {invite.code}"))
            greeting = fake_api.of("sendMessage", PARENT["id"])[-1]
            assert "Hello Anna" in greeting.params["text"]
            labels = [label for label, _ in greeting.buttons]
            assert {"English", "polski", "اردو", "ਪੰਜਾਬੀ (ਗੁਰਮੁਖੀ)", "বাংলা"} <= set(labels)

            # They choose Polish.
            polish = next(data for label, data in greeting.buttons if label == "polski")
            await h.send(tap_update(PARENT, polish))
            assert fake_api.of("answerCallbackQuery")
            with h.core.sessions() as session:
                guardian = session.get(Guardian, family.guardian_id)
                assert guardian is not None and guardian.preferred_language == "pl"
            menu = fake_api.of("setMyCommands")[-1]
            assert menu.params["scope"] == {"type": "chat", "chat_id": PARENT["id"]}

            # The SENCO schedules a review.
            starts = NOW + timedelta(days=21)
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                scheduled = meetings.schedule(
                    session,
                    senco,
                    pupil_id=school.pupils["kacper"],
                    kind="sen_support_review",
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=45),
                    place="Room 4, Oakfield Primary School",
                    attendees=["SENCO", "Class teacher"],
                    now=NOW,
                )
            assert len(scheduled.invitation_ids) == 1
            fake_api.clear()
            h.clock.advance(timedelta(seconds=5))
            await h.deliver()

            # The invitation arrives in Polish, with four buttons and a calendar file.
            invitation = next(
                c for c in fake_api.of("sendMessage", PARENT["id"]) if len(c.buttons) == 4
            )
            text = invitation.params["text"]
            polish = Writer(resolve("pl"))
            assert polish._("Date: {date}", date="") in text  # the Polish catalog's words
            # What staff typed is spelt out, and said to be in English: no translator here.
            people = "Special educational needs co-ordinator (SENCO), Class teacher"
            assert polish._("Who will be there: {people}", people=people) in text
            assert "Niektóre części tej wiadomości są po angielsku" in text
            assert text.endswith(polish._(MACHINE_NOTICE))
            row = h.outbox(meetings.INVITATION)[0]
            expected = render_outbox(row.template, {**row.params, "_now": NOW.isoformat()}, "pl")
            assert text == expected.text
            labels = [label for label, _ in invitation.buttons]
            assert labels == [
                polish._("I will come"),
                polish._("I cannot come"),
                polish._("Please offer another time"),
                polish._("I need an interpreter"),
            ]
            assert labels[0] == "Przyjdę" and labels[3] == "Potrzebuję tłumacza"
            ids = [data for _, data in invitation.buttons]
            assert len(set(ids)) == 4 and all(len(i.encode()) < 64 for i in ids)
            assert not any(f":{scheduled.invitation_ids[0]}" in i for i in ids)  # opaque
            document = fake_api.of("sendDocument", PARENT["id"])[0]
            filename, content = document.files["document"]
            assert filename == "meeting.ics"
            assert b"BEGIN:VCALENDAR" in content and b"LANGUAGE=pl" in content

            # "I need an interpreter".
            interpreter = invitation.buttons[3][1]
            await h.send(tap_update(PARENT, interpreter))
            with h.core.sessions() as session:
                row = session.get(Invitation, scheduled.invitation_ids[0])
                assert row is not None and row.interpreter_requested and row.rsvp is None
            notices = h.outbox(meetings.STAFF_RSVP)
            assert [n.recipient_staff_id for n in notices] == [school.staff["senco"]]
            notice = render_outbox(notices[0].template, notices[0].params, "en_GB")
            assert "needs an interpreter" in notice.text and "Polish" in notice.text

            # Tapping it again is handled kindly, and tells nobody twice.
            await h.send(tap_update(PARENT, interpreter))
            assert fake_api.texts(PARENT["id"])[-1] == (
                polish._(
                    "We already know you would like an interpreter. The school will arrange it."
                )
                + "\n\n"
                + polish._(MACHINE_NOTICE)  # a chat reply says it is unchecked, too
            )
            assert len(h.outbox(meetings.STAFF_RSVP)) == 1

            # The meeting moves: the old message's buttons say so, and record nothing.
            with h.core.sessions() as session, session.begin():
                meeting = session.get(Meeting, scheduled.meeting_id)
                assert meeting is not None
                meeting.starts_at = starts + timedelta(days=1)
            await h.send(tap_update(PARENT, invitation.buttons[0][1]))
            assert fake_api.texts(PARENT["id"])[-1] == (
                polish._(
                    "This meeting has changed since that message. "
                    "Please use the buttons in the newest message about it."
                )
                + "\n\n"
                + polish._(MACHINE_NOTICE)
            )
            with h.core.sessions() as session:
                row = session.get(Invitation, scheduled.invitation_ids[0])
                assert row is not None and row.rsvp is None

    asyncio.run(journey())


def test_a_used_code_a_strangers_chat_and_a_group_are_refused(
    db_url: str, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)
    other = person(7002, "Olek", language_code="en")

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            family = add_guardian(h.core.sessions, school, "anna", "Anna", "Wiśniewska", ["kacper"])
            with h.core.sessions() as session, session.begin():
                invite = invites.create_guardian_invite(
                    session, family.guardian_id, NOW, BOT_USERNAME
                )
            # A group chat never links, even with a good code.
            await h.send(text_update(PARENT, f"/start {invite.code}", chat_type="group"))
            refusal = Writer(resolve("pl"))._(
                "I only talk in private chats. Please message me directly."
            )
            assert fake_api.of("sendMessage")[-1].params["text"] == refusal
            await h.send(text_update(PARENT, f"/start {invite.code}"))
            # The same code from someone else's phone.
            await h.send(text_update(other, f"/start {invite.code}"))
            assert "already been used" in fake_api.texts(other["id"])[-1]
            # The stranger types to the school: a polite refusal and nothing else.
            await h.send(text_update(other, "What is Kacper working on?"))
            assert "only talk to parents and carers" in fake_api.texts(other["id"])[-1]
            await h.send(text_update(other, "/mychild"))
            assert "Kacper" not in fake_api.texts(other["id"])[-1]
            with h.core.sessions() as session:
                linked = session.scalars(select(Identity)).all()
                assert [i.external_id for i in linked] == [str(PARENT["id"])]
            # Nothing for the stranger; the school hears that Anna's used link was tried again.
            told = h.outbox()
            assert [(r.template, r.recipient_staff_id) for r in told] == [
                (invites.STAFF_CODE_REUSED, school.staff["senco"])
            ]

    asyncio.run(scenario())
