"""Teams: the SENCO's digest arrives with its chart; throttling is honoured; and what is not
a signed activity from the school's tenant, in personal chat, from a member of staff, is
refused or answered kindly, and changes nothing."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from sqlalchemy import func, select

from sendbot.domain.needs import Area
from sendbot.scheduling import jobs
from sendbot.services import concerns
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Identity, ProcessedEvent, TeamsConversation
from tests.factories import SmallSchool, build_small_school
from tests.teams.fake_connector import (
    OTHER_TENANT,
    FakeMicrosoft,
    activity,
    conversation_of,
    new_key,
)
from tests.teams.harness import Harness

SENCO = ("29:senco", "aad-senco")
TEACHER = ("29:teacher", "aad-teacher")
STRANGER = ("29:stranger", "aad-stranger")
GUEST = ("29:guest", "aad-guest")
PNG = b"\x89PNG\r\n\x1a\n"


def _counts(h: Harness) -> tuple[int, int, int]:
    with h.core.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Identity)) or 0,
            session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0,
            session.scalar(select(func.count()).select_from(TeamsConversation)) or 0,
        )


def _a_teacher_tells_the_senco(h: Harness, school: SmallSchool) -> None:
    """Zoë's teacher logs a concern that is not safeguarding: the SENCO gets a note."""
    with h.core.sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        concerns.log_concern(
            session,
            teacher,
            concerns.NewConcern(
                school.pupils["zoe"], Area.SEMH, "Quiet at break.", safeguarding=False
            ),
            h.clock.now(),
        )


def test_the_senco_digest_comes_with_its_chart_after_a_throttled_try(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)
    fake.member(*SENCO, "senco@oakfield.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            assert await h.post(activity(fake, *SENCO, "help")) == 200
            _a_teacher_tells_the_senco(h, school)
            await h.deliver()  # the SENCO's "new concern" note
            h.clock.advance(timedelta(hours=21, minutes=30))  # Wednesday 07:45
            with h.core.sessions() as session, session.begin():
                assert jobs.enqueue_due_digests(session, h.clock.now()) >= 1
            # Teams throttles the first try: it waits in the outbox for Retry-After.
            fake.throttle.append(7)
            await h.deliver()
            (row,) = [
                r for r in h.outbox("digest.senco") if r.recipient_staff_id == school.staff["senco"]
            ]
            assert row.status == "pending"
            assert row.not_before == h.clock.now() + timedelta(seconds=7)
            h.clock.advance(timedelta(seconds=7))
            await h.deliver()
            (row,) = [
                r for r in h.outbox("digest.senco") if r.recipient_staff_id == school.staff["senco"]
            ]
            assert row.status == "sent"
            posts = fake.posts(conversation_of(SENCO[0]))
            digest = posts[-1]
            assert [c.status for c in posts[-2:]] == [429, 201]
            assert "Oakfield" in digest.text
            (image,) = digest.images
            prefix = "data:image/png;base64,"
            assert image.startswith(prefix)
            assert base64.b64decode(image[len(prefix) :]).startswith(PNG)

    asyncio.run(scenario())


def test_forged_expired_and_missing_tokens_get_401_and_nothing_is_read(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    build_small_school(sessions)
    fake.member(*TEACHER, "teacher@oakfield.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            hello = activity(fake, *TEACHER, "concern")
            for token in (
                fake.sign(key=new_key()),  # signed by another key
                fake.sign(expires_in=-3600),  # expired an hour ago (beyond the leeway)
                fake.sign(audience="someone-elses-app"),
                fake.sign(service_url="https://elsewhere.example/"),  # for another service
                "not-a-jwt",
                None,
            ):
                assert await h.post(hello, token=token) == 401
            assert await h.post(b"{not json", token=None) == 401
            assert fake.calls == []
            assert _counts(h) == (0, 0, 0)
            # The same activity with the channel's signature is taken in.
            assert await h.post(hello) == 200
            assert _counts(h) == (1, 1, 1)

    asyncio.run(scenario())


def test_other_tenants_group_chats_guests_and_strangers(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    build_small_school(sessions)
    fake.member(*GUEST, "teacher@oakfield.example", role="guest")
    fake.member(*STRANGER, "someone@elsewhere.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            # Another tenant: refused, nothing sent or kept.
            assert await h.post(activity(fake, *STRANGER, "help", tenant=OTHER_TENANT)) == 403
            assert fake.calls == [] and _counts(h) == (0, 0, 0)

            # A group chat or channel: answered there, once, that sendbot works in personal
            # chat; nothing in it is read or kept.
            group = activity(fake, *STRANGER, "concern", conversation_type="groupChat")
            assert await h.post(group) == 200
            (answer,) = fake.posts()
            assert "works in personal chat" in answer.text
            assert _counts(h) == (0, 0, 0)

            # A guest whose email is on the roster is not linked, and told who to ask.
            assert await h.post(activity(fake, *GUEST, "concern")) == 200
            assert "guest account" in fake.texts(conversation_of(GUEST[0]))[-1]
            # Someone not on the roster is told who to ask, kindly.
            assert await h.post(activity(fake, *STRANGER, "concern")) == 200
            said = fake.texts(conversation_of(STRANGER[0]))[-1]
            assert "could not find your school email" in said
            assert "ask the school office or the SENCO" in said
            with h.core.sessions() as session:
                assert session.scalar(select(func.count()).select_from(Identity)) == 0

    asyncio.run(scenario())


def test_an_app_removed_marks_the_account_blocked_until_they_write_again(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)
    fake.member(*SENCO, "senco@oakfield.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            assert await h.post(activity(fake, *SENCO, "help")) == 200
            _a_teacher_tells_the_senco(h, school)
            fake.refuse.append(403)  # the SENCO removed the app
            await h.deliver()
            with h.core.sessions() as session:
                identity = session.scalars(select(Identity)).one()
                assert (identity.active, identity.inactive_reason) == (False, "blocked")
            # They add it back and write: the account is theirs again, not a stranger's.
            assert await h.post(activity(fake, *SENCO, "help")) == 200
            with h.core.sessions() as session:
                identity = session.scalars(select(Identity)).one()
                assert (identity.active, identity.inactive_reason) == (True, None)
            assert "could not find" not in fake.texts(conversation_of(SENCO[0]))[-1]

    asyncio.run(scenario())


def test_installed_for_the_dsl_by_the_school_alerts_reach_them_before_they_write(
    db_url, sessions, fake: FakeMicrosoft
) -> None:
    school = build_small_school(sessions)
    dsl = ("29:dsl", "aad-dsl")
    fake.member(*dsl, "dsl@oakfield.example")

    async def scenario() -> None:
        async with Harness(db_url, fake) as h:
            installed = activity(fake, *dsl)
            installed.update(type="installationUpdate", action="add")
            del installed["text"]
            assert await h.post(installed) == 200
            assert fake.posts() == []  # nothing said to them
            with h.core.sessions() as session, session.begin():
                teacher = staff_actor_by_id(session, school.staff["teacher"])
                assert teacher is not None
                concerns.log_concern(
                    session,
                    teacher,
                    concerns.NewConcern(
                        school.pupils["zoe"], Area.SEMH, "What was seen.", safeguarding=True
                    ),
                    h.clock.now(),
                )
            await h.deliver()
            texts = fake.texts(conversation_of(dsl[0]))
            assert any(t.startswith("Safeguarding concern logged") for t in texts)

    asyncio.run(scenario())
