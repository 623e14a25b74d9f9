"""A one-time invite links one chat, even when two chats redeem the same code at the same
moment, on SQLite and on PostgreSQL: whoever is second finds it used."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sendbot.services import invites
from sendbot.store.models import Identity
from tests.factories import NOW, SmallSchool
from tests.telegram.harness import add_guardian

BOT = "school_send_bot"


def test_two_chats_redeeming_one_code_at_once_link_only_one(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    family = add_guardian(sessions, school, "anna", "Anna", "Nowak", ["kacper"])
    with sessions() as session, session.begin():
        code = invites.create_guardian_invite(session, family.guardian_id, NOW, BOT).code

    first_redeemed = threading.Event()
    may_commit = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with sessions() as session, session.begin():
            outcomes["first"] = invites.redeem(session, "telegram", "1001", code, NOW).status
            first_redeemed.set()
            may_commit.wait(60)  # holds its transaction open while the second one tries

    def second() -> None:
        # Generous: on a loaded machine the first redemption can take seconds, and the
        # second must not start before it.
        assert first_redeemed.wait(60)
        with sessions() as session, session.begin():
            outcomes["second"] = invites.redeem(session, "telegram", "1002", code, NOW).status

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the second is now waiting for the invite's row (or for SQLite's lock)
    may_commit.set()
    for thread in threads:
        thread.join(90)

    assert outcomes == {"first": "linked", "second": "used"}
    with sessions() as session:
        linked = session.scalars(
            select(Identity.external_id).where(Identity.guardian_id == family.guardian_id)
        ).all()
    assert linked == ["1001"]


def test_a_code_refused_for_an_account_already_linked_stays_unused(
    sessions: sessionmaker[Session], school: SmallSchool
) -> None:
    """The claim is undone when the link is refused, so the real parent can still use it."""
    anna = add_guardian(sessions, school, "anna", "Anna", "Nowak", ["kacper"])
    ola = add_guardian(sessions, school, "ola", "Ola", "Nowak", ["kacper"])
    with sessions() as session, session.begin():
        first = invites.create_guardian_invite(session, anna.guardian_id, NOW, BOT).code
        other = invites.create_guardian_invite(session, ola.guardian_id, NOW, BOT).code
    with sessions() as session, session.begin():
        assert invites.redeem(session, "telegram", "1001", first, NOW).status == "linked"
    with sessions() as session, session.begin():
        assert invites.redeem(session, "telegram", "1001", other, NOW).status == "taken"
    with sessions() as session, session.begin():
        assert invites.redeem(session, "telegram", "1003", other, NOW).status == "linked"
