"""The Bolt listeners, one package a kind, each with its `register(app, slack)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from sendbot.handlers.slack.listeners import actions, commands, events, options, shortcuts, views
from sendbot.handlers.slack.runtime import SlackApp


def register(app: AsyncApp, slack: SlackApp) -> None:
    for kind in (commands, shortcuts, actions, views, options, events):
        kind.register(app, slack)
