"""Fuzzing every inbound HTTP transport of `sendbot serve`, and its staff pages' forms, in-process.

Hypothesis builds requests in the shapes Slack and Telegram document, correctly signed (the
test signing secret; the webhook's secret header), then mutates them: fields of the wrong
type, keys left out, huge strings, text with NUL and lone surrogates, unknown action ids,
sealed button ids that were never issued. They go to the real serving app (aiohttp, with
the Slack and Telegram plugins) against the fake Slack Web API and the fake Bot API, from
staff and a parent who are linked, and from strangers, so plenty of them reach deep into
the flows and save records.

After every request: the answer is below 500, the health check still answers, and nothing
is half-written: every concern has its narrative and the audit event that created it, every
half-finished conversation and every parent's message reads back, every outbox row names a
message that exists, and the audit chain is intact.

The staff pages' forms (acknowledge, record a decision, sign in with a link, ask for a new
link, sign out) are fuzzed the same way: posts built as a browser sends them, by staff
signed in or not, with the form's token or not, as multipart, in other content types, as
bytes that are no form, or too long. After every post: below 500, the health check
answers, nothing above is half-written, every step of a concern's chronology has its audit
event, only the DSL and deputies ever act on a safeguarding concern, a concern is
acknowledged once, and every session has the audit event of its sign-in.

The examples are derandomized (the same ones every run, so CI is repeatable) and few
enough for well under a minute on one core; `--hypothesis-profile=release` runs 400
random ones a test.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import string
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import func, select, update

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.delivery import keys
from sendbot.domain.needs import Area
from sendbot.handlers.slack.plugin import slack_plugin
from sendbot.handlers.telegram.plugin import WEBHOOK_PATH, telegram_plugin
from sendbot.messages import registry
from sendbot.services import (
    action_ids,
    audit,
    escalation,
    invite_groups,
    invites,
    meetings,
    parent_links,
    parents,
    web_access,
)
from sendbot.services.actors import staff_actor_by_id
from sendbot.services.concerns import NewConcern, log_concern
from sendbot.serving.app import build_app
from sendbot.serving.core import Core, build_core
from sendbot.store.models import (
    AuditEvent,
    Concern,
    ConcernAction,
    ConversationState,
    Identity,
    Invitation,
    Outbox,
    ParentLink,
    ParentMessage,
    School,
    WebSession,
    WebSignIn,
)
from sendbot.web import sign_in
from sendbot.web.app import web_plugin
from tests.factories import NOW, SmallSchool, build_small_school
from tests.slack import payloads
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.harness import USERS
from tests.telegram.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, person
from tests.telegram.harness import add_guardian
from tests.web.parent_site import BOOKED, a_family_without_telegram, book_review, the_post

SECRET = "webhook-secret-for-tests_0123456789"
# The "ci" profile (tests/conftest.py) derandomizes: the same examples every run. These
# numbers keep both tests under a minute together on one core (a Telegram example is a
# whole conversation); the "release" profile's 400 random examples a test are the long run.
SLACK_FUZZ = settings(max_examples=max(200, settings.default.max_examples))
TELEGRAM_FUZZ = settings(max_examples=max(60, settings.default.max_examples))

# Each update new (Telegram numbers them in order); a repeat would only be skipped.
_update_ids = itertools.count(1000)
PARENT = person(7701, "Anna", "pl")
TG_STAFF = person(7702, "Grace", "en")
TG_STRANGER = person(7703, "Visitor", None)

# --- text and values a hostile or broken client might send ------------------------------

NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufeff\u202eevil\u202c",
    "😀👨‍👩‍👧‍👦",
    "<!channel> <@U0SENCO> <https://evil.example|click>",
    "'; DROP TABLE concern; --",
    "%s%n{0}${x}",
    "\r\n\t",
    "",
    " ",
]
WORDS = [
    "help",
    "menu",
    "cancel",
    "back",
    "save",
    "skip",
    "yes",
    "no",
    "1",
    "2",
    "3",
    "Amelia",
    "Kacper",
    "today",
    "concern",
    "concern Amelia",
    "session",
]
TEXT = st.one_of(
    st.sampled_from(NASTY + WORDS),
    st.text(st.characters(exclude_categories=()), max_size=40),  # surrogates included
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "é", "😀", "\x00"]), st.integers(1, 60_000)
    ),
)
NARRATIVES = st.sampled_from(
    [
        "Zoë was very quiet today and would not join in at break.",
        "Amelia said her brother hurt her arm; there is a bruise.",
        "Kacper cried after lunch and said he had not eaten since yesterday.",
    ]
)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["id", "type", "value", "text"]), st.integers(), max_size=2),
)


def mostly(valid: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> Any:
    """`valid` three times in four, so most requests get past validation into the flows."""
    return st.one_of(valid, valid, valid, other)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value that a mutation could change."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _paths(item, (*path, i))


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any], often: bool = True) -> dict[str, Any]:
    """The payload with up to three fields replaced by junk or taken out: half the time,
    or (not `often`) a time in six."""
    payload = json.loads(json.dumps(payload))
    unchanged = [0, 0, 0] if often else [0] * 15
    for _ in range(draw(st.sampled_from([*unchanged, 1, 2, 3]))):
        depth = draw(st.integers(1, 5))  # as often near the top as deep in a view's blocks
        paths = [path for path in _paths(payload) if len(path) <= depth]
        if not paths:
            break
        *parent_path, last = draw(st.sampled_from(paths))
        parent: Any = payload
        for step in parent_path:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = draw(JUNK)
    return payload


# --- the app under test -----------------------------------------------------------------


@dataclass
class Served:
    loop: asyncio.AbstractEventLoop
    client: TestClient
    core: Core
    clock: FrozenClock
    school: SmallSchool
    slack: FakeSlack
    view: dict[str, Any]

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async def send() -> int:
            response = await self.client.post(path, data=body, headers=headers)
            await response.read()
            return response.status

        return int(self.run(send()))

    def healthy(self) -> bool:
        async def check() -> int:
            return (await self.client.get("/healthz")).status

        return bool(self.run(check()) == 200)

    def settle(self) -> None:
        """Let listeners that answered Slack first finish their work."""
        self.run(asyncio.sleep(0.02))


@pytest.fixture
def served(db_url: str, sessions: Any) -> Iterator[Served]:
    bot_api = FakeBotApi().start()
    loop = asyncio.new_event_loop()
    slack = FakeSlack()
    loop.run_until_complete(slack.start())
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.execute(
            update(School).where(School.id == school.school_id).values(slack_team_id=TEAM_ID)
        )
    for key, user in USERS.items():
        slack.add_user(user, f"{key}@oakfield.example")
    config = Settings(
        database_url=db_url,
        slack_bot_token=SecretStr("xoxb-test-token"),
        slack_signing_secret=SecretStr(payloads.SIGNING_SECRET),
        slack_api_url=slack.base_url,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_url=bot_api.url,
        telegram_webhook_secret=SecretStr(SECRET),
        public_url="https://sendbot.school.example",
    )
    clock = FrozenClock(NOW)
    core = build_core(config, clock)
    app = build_app(core, [slack_plugin(config, link_on_start=False), telegram_plugin(config)])

    async def start() -> TestClient:
        client = TestClient(TestServer(app))
        await client.start_server()
        return client

    client = loop.run_until_complete(start())
    here = Served(loop, client, core, clock, school, slack, {})
    try:
        here.view = _log_concern_view(here)
        _link_on_telegram(here, sessions)
        yield here
    finally:
        loop.run_until_complete(client.close())
        loop.run_until_complete(slack.stop())
        loop.close()
        core.db.dispose()
        bot_api.stop()


def _log_concern_view(here: Served) -> dict[str, Any]:
    """The real log-a-concern modal, as Slack would echo it back on submission, with the
    safeguarding questions showing (they appear when "yes" is chosen)."""
    body, headers = _slack_form(payloads.slash_command(USERS["teacher"], "concern"))
    assert here.post("/slack/events", body, headers) == 200
    (opened,) = here.run(here.slack.wait_for("views.open"))
    view = payloads.opened_view(opened.params["view"], {}, view_id="V0FUZZ")
    chosen = {**view, "state": {"values": payloads.state_for(view, {"safeguarding": "yes"})}}
    flagged = payloads.choose(view, "safeguarding", "yes")
    tap = payloads.view_block_action(USERS["teacher"], chosen, flagged)
    assert here.post("/slack/events", *_slack_form({"payload": json.dumps(tap)})) == 200
    (redrawn,) = here.run(here.slack.wait_for("views.update"))
    return payloads.opened_view(redrawn.params["view"], {}, view_id="V0FUZZ")


def _link_on_telegram(here: Served, sessions: Any) -> None:
    family = add_guardian(sessions, here.school, "anna", "Anna", "Nowak", ["kacper"])
    with sessions() as session, session.begin():
        parent_code = invites.create_guardian_invite(
            session, family.guardian_id, NOW, BOT_USERNAME
        ).code
        staff_code = invites.create_staff_invite(
            session, here.school.staff["senco"], NOW, BOT_USERNAME
        ).code
    for who, code in ((PARENT, parent_code), (TG_STAFF, staff_code)):
        update_ = _message_update(who, f"/start {code}", next(_update_ids))
        assert here.post(WEBHOOK_PATH, *_telegram_request(update_)) == 200
    with sessions() as session:
        linked = select(func.count()).where(Identity.platform == "telegram")
        assert session.scalar(linked.select_from(Identity)) == 2


# --- Slack requests ---------------------------------------------------------------------


def _sign(raw: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + raw
    digest = hmac.new(payloads.SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def _slack_form(fields: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = urlencode({k: str(v) for k, v in fields.items()}, errors="surrogatepass").encode()
    return raw, {"Content-Type": "application/x-www-form-urlencoded", **_sign(raw)}


def _slack_json(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    return raw, {"Content-Type": "application/json", **_sign(raw)}


SLACK_PEOPLE = mostly(
    st.sampled_from([USERS["senco"], USERS["dsl"], USERS["teacher"]]),
    st.sampled_from([*USERS.values(), "U0STRANGER", "U0NOBODY"]),
)
FORGED_SEALED = st.builds(
    lambda tail: action_ids.PREFIX + tail,
    st.text(string.ascii_letters + string.digits + "-_", min_size=22, max_size=22),
)
ACTION_IDS = st.one_of(
    FORGED_SEALED,
    st.sampled_from(
        [
            "home.start:log_concern",
            "home.start:no_such_flow",
            "decision.start:1",
            "decision.start:999999",
            "field.source",
            "field.pupil",
            "concern.view:1",
            "safeguarding.ack:1",
            "deadline.done:999",
            "referral.chased:1",
            "concerns.review_pupil:1",
            "no.such.action",
        ]
    ),
    TEXT,
)


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value[:75]}, "value": value}


@st.composite
def view_state(draw: st.DrawFn, view: dict[str, Any], pupils: list[str]) -> dict[str, Any]:
    """What a person (or a forger) could have entered in each of the modal's inputs."""
    values: dict[str, Any] = {}
    honest = draw(st.booleans())  # every answer one the modal offered, as Slack sends it
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action = element["type"], element["action_id"]
        offered = [o["value"] for o in element.get("options", [])] or pupils
        valid = st.sampled_from(offered)
        chosen = draw(valid if honest else mostly(valid, TEXT))
        state: dict[str, Any] = {"type": kind}
        if kind in ("radio_buttons", "static_select", "external_select"):
            missing = st.just(_option(chosen)) if honest else st.none()
            state["selected_option"] = draw(mostly(st.just(_option(chosen)), missing))
        elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
            state["selected_options"] = [_option(chosen)]
        elif kind == "datepicker":
            state["selected_date"] = draw(st.sampled_from(["2026-11-20", "2026-02-30", chosen]))
        else:
            state["value"] = draw(NARRATIVES if honest else mostly(NARRATIVES, TEXT))
        values[block["block_id"]] = {action: state}
    return values


@st.composite
def slack_request(draw: st.DrawFn, view: dict[str, Any], pupils: list[str]) -> tuple[bytes, dict]:
    user = draw(SLACK_PEOPLE)
    kind = draw(
        st.sampled_from(
            ["command", "home", "button", "view_button", "closed", "shortcut"] + ["submission"] * 4
        )
    )
    if kind == "command":
        fields = payloads.slash_command(user, draw(TEXT))
        return _slack_form(draw(mutated(fields)))
    if kind == "home":
        event_id = draw(st.text(string.ascii_letters, min_size=1, max_size=12))
        return _slack_json(draw(mutated(payloads.app_home_opened(user, event_id=event_id))))
    submitted = {**view, "state": {"values": draw(view_state(view, pupils))}}
    if kind == "submission":
        payload = payloads.view_submission(user, submitted)
    elif kind == "closed":
        payload = {**payloads.view_submission(user, submitted), "type": "view_closed"}
    elif kind == "shortcut":
        callback = draw(st.sampled_from(["log_concern", "record_session", "nope", "BAD ID"]))
        payload = payloads.global_shortcut(user, callback)
    else:
        action = {
            "type": "button",
            "block_id": "b",
            "action_id": draw(ACTION_IDS),
            "text": {"type": "plain_text", "text": "Done"},
            "value": "1",
        }
        if kind == "view_button":
            payload = payloads.view_block_action(user, submitted, action)
        else:
            message = {
                "ts": "1764000000.000100",
                "text": "alert",
                "blocks": [{"type": "actions", "elements": [action]}],
            }
            payload = payloads.message_button(
                user, message, action["action_id"], channel="D0TEACHER"
            )
    # A submission's answers are fuzzed already: its envelope is changed less often.
    changed = draw(mutated(payload, often=kind != "submission"))
    return _slack_form({"payload": json.dumps(changed)})


# --- Telegram updates -------------------------------------------------------------------


def _message_update(who: dict[str, Any], text: str, update_id: int) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "from": who,
        "chat": {"id": who["id"], "type": "private", "first_name": who["first_name"]},
        "date": 1795000000,
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def _telegram_request(update_: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    return json.dumps(update_).encode(), headers


TG_PEOPLE = st.sampled_from([PARENT, TG_STAFF, TG_STRANGER])
TG_TEXT = st.one_of(
    TEXT,
    st.sampled_from(
        ["/start", "/start nonsense", "/help", "/mychild", "/language", "/stop", "/menu"]
    ),
)
TG_DATA = st.one_of(FORGED_SEALED, st.sampled_from(["lang:pl", "", "x", "1"]), TEXT)
UPDATE_IDS = st.builds(lambda: next(_update_ids))


@st.composite
def telegram_update(
    draw: st.DrawFn, who: dict[str, Any], text: str, often: bool = True
) -> dict[str, Any]:
    """One update from `who`: mostly a message saying `text`, else another documented kind;
    mutated half the time, or (not `often`) a time in six."""
    update_id = draw(UPDATE_IDS)
    other_kinds = st.sampled_from(["edited", "tap", "member"])
    kind = draw(mostly(st.just("message"), other_kinds) if often else st.just("message"))
    update_ = _message_update(who, text, update_id)
    if kind == "edited":
        update_["edited_message"] = {**update_.pop("message"), "edit_date": 1795000030}
    elif kind == "tap":
        message = update_.pop("message")
        update_["callback_query"] = {
            "id": str(update_id),
            "from": who,
            "message": {**message, "from": {"id": 1, "is_bot": True, "first_name": "bot"}},
            "chat_instance": "-4242424242",
            "data": draw(TG_DATA)[:64],
        }
    elif kind == "member":
        update_.pop("message")
        update_["my_chat_member"] = {
            "chat": {"id": who["id"], "type": "private", "first_name": who["first_name"]},
            "from": who,
            "date": 1795000000,
            "old_chat_member": {"status": "member", "user": who},
            "new_chat_member": {"status": "kicked", "user": who, "until_date": 0},
        }
    return draw(mutated(update_, often))


# The staff flow that saves a concern, turn by turn (tests/test_flow_log_concern.py).
CONCERN_TURNS = [
    st.just("concern"),
    st.sampled_from(["kacper", "zoe", "amelia", "stone"]),
    NARRATIVES,
    st.sampled_from(["1", "2"]),
    st.sampled_from(["1", "3"]),
    st.sampled_from(["no", "yes"]),
    st.just("1"),
]


@st.composite
def telegram_requests(draw: st.DrawFn) -> list[tuple[bytes, dict[str, str]]]:
    """A staff member logging a concern, a parent writing to the school, or anyone sending
    anything; each turn may be said differently, or be another kind of update."""
    script = draw(st.sampled_from(["staff", "parent", "anyone"]))
    if script == "staff":
        odd = draw(st.integers(0, len(CONCERN_TURNS)))  # this turn, if any, is said oddly
        turns = [
            (TG_STAFF, draw(TEXT if i == odd else turn)) for i, turn in enumerate(CONCERN_TURNS)
        ]
    elif script == "parent":
        turns = [
            (PARENT, draw(mostly(NARRATIVES, TG_TEXT))) for _ in range(draw(st.integers(1, 3)))
        ]
    else:
        turns = [(draw(TG_PEOPLE), draw(TG_TEXT))]
    often = len(turns) == 1
    return [_telegram_request(draw(telegram_update(who, text, often))) for who, text in turns]


# --- what must hold after every request -------------------------------------------------


def half_written(sessions: Any) -> list[str]:
    """Records that were left part-way: each says what is wrong with it."""
    wrong: list[str] = []
    with sessions() as session:
        created = set(
            session.scalars(
                select(AuditEvent.object_id).where(AuditEvent.action == "concern.create")
            )
        )
        for concern in session.scalars(select(Concern)):
            if not concern.narrative_text:
                wrong.append(f"concern {concern.id} has no narrative")
            if concern.id not in created:
                wrong.append(f"concern {concern.id} has no concern.create event")
        for state in session.scalars(select(ConversationState)):
            if not isinstance(state.answers, dict) or not isinstance(state.history, list):
                wrong.append(f"conversation {state.id} does not read back")
        for message in session.scalars(select(ParentMessage)):
            if message.body_text is None:
                wrong.append(f"parent message {message.id} has no text")
        for row in session.scalars(select(Outbox)):
            if row.template not in registry.REGISTRY:
                wrong.append(f"outbox {row.id} names no message")
        chain = audit.verify_chain(session)
        if not chain.intact:
            wrong.append(chain.describe())
    return wrong


def _check(here: Served, sessions: Any, status: int) -> None:
    here.settle()
    here.clock.advance(timedelta(minutes=1))  # nobody is held to the rate limit here
    assert status < 500
    assert here.healthy()
    assert half_written(sessions) == []


def test_fuzzed_slack_requests_never_get_500_or_leave_a_half_written_record(
    served: Served, sessions: Any
) -> None:
    pupils = [str(p) for p in served.school.pupils.values()]

    @SLACK_FUZZ
    @given(request=slack_request(served.view, pupils))
    def one(request: tuple[bytes, dict[str, str]]) -> None:
        _check(served, sessions, served.post("/slack/events", *request))

    one()


def test_fuzzed_telegram_updates_never_get_500_or_leave_a_half_written_record(
    served: Served, sessions: Any
) -> None:
    @TELEGRAM_FUZZ
    @given(requests=telegram_requests())
    def one(requests: list[tuple[bytes, dict[str, str]]]) -> None:
        for request in requests:
            _check(served, sessions, served.post(WEBHOOK_PATH, *request))

    one()


@pytest.mark.parametrize("text", ["\ud800", "a\x00b"], ids=["lone surrogate", "NUL"])
def test_text_that_cannot_be_stored_is_never_a_server_error(
    served: Served, sessions: Any, text: str
) -> None:
    """What the release run of the fuzzing found: a parent's message with a lone surrogate
    could not be stored, and the webhook answered 503 for an update that would fail the
    same way for ever. Cleaned, or refused kindly, it is an ordinary answer on every
    transport, and nothing is left half-written."""
    message = _telegram_request(_message_update(PARENT, text, next(_update_ids)))
    answers = {"pupil": str(served.school.pupils["zoe"]), "narrative": f"Zoë said {text}."}
    values = payloads.state_for(served.view, {})
    for block in served.view["blocks"]:
        if block.get("type") != "input":
            continue
        state = values[block["block_id"]][block["element"]["action_id"]]
        answer = answers.get(block["block_id"])
        if "value" in state:
            state["value"] = answer or "-"
        else:
            offered = block["element"].get("options") or [_option(answer or "")]
            state["selected_option"] = _option(answer or offered[-1]["value"])
    submitted = {**served.view, "state": {"values": values}}
    concern = _slack_form(
        {"payload": json.dumps(payloads.view_submission(USERS["senco"], submitted))}
    )
    statuses = [served.post(WEBHOOK_PATH, *message), served.post("/slack/events", *concern)]
    served.settle()
    assert statuses == [200, 200]
    assert half_written(sessions) == []


# --- the staff pages' forms -------------------------------------------------------------

WEB_FUZZ = settings(max_examples=max(150, settings.default.max_examples))
WEB_BASE = "http://127.0.0.1:8080"  # the pages' own address, for the links they give out
WEB_STAFF = ["dsl", "deputy", "teacher", "senco", "head"]
LEADS = {"dsl", "deputy"}  # who may act on a safeguarding concern


@dataclass
class WebServed:
    loop: asyncio.AbstractEventLoop
    client: TestClient
    core: Core
    school: SmallSchool
    concerns: list[int]  # a safeguarding concern, then one that is not

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async def send() -> int:
            response = await self.client.post(path, data=body, headers=headers)
            await response.read()
            return response.status

        return int(self.loop.run_until_complete(send()))

    def healthy(self) -> bool:
        async def check() -> int:
            return (await self.client.get("/healthz")).status

        return bool(self.loop.run_until_complete(check()) == 200)

    def signed_in(self, who: str) -> str:
        """A fresh session for this member of staff: the cookie their browser would hold."""
        with self.core.sessions() as session, session.begin():
            actor = staff_actor_by_id(session, self.school.staff[who])
            assert actor is not None
            return web_access.start_session(session, actor, "link", self.core.clock.now())

    def sign_in_link(self, who: str) -> str:
        """A one-time sign-in token for this member of staff, as the chat would send it."""
        with self.core.sessions() as session, session.begin():
            actor = staff_actor_by_id(session, self.school.staff[who])
            assert actor is not None
            token = web_access.issue_link(session, actor, self.core.clock.now())
        assert token is not None
        return token


@pytest.fixture
def web_served(db_url: str, sessions: Any) -> Iterator[WebServed]:
    school = build_small_school(sessions)
    clock = FrozenClock(NOW)
    with sessions() as session, session.begin():
        teacher = staff_actor_by_id(session, school.staff["teacher"])
        assert teacher is not None
        logged = [
            log_concern(
                session,
                teacher,
                NewConcern(school.pupils["amelia"], Area.WELLBEING, text, safeguarding),
                NOW - timedelta(minutes=30),
            ).concern_id
            for text, safeguarding in (
                ("Amelia said her uncle hit her; a bruise on her arm.", True),
                ("Amelia was very quiet at break.", False),
            )
        ]
    config = Settings(database_url=db_url, web_url=WEB_BASE)
    core = build_core(config, clock)
    loop = asyncio.new_event_loop()

    async def start() -> TestClient:
        # No cookie jar: each request carries exactly the cookies the example chose.
        app = build_app(core, [web_plugin(config)])
        client = TestClient(TestServer(app), cookie_jar=DummyCookieJar())
        await client.start_server()
        return client

    client = loop.run_until_complete(start())
    try:
        yield WebServed(loop, client, core, school, logged)
    finally:
        loop.run_until_complete(client.close())
        loop.close()
        core.db.dispose()


def _segment(value: str) -> str:
    """A path segment as a browser would send it, whatever the text (surrogates too)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


WEB_FIELDS = {
    "csrf": TEXT,
    "decision": mostly(st.sampled_from(sorted(escalation.DECISIONS)), TEXT),
    "note": mostly(NARRATIVES, TEXT),
}


@st.composite
def web_body(draw: st.DrawFn, fields: list[tuple[str, str]]) -> tuple[bytes, dict[str, str]]:
    """The fields as a browser posts a form, mostly; else as multipart, in another content
    type, as bytes that are no form at all, or longer than any form of these pages."""
    how = draw(mostly(st.just("form"), st.sampled_from(["multipart", "junk", "huge"])))
    if how == "form":
        raw = urlencode(fields, errors="surrogatepass").encode()
        return raw, {"Content-Type": "application/x-www-form-urlencoded"}
    if how == "multipart":
        boundary = "fuzzboundary7MA4YWxkTrZu0gW"
        raw = (
            b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
                + value.encode("utf-8", "surrogatepass")
                + b"\r\n"
                for key, value in fields
            )
            + f"--{boundary}--\r\n".encode()
        )
        return raw, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if how == "huge":
        raw = b"note=" + b"x" * draw(st.sampled_from([16_001, 70_000]))
        return raw, {"Content-Type": "application/x-www-form-urlencoded"}
    kind = draw(
        st.sampled_from(
            [
                "application/json",
                "text/plain",
                "multipart/form-data",
                "application/x-www-form-urlencoded; charset=latin-1",
            ]
        )
    )
    return draw(st.binary(max_size=300)), {"Content-Type": kind}


@st.composite
def web_form_post(draw: st.DrawFn, here: WebServed) -> tuple[str, bytes, dict[str, str]]:
    """One post to one of the staff pages' forms: acknowledge, record a decision, sign in
    with a link, ask for a new link, sign out; by a member of staff signed in or not, with
    the form's token or a wrong one, about a concern that exists or not."""
    form = draw(st.sampled_from(["acknowledge", "decision", "sign-in", "new-link", "sign-out"]))
    headers: dict[str, str] = {}
    fields: list[tuple[str, str]] = []
    if form in ("sign-in", "new-link"):
        token = draw(
            mostly(st.sampled_from(WEB_STAFF).map(here.sign_in_link), st.builds(_segment, TEXT))
        )
        path = f"/staff/sign-in/{token}" + ("/new" if form == "new-link" else "")
        pre = draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=32))
        headers["Cookie"] = f"{sign_in.PRE_COOKIE}={pre}"
        fields.append(("csrf", draw(mostly(st.just(pre), TEXT))))
    else:
        who = draw(mostly(st.sampled_from(WEB_STAFF), st.sampled_from(["nobody", "forged"])))
        cookie = (
            here.signed_in(who)
            if who in WEB_STAFF
            else draw(
                st.one_of(
                    st.text(string.ascii_letters + string.digits + "-_", max_size=43),
                    st.sampled_from(["caf\u00e9", "\u00ff" * 43, "%00", '"quoted"']),
                )
            )
        )
        if who != "nobody":
            headers["Cookie"] = f"sendbot-staff={cookie}"
        csrf = web_access.csrf_token(cookie) if cookie else ""
        fields.append(("csrf", draw(mostly(st.just(csrf), WEB_FIELDS["csrf"]))))
        path = "/staff/sign-out"
        if form != "sign-out":
            concern = draw(
                mostly(
                    st.sampled_from(here.concerns).map(str),
                    st.one_of(st.sampled_from(["0", "-1", "99999999999999"]), TEXT),
                )
            )
            path = f"/staff/concerns/{_segment(concern)}/{form}"
        if form == "decision":
            fields += [(key, draw(WEB_FIELDS[key])) for key in ("decision", "note")]
    fields += draw(st.lists(st.tuples(st.sampled_from(["csrf", "note", "x"]), TEXT), max_size=2))
    body, content = draw(web_body(fields))
    return path, body, {**headers, **content}


# The audit event each step of a concern's chronology is written with.
AUDITED_AS = {"acknowledged": "concern.acknowledge"}


def web_half_written(sessions: Any, here: WebServed) -> list[str]:
    """What the staff pages' forms could leave part-way, or let the wrong person do."""
    wrong: list[str] = []
    leads = {here.school.staff[key] for key in LEADS}
    with sessions() as session:
        audited = select(AuditEvent.object_id, AuditEvent.action).where(
            AuditEvent.object_type == "concern"
        )
        recorded = Counter(tuple(row) for row in session.execute(audited))
        steps = select(ConcernAction.concern_id, ConcernAction.kind)
        done = Counter(tuple(row) for row in session.execute(steps))
        for (concern_id, kind), times in done.items():
            if recorded[(concern_id, AUDITED_AS.get(kind, f"concern.{kind}"))] < times:
                wrong.append(f"concern {concern_id}: {kind} without its audit event")
            if kind == "acknowledged" and times > 1:
                wrong.append(f"concern {concern_id} acknowledged {times} times")
        for action in session.scalars(select(ConcernAction)):
            lead_only = action.concern_id == here.concerns[0]  # the safeguarding concern
            if lead_only and action.actor_id is not None and action.actor_id not in leads:
                wrong.append(f"concern {action.concern_id}: {action.kind} by {action.actor_id}")
            if action.kind in ("decision", "referral") and not action.note_text:
                wrong.append(f"concern {action.concern_id}: {action.kind} without its reason")
        signed_in = Counter(
            session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "web.sign_in"))
        )
        sessions_of = Counter(session.scalars(select(WebSession.staff_id)))
        for staff_id, times in sessions_of.items():
            if signed_in[staff_id] < times:
                wrong.append(f"staff {staff_id}: a session without its web.sign_in event")
    return wrong


def test_fuzzed_staff_page_form_posts_never_get_500_or_leave_a_half_written_record(
    web_served: WebServed, sessions: Any
) -> None:
    @WEB_FUZZ
    @given(request=web_form_post(web_served))
    def one(request: tuple[str, bytes, dict[str, str]]) -> None:
        status = web_served.post(*request)
        assert status < 500
        assert web_served.healthy()
        assert half_written(sessions) == []
        assert web_half_written(sessions, web_served) == []

    one()
    # The posts reached the forms' work, not only their refusals.
    with sessions() as session:
        kinds = set(session.scalars(select(ConcernAction.kind)))
        linked = select(func.count()).where(WebSignIn.used_at.is_not(None))
        assert session.scalar(linked.select_from(WebSignIn))
    assert {"acknowledged", "decision"} <= kinds


# --- the parents' one-tap pages ---------------------------------------------------------

PARENT_FUZZ = settings(max_examples=max(150, settings.default.max_examples))
PARENT_FORMS = [
    "answer", "views", "message", "language", "channel", "new", "telegram", "confirm"
]  # fmt: skip
ONE_CLICK = b"List-Unsubscribe=One-Click"  # RFC 8058: a post to the link itself
FORM_ENCODED = "application/x-www-form-urlencoded"
PARENT_PAGES = ["", "/views", "/message", "/settings", "/meeting.ics"]


@dataclass
class ParentsServed:
    loop: asyncio.AbstractEventLoop
    client: TestClient
    core: Core
    school: SmallSchool
    links: dict[str, str]  # what each link opens: its token
    live: list[str]  # the tokens that open something

    def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        async def go() -> int:
            response = await self.client.request(method, path, data=body, headers=headers)
            await response.read()
            if response.status < 500 and not path.endswith("/meeting.ics"):
                assert response.headers["Cache-Control"] == "no-store", path
                assert response.headers["Referrer-Policy"] == "no-referrer", path
                assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            return response.status

        return int(self.loop.run_until_complete(go()))

    def healthy(self) -> bool:
        async def check() -> int:
            return (await self.client.get("/healthz")).status

        return bool(self.loop.run_until_complete(check()) == 200)

    def relive(self) -> None:
        """Each example starts with the live links live ("send me a new link" replaces one)."""
        digests = [parent_links.digest(token) for token in self.live]
        with self.core.sessions() as session, session.begin():
            session.execute(
                update(ParentLink)
                .where(ParentLink.token_hash.in_(digests))
                .values(replaced_at=None, resent_at=None)
            )
            session.execute(  # and with the email a one-click unsubscribe switched off
                update(Identity)
                .where(Identity.inactive_reason == "unsubscribed")
                .values(active=True, inactive_reason=None)
            )


def _parents_links(sessions: Any, school: SmallSchool, clock: FrozenClock) -> dict[str, str]:
    """Kacper's mother (email) and father (text message) are invited to his review, asked
    for their views, told of a meeting that was cancelled, and answered by the SENCO: each
    message carries its link. The father's cancelled meeting's link is out of date."""
    family = a_family_without_telegram(sessions, school)
    book_review(sessions, school, clock.now())
    with sessions() as session, session.begin():
        senco = staff_actor_by_id(session, school.staff["senco"])
        assert senco is not None
        other = meetings.schedule(
            session, senco, pupil_id=school.pupils["kacper"], kind="parent_meeting",
            starts_at=BOOKED + timedelta(days=1), now=clock.now(), place="Room 4",
        ).meeting_id  # fmt: skip
        meetings.cancel(session, senco, other, now=clock.now())
        sent = parents.message_school(
            session, family.mother, school.pupils["kacper"], "Is Friday all right?", "ur", NOW
        )
        parents.staff_reply(session, senco, sent.message_id, "Friday is fine.", clock.now())
        # `sendbot invite guardians`: confirm the mother's email, connect the father's Telegram
        plan = invite_groups.plan(session, class_code="4R", year=None, school_urn="900001")
        invite_groups.send(session, plan, clock.now())
    post = the_post(sessions, clock, WEB_BASE)
    post.deliver()
    clock.advance(timedelta(minutes=3))
    post.deliver()
    found: dict[str, str] = {}
    with sessions() as session, session.begin():
        for link in session.scalars(select(ParentLink).order_by(ParentLink.id)):
            row = session.get(Outbox, link.outbox_id)
            assert row is not None
            who = "mother" if link.guardian_id == family.mother else "father"
            name = f"{who} {link.purpose} {row.template}"
            url = parent_links.link_for_outbox(session, row.id, WEB_BASE, clock.now())
            assert url is not None
            found[name] = url.rsplit("/", 1)[1]
            if who == "father" and row.template == keys.MEETING_CANCELLED:
                link.expires_at = clock.now() - timedelta(days=1)
                found["expired"] = found.pop(name)
    assert {name.split()[1] for name in found if name != "expired"} == set(parent_links.PURPOSES)
    return found


@pytest.fixture
def parents_served(db_url: str, sessions: Any) -> Iterator[ParentsServed]:
    school = build_small_school(sessions)
    clock = FrozenClock(NOW)
    links = _parents_links(sessions, school, clock)
    config = Settings(database_url=db_url, web_url=WEB_BASE, telegram_bot_username="fuzz_bot")
    core = build_core(config, clock)
    loop = asyncio.new_event_loop()

    async def start() -> TestClient:
        app = build_app(core, [web_plugin(config)])
        client = TestClient(TestServer(app), cookie_jar=DummyCookieJar())
        await client.start_server()
        return client

    client = loop.run_until_complete(start())
    live = [token for name, token in links.items() if name != "expired"]
    try:
        yield ParentsServed(loop, client, core, school, links, live)
    finally:
        loop.run_until_complete(client.close())
        loop.close()
        core.db.dispose()


# What a parent writes: mostly a sentence; sometimes longer than any page takes, or junk.
PARENT_TEXT = st.one_of(
    *[st.sampled_from(["Kacper is worried about the trip.", "Czyta więcej", ""])] * 6,
    st.sampled_from(["x" * 3001, "y" * 60_000]),
    TEXT,
)


@st.composite
def parent_request(draw: st.DrawFn, here: ParentsServed) -> tuple[str, str, bytes, dict]:
    """One GET of a parent's page or one post of its forms. Two in three are honest: a real
    link (one is out of date), its own form token, a form as a browser posts it, with mostly the values the page
    offers. The rest come from anyone: an expired or replaced link, a forged one, another
    link's form token or junk, any values, in any content type or none that can be read."""
    honest = draw(st.integers(0, 2)) > 0
    real = st.sampled_from(sorted(here.links.values()))
    forged = st.one_of(
        st.text(string.ascii_letters + string.digits + "-_", min_size=10, max_size=64),
        st.builds(lambda text: _segment(text[:300]), TEXT),
    )
    token = draw(real if honest else mostly(real, forged))
    if draw(st.integers(0, 7)) == 0:  # a mail app's one-click unsubscribe, or not quite one
        body = draw(st.one_of(st.just(ONE_CLICK), st.binary(max_size=40)))
        return "POST", f"/p/{token}", body, {"Content-Type": FORM_ENCODED}
    if draw(st.integers(0, 3)) == 0:
        page = draw(st.sampled_from([*PARENT_PAGES, "/answer", "/nothing", "/static/x.css"]))
        return "GET", f"/p/{token}{page}?done={_segment(draw(TEXT)[:200])}&child=1", b"", {}
    forms = st.sampled_from(PARENT_FORMS)
    form = draw(forms if honest else mostly(forms, st.sampled_from(["meeting.ics", "x"])))
    with here.core.sessions() as session:
        own = parent_links.form_token(session, token)
        other = parent_links.form_token(session, draw(real))
    csrf = st.just(own) if honest else mostly(st.just(own), st.one_of(st.just(other), TEXT))
    fields = [("csrf", draw(csrf))]
    values = {
        "choice": mostly(st.sampled_from(parent_links.ANSWERS), TEXT),
        "pupil": mostly(
            st.sampled_from([str(p) for p in here.school.pupils.values()]),
            st.one_of(st.sampled_from(["0", "-1", "99999999999999", "١٢"]), TEXT),
        ),
        "text": PARENT_TEXT,
        "language": mostly(st.sampled_from(["en_GB", "pl", "ur", "ar", "so"]), TEXT),
        "channel": mostly(st.sampled_from(["email", "sms", "telegram"]), TEXT),
        **{question: PARENT_TEXT for question in meetings.VIEW_QUESTIONS},
    }
    fields += [(k, draw(v)) for k, v in values.items() if honest or draw(st.booleans())]
    if honest:
        raw = urlencode(fields, errors="surrogatepass").encode()
        return "POST", f"/p/{token}/{form}", raw, {"Content-Type": FORM_ENCODED}
    fields += draw(st.lists(st.tuples(st.sampled_from(["csrf", "choice", "x"]), TEXT), max_size=2))
    body, content = draw(web_body(fields))
    if draw(st.integers(0, 5)) == 0:
        content = {"Content-Type": "multipart/form-data"}  # no boundary
    return "POST", f"/p/{token}/{form}", body, content


def _honest(here: ParentsServed, link: str, form: str, **fields: str) -> tuple[str, ...]:
    """A post as the page's own form makes it, by the link whose name starts `link`, so
    every run reaches each form's work whatever the examples drawn."""
    [token] = [t for name, t in here.links.items() if name.startswith(link)][:1]
    if form == "message":
        fields["pupil"] = str(here.school.pupils["kacper"])
    with here.core.sessions() as session:
        fields["csrf"] = parent_links.form_token(session, token)
    raw = urlencode(fields).encode()
    return "POST", f"/p/{token}/{form}", raw, {"Content-Type": FORM_ENCODED}


def _one_click(here: ParentsServed, link: str) -> tuple[str, ...]:
    [token] = [t for name, t in here.links.items() if name.startswith(link)][:1]
    return "POST", f"/p/{token}", ONE_CLICK, {"Content-Type": FORM_ENCODED}


def parents_half_written(sessions: Any) -> list[str]:
    """What a parent's page could leave part-way."""
    wrong: list[str] = []
    with sessions() as session:
        events = Counter(
            tuple(row) for row in session.execute(select(AuditEvent.action, AuditEvent.object_id))
        )
        for message in session.scalars(select(ParentMessage)):
            if message.direction == "in" and not events[("parent_message.in", message.id)]:
                wrong.append(f"parent message {message.id} without its audit event")
        for invitation in session.scalars(select(Invitation)):
            if invitation.rsvp not in (None, *meetings.ANSWERS):
                wrong.append(f"invitation {invitation.id} answered {invitation.rsvp!r}")
            answered = invitation.rsvp is not None or invitation.interpreter_requested
            if answered and not events[("invitation.answer", invitation.id)]:
                wrong.append(f"invitation {invitation.id} answered without its audit event")
            if invitation.parent_views_text is not None:
                views = json.loads(invitation.parent_views_text)
                if set(views["answers"]) != set(meetings.VIEW_QUESTIONS):
                    wrong.append(f"invitation {invitation.id}: views do not read back")
                if not events[("invitation.views", invitation.id)]:
                    wrong.append(f"invitation {invitation.id}: views without their audit event")
    return wrong


def test_fuzzed_parent_page_requests_never_get_500_or_leave_a_half_written_record(
    parents_served: ParentsServed, sessions: Any
) -> None:
    @PARENT_FUZZ
    @given(request=parent_request(parents_served))
    @example(request=_honest(parents_served, "mother invitation", "answer", choice="yes"))
    @example(request=_honest(parents_served, "father views", "views", hopes="Czyta więcej"))
    @example(request=_honest(parents_served, "mother message", "message", text="Dziękuję"))
    @example(request=_honest(parents_served, "expired", "new"))
    @example(request=_honest(parents_served, "father link_telegram", "telegram"))
    @example(request=_honest(parents_served, "mother confirm_email", "confirm"))
    @example(request=_one_click(parents_served, "mother invitation"))
    def one(request: tuple[str, str, bytes, dict[str, str]]) -> None:
        parents_served.relive()
        for _ in range(2 if request[0] == "POST" else 1):  # a post sent twice
            status = parents_served.send(*request)
            assert status < 500
            assert parents_served.healthy()
        assert half_written(sessions) == []
        assert parents_half_written(sessions) == []

    one()
    # The requests reached the pages' work, not only their refusals.
    with sessions() as session:
        done = set(session.scalars(select(AuditEvent.action)))
        messages = session.scalar(select(func.count()).select_from(ParentMessage))
    assert {"invitation.answer", "invitation.views", "parent_link.new_link"} <= done
    assert {"invite.create", "identity.confirm", "identity.unsubscribe"} <= done
    assert messages and messages > 1
