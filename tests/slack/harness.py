"""The real serving app with the Slack plugin, talking to the fake Slack Web API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from sendbot.clock import FrozenClock
from sendbot.config import Settings
from sendbot.conversations.engine import Engine
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.log_concern import LOG_CONCERN
from sendbot.handlers.slack.plugin import SLACK_APP_KEY, slack_plugin
from sendbot.serving.app import build_app
from sendbot.serving.core import Core, build_core
from sendbot.store.models import School
from tests.factories import NOW, SmallSchool, build_small_school
from tests.slack import payloads
from tests.slack.fake_slack import TEAM_ID, FakeSlack

# Slack user ids for the small school's staff (and their emails in the fake workspace).
USERS = {
    "teacher": "U0TEACHER",
    "ta": "U0TA",
    "teacher4": "U0TEACHER4",
    "senco": "U0SENCO",
    "dsl": "U0DSL",
    "deputy": "U0DEPUTY",
    "head": "U0HEAD",
    "admin": "U0ADMIN",
}
STRANGER = "U0STRANGER"


@dataclass
class Harness:
    fake: FakeSlack
    client: TestClient
    core: Core
    school: SmallSchool
    clock: FrozenClock

    @property
    def slack(self) -> Any:
        return self.client.server.app[SLACK_APP_KEY]

    async def post(self, body: str, headers: dict[str, str]) -> Any:
        return await self.client.post("/slack/events", data=body.encode(), headers=headers)

    async def command(self, who: str, text: str, **kw: Any) -> Any:
        user = USERS.get(who, who)
        kw.setdefault("response_url", self.fake.response_url())
        body, headers = payloads.form_request(payloads.slash_command(user, text, **kw))
        return await self.post(body, headers)

    async def interact(self, payload: dict[str, Any]) -> Any:
        body, headers = payloads.interactive(payload)
        return await self.post(body, headers)

    async def event(
        self, payload: dict[str, Any], extra_headers: dict[str, str] | None = None
    ) -> Any:
        body, headers = payloads.json_request(payload, extra_headers)
        return await self.post(body, headers)


def settings_for(db_url: str, fake: FakeSlack, app_token: str | None = None) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=payloads.SIGNING_SECRET,
        slack_api_url=fake.base_url,
        slack_app_token=app_token,
    )


def prepare_school(sessions: Any, fake: FakeSlack) -> SmallSchool:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.execute(
            update(School).where(School.id == school.school_id).values(slack_team_id=TEAM_ID)
        )
    for key, user in USERS.items():
        fake.add_user(user, f"{key}@oakfield.example")
    fake.add_user(STRANGER, "visitor@elsewhere.example")
    return school


class running:
    """`async with running(db_url, sessions) as h:` the whole stack for one test."""

    def __init__(
        self,
        db_url: str,
        sessions: Any,
        registry: FlowRegistry | None = None,
        app_token: str | None = None,
    ) -> None:
        self.app_token = app_token
        self.db_url = db_url
        self.sessions = sessions
        self.registry = registry or FlowRegistry(flows=(LOG_CONCERN,))

    async def __aenter__(self) -> Harness:
        fake = FakeSlack()
        await fake.start()
        school = prepare_school(self.sessions, fake)
        clock = FrozenClock(NOW)
        settings = settings_for(self.db_url, fake, self.app_token)
        core = build_core(settings, clock)
        core.conversations = Engine(core.sessions, self.registry, clock)
        app = build_app(core, [slack_plugin(settings, link_on_start=False)])
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        self.harness = Harness(fake, client, core, school, clock)
        return self.harness

    async def __aexit__(self, *exc: object) -> None:
        await self.harness.client.close()
        await self.harness.fake.stop()
        self.harness.core.db.dispose()


async def open_modal(h: Harness, who: str, text: str = "concern") -> dict[str, Any]:
    """/send TEXT, then the modal that was opened, as Slack would echo it back."""
    before = len(h.fake.called("views.open"))
    response = await h.command(who, text)
    assert response.status == 200
    calls = await h.fake.wait_for("views.open", before + 1)
    return payloads.opened_view(calls[-1].params["view"], {})


def filled(
    view: dict[str, Any], answers: dict[str, Any], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {**view, "state": {"values": payloads.state_for(view, answers, labels)}}


async def submit(
    h: Harness,
    who: str,
    view: dict[str, Any],
    answers: dict[str, Any],
    labels: dict[str, str] | None = None,
) -> Any:
    response = await h.interact(
        payloads.view_submission(USERS.get(who, who), filled(view, answers, labels))
    )
    assert response.status == 200
    text = await response.text()
    return json.loads(text) if text else None
