"""The manifest a school pastes must match what the code listens for."""

from __future__ import annotations

from pathlib import Path

import yaml

from sendbot.handlers.slack.flows import SUBCOMMANDS
from sendbot.handlers.slack.listeners.shortcuts import MESSAGE_SHORTCUT

MANIFEST = Path(__file__).parents[2] / "slack" / "manifest.yml"


def test_the_manifest_declares_every_entry_point_scope_and_url():
    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/send"]
    shortcuts = {(s["type"], s["callback_id"]) for s in features["shortcuts"]}
    assert shortcuts == {
        ("global", "log_concern"),
        ("global", SUBCOMMANDS["session"][0]),
        ("message", MESSAGE_SHORTCUT),
    }
    assert all(len(s["description"]) <= 150 for s in features["shortcuts"])
    assert features["app_home"]["home_tab_enabled"] is True
    assert {
        "commands", "chat:write", "users:read", "users:read.email", "files:write", "files:read",
        "im:history",
    } <= set(manifest["oauth_config"]["scopes"]["bot"])  # fmt: skip
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", "message.im"]
    urls = {
        features["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    }
    assert urls == {"https://sendbot.your-school.example/slack/events"}
    assert 174 <= len(manifest["display_information"]["long_description"]) <= 4000
