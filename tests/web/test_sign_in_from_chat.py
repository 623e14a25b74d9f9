"""'sign in' in any chat (here the console) sends a one-time link to the person's own chat."""

from __future__ import annotations

import re

from sendbot.clock import FrozenClock
from sendbot.conversations.engine import ChatRef, Engine
from sendbot.conversations.registry import REGISTRY
from sendbot.services import web_access
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import WebSignIn
from tests.dialog import Dialog
from tests.factories import SmallSchool
from tests.web.staff_site import NARRATIVE, a_safeguarding_concern

WEB = "https://sendbot.school.example"


def chat(
    sessions, clock: FrozenClock, school: SmallSchool, who: str, web_url: str | None
) -> Dialog:  # type: ignore[no-untyped-def]
    with sessions() as session:
        actor = staff_actor_by_id(session, school.staff[who])
    assert actor is not None
    engine = Engine(sessions, REGISTRY, clock, web_url=web_url)
    return Dialog(engine, actor, ChatRef("console", f"staff:{actor.staff_id}"))


def test_sign_in_sends_a_link_that_only_its_hash_is_kept_of(
    sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = chat(sessions, clock, school, "dsl", WEB)
    reply = d.says("sign in").text
    assert reply.startswith("Here is your sign-in link to sendbot's web pages.")
    assert "for the next 10 minutes" in reply and "Do not forward it." in reply
    found = re.search(rf"{re.escape(WEB)}/staff/sign-in/(\S+)", reply)
    assert found
    with sessions() as session:
        row = session.query(WebSignIn).one()
    assert row.token_hash == web_access.digest(found.group(1))
    assert found.group(1) not in str(row.__dict__)
    assert row.staff_id == school.staff["dsl"] and row.page == "/staff/"
    assert "Type 'sign in' for a link to sendbot's web pages" in d.says("help").text


def test_without_the_web_pages_the_chat_says_so(
    sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    d = chat(sessions, clock, school, "teacher", None)
    assert d.says("sign in").text.startswith("The school has not turned on sendbot's web pages yet")
    assert "sign in" not in d.says("help").text


def test_details_of_a_concern_mid_decision_sends_its_page_and_keeps_the_question(
    sessions, clock: FrozenClock, school: SmallSchool
) -> None:
    concern_id = a_safeguarding_concern(sessions, school, clock)
    d = chat(sessions, clock, school, "dsl", WEB)
    asked = d.says("decision").text
    assert "Which concern?" in asked
    reply = d.says(f"details {concern_id}").text
    assert reply.startswith(f"Here is your sign-in link to concern #{concern_id}.")
    assert reply.endswith(asked.split("\n\n")[-1])  # the same question, nothing lost
    assert NARRATIVE not in reply and "Amelia" not in reply
    with sessions() as session:
        assert session.query(WebSignIn).one().page == f"/staff/concerns/{concern_id}"
    teacher = chat(sessions, clock, school, "teacher", WEB)
    assert teacher.says(f"details #{concern_id}").text.startswith(
        "Only the designated safeguarding lead and deputies can open the details"
    )
