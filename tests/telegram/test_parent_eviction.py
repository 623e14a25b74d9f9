"""A chat that no longer speaks for a parent stays shut out until the school invites again.

Whoever opened a forwarded link first, an old phone, a chat whose parent sent /stop and a
chat the school unlinked: none of them can switch itself back on with /start, and nothing
for the family reaches them. A used link tried again tells the school. Only a parent who
blocked the bot may come back alone, by unblocking it and sending /start.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.messages.registry import render as render_outbox
from sendbot.services import invites, meetings, parents
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import AuditEvent, Identity, Outbox, ParentMessage
from tests.factories import SmallSchool, build_small_school
from tests.telegram.fake_bot_api import BOT_USERNAME, FakeBotApi, person, text_update
from tests.telegram.harness import Harness, add_guardian

NADIA = person(7301, "Nadia", language_code="en")
FORWARDED_TO = person(7302, "Someone", language_code="en")
NEW_PHONE = person(7303, "Nadia", language_code="en")

NO_LONGER_LINKED = (
    "This chat is no longer connected to the school. To connect again, please ask the school "
    "for a new invitation."
)
USED = (
    "That link has already been used. Each link works only once. We have told the school.\n\n"
    "Please ask the school for a new link. They can send you a new letter."
)


def new_invitation(h: Harness, guardian_id: int) -> str:
    """The school makes a (new) link for the parent: the code in it."""
    with h.core.sessions() as session, session.begin():
        return invites.create_guardian_invite(
            session, guardian_id, h.clock.now(), BOT_USERNAME
        ).code


def last_said(fake_api: FakeBotApi, who: dict) -> str:  # type: ignore[type-arg]
    return fake_api.texts(who["id"])[-1]


async def the_senco_answers(h: Harness, school: SmallSchool, text: str) -> None:
    """The SENCO answers the parent's latest message; the worker delivers."""
    with h.core.sessions() as session, session.begin():
        message = session.scalars(
            select(ParentMessage).where(ParentMessage.direction == "in").order_by(ParentMessage.id)
        ).all()[-1]
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        parents.staff_reply(session, senco, message.id, text, h.clock.now())
    await h.deliver()


def reasons(h: Harness) -> dict[str, tuple[bool, str | None]]:
    with h.core.sessions() as session:
        return {
            i.external_id: (i.active, i.inactive_reason) for i in session.scalars(select(Identity))
        }


def test_whoever_opened_a_forwarded_link_first_is_shut_out_once_the_parent_uses_a_new_one(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            letter = new_invitation(h, nadia.guardian_id)

            # The link was forwarded, and someone else opened it first.
            await h.send(text_update(FORWARDED_TO, f"/start {letter}"))
            assert "Hello Nadia" in last_said(fake_api, FORWARDED_TO)

            # Nadia opens her own link later: it is used, she is told kindly, and so is the school.
            h.clock.advance(timedelta(hours=2))
            await h.send(text_update(NADIA, f"/start {letter}"))
            assert last_said(fake_api, NADIA) == USED
            [notice] = h.outbox(invites.STAFF_CODE_REUSED)
            assert notice.recipient_staff_id == school.staff["senco"]
            told = render_outbox(notice.template, notice.params, "en_GB").text
            assert told.startswith("A used Telegram link was tried again: Nadia Nowak's")
            assert "First used: Tue 24 Nov 2026, 10:15" in told
            assert "Tried again: Tue 24 Nov 2026, 12:15" in told
            assert f"sendbot invite unlink {nadia.guardian_id}" in told
            assert "send them a new invitation" in told

            # The school sends Nadia a new link and she uses it.
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            assert "Hello Nadia" in last_said(fake_api, NADIA)

            # The first chat cannot switch itself back on, nor see the child.
            await h.send(text_update(FORWARDED_TO, "/start"))
            assert last_said(fake_api, FORWARDED_TO) == NO_LONGER_LINKED
            await h.send(text_update(FORWARDED_TO, "/mychild"))
            assert last_said(fake_api, FORWARDED_TO) == NO_LONGER_LINKED
            await h.send(text_update(FORWARDED_TO, "Any news about Kacper?"))
            assert last_said(fake_api, FORWARDED_TO) == NO_LONGER_LINKED
            assert reasons(h)[str(FORWARDED_TO["id"])] == (False, "replaced")

            # The SENCO's reply reaches Nadia, and only Nadia.
            before = len(fake_api.texts(FORWARDED_TO["id"]))
            await h.send(text_update(NADIA, "Can we talk about his reading?"))
            await the_senco_answers(h, school, "Yes, I will call you at 3pm.")
            assert "I will call you at 3pm" in last_said(fake_api, NADIA)
            assert len(fake_api.texts(FORWARDED_TO["id"])) == before

    asyncio.run(scenario())


def test_a_link_tapped_again_from_the_chat_it_linked_tells_nobody(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            letter = new_invitation(h, nadia.guardian_id)
            await h.send(text_update(NADIA, f"/start {letter}"))
            await h.send(text_update(NADIA, f"/start {letter}"))
            assert "Hello again. You are connected to the school." in fake_api.texts(NADIA["id"])
            assert h.outbox(invites.STAFF_CODE_REUSED) == []

    asyncio.run(scenario())


def test_an_old_phone_cannot_switch_itself_back_on(db_url, sessions, fake_api: FakeBotApi) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            # A new phone: the school sends a new link, and Nadia uses it there.
            await h.send(text_update(NEW_PHONE, f"/start {new_invitation(h, nadia.guardian_id)}"))
            assert "Hello Nadia" in last_said(fake_api, NEW_PHONE)

            # Whoever has the old phone now cannot turn it back on.
            await h.send(text_update(NADIA, "/start"))
            assert last_said(fake_api, NADIA) == NO_LONGER_LINKED
            assert reasons(h)[str(NADIA["id"])] == (False, "replaced")
            before = len(fake_api.texts(NADIA["id"]))
            await h.send(text_update(NEW_PHONE, "This is my new number."))
            await the_senco_answers(h, school, "Thank you for the new number.")
            assert "Thank you for the new number" in last_said(fake_api, NEW_PHONE)
            assert len(fake_api.texts(NADIA["id"])) == before

    asyncio.run(scenario())


def test_stop_says_honestly_that_a_new_invitation_is_needed(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            await h.send(text_update(NADIA, "/stop"))
            assert last_said(fake_api, NADIA) == (
                "You will not get any more messages from me. We have told the school. "
                "To connect again, please ask the school for a new invitation."
            )
            [notice] = h.outbox(parents.STAFF_STOPPED)
            told = render_outbox(notice.template, notice.params, "en_GB").text
            assert "until they use a new invitation from the school" in told

            await h.send(text_update(NADIA, "/start"))
            assert last_said(fake_api, NADIA) == NO_LONGER_LINKED
            assert reasons(h)[str(NADIA["id"])] == (False, "stopped")

            # A new invitation links the same chat again.
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            assert "Hello Nadia" in last_said(fake_api, NADIA)
            assert reasons(h)[str(NADIA["id"])] == (True, None)

    asyncio.run(scenario())


def test_the_school_unlinks_a_parent_from_the_command_line(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            await h.send(
                text_update(FORWARDED_TO, f"/start {new_invitation(h, nadia.guardian_id)}")
            )
            await h.send(text_update(FORWARDED_TO, "When is the next review?"))
            unused = new_invitation(h, nadia.guardian_id)

            result = CliRunner().invoke(
                app, ["invite", "unlink", str(nadia.guardian_id), "--database", db_url]
            )
            assert result.exit_code == 0, result.output
            nobody = CliRunner().invoke(app, ["invite", "unlink", "9999", "--database", db_url])
            assert nobody.exit_code == 1
            assert "No parent or carer has the id '9999'." in nobody.output
            assert "Nadia Nowak: 1 chat account(s) disconnected, 1 unused link(s) cancelled" in (
                result.stdout
            )
            with h.core.sessions() as session:
                event = session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "guardian.unlink")
                ).one()
                assert event.actor_kind == "cli" and event.object_id == nadia.guardian_id

            await h.send(text_update(FORWARDED_TO, "/start"))
            assert last_said(fake_api, FORWARDED_TO) == NO_LONGER_LINKED
            assert reasons(h)[str(FORWARDED_TO["id"])] == (False, "school")
            # The link made before the unlinking no longer works either.
            await h.send(text_update(NADIA, f"/start {unused}"))
            assert "too old" in last_said(fake_api, NADIA)
            # A reply to the message the other chat sent before reaches nobody.
            before = len(fake_api.texts(FORWARDED_TO["id"]))
            await the_senco_answers(h, school, "Here is the answer.")
            assert len(fake_api.texts(FORWARDED_TO["id"])) == before
            with h.core.sessions() as session:
                reply = session.scalars(
                    select(Outbox).where(Outbox.template == parents.PARENT_STAFF_REPLY)
                ).one()
                assert reply.status != "sent"
            # Nor is a meeting invitation queued for her: the SENCO is told to write or call.
            with h.core.sessions() as session, session.begin():
                senco = staff_actor_by_id(session, school.staff["senco"])
                assert senco is not None
                booked = meetings.schedule(
                    session,
                    senco,
                    pupil_id=school.pupils["kacper"],
                    kind="parent_meeting",
                    starts_at=h.clock.now() + timedelta(days=10),
                    place="Office",
                    now=h.clock.now(),
                )
            assert booked.guardians_without_chat == ("Nadia Nowak",)
            assert h.outbox(meetings.INVITATION) == []

            # A new invitation from the school links Nadia again.
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            assert "Hello Nadia" in last_said(fake_api, NADIA)

    asyncio.run(scenario())


def test_a_parent_who_blocked_the_bot_comes_back_with_start(
    db_url, sessions, fake_api: FakeBotApi
) -> None:
    school = build_small_school(sessions)

    async def scenario() -> None:
        async with Harness(db_url, fake_api) as h:
            nadia = add_guardian(h.core.sessions, school, "nadia", "Nadia", "Nowak", ["kacper"])
            await h.send(text_update(NADIA, f"/start {new_invitation(h, nadia.guardian_id)}"))
            blocked = {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
            await h.send(text_update(NADIA, "Can we talk?"))
            fake_api.fail_next("sendMessage", 403, blocked)
            await the_senco_answers(h, school, "We tried to reach you.")
            assert reasons(h)[str(NADIA["id"])] == (False, "blocked")

            # Nadia unblocks the bot and sends /start: messages start again.
            await h.send(text_update(NADIA, "/start"))
            assert "Welcome back" in fake_api.texts(NADIA["id"])[-2]
            assert reasons(h)[str(NADIA["id"])] == (True, None)

    asyncio.run(scenario())
