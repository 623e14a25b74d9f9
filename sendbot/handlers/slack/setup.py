"""Connecting a school to its Slack workspace from the command line, in one step."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from sendbot.config import Settings
from sendbot.handlers.slack.app import build_slack_app
from sendbot.handlers.slack.plugin import secret_value
from sendbot.handlers.slack.runtime import SlackApp
from sendbot.services import identities
from sendbot.serving.core import build_core


@dataclass(frozen=True)
class Connected:
    school_name: str
    team_id: str
    team_name: str
    staff_linked: int
    staff_unlinked: list[str]


class SetupError(Exception):
    """Something the person running the command can fix; the message says what."""


async def connect(settings: Settings, school_urn: str | None = None) -> Connected:
    """Ask Slack which workspace the bot token belongs to, make it the school's, then find
    every staff member's Slack account by email."""
    token = secret_value(settings.slack_bot_token)
    if not token:
        raise SetupError("Set SENDBOT_SLACK_BOT_TOKEN first (the app's Bot User OAuth Token).")
    core = build_core(settings)
    try:
        slack: SlackApp = build_slack_app(
            core,
            bot_token=token,
            signing_secret=secret_value(settings.slack_signing_secret) or "not-needed-here",
            api_url=settings.slack_api_url,
        )
        try:
            auth = await slack.bolt.client.auth_test()
        except SlackApiError as error:
            raise SetupError(
                f"Slack refused the bot token ({error.response.get('error')}). Copy it again "
                "from the app's OAuth & Permissions page."
            ) from error
        team_id, team_name = str(auth["team_id"]), str(auth.get("team") or auth["team_id"])

        def save() -> str:
            with core.sessions() as session, session.begin():
                school = identities.connect_slack_workspace(
                    session, team_id, core.clock.now(), school_urn
                )
                return school.name

        try:
            school_name = save()
        except identities.WorkspaceError as error:
            raise SetupError(str(error)) from error
        linked = await slack.link_unlinked_staff()
        with core.sessions() as session:
            missing = [email for _, email in identities.unlinked_slack_staff(session, team_id)]
        return Connected(school_name, team_id, team_name, linked, missing)
    finally:
        core.db.dispose()
