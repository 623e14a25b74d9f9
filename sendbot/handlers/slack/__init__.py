"""Slack: the only package that imports slack_bolt and slack_sdk.

- `plugin.slack_plugin(settings)` is what `sendbot serve` adds when a bot token is set: the
  `POST /slack/events` route (events, interactivity, slash commands, options), or a Socket
  Mode connection when an app-level token is set, and the Slack sender for the outbox.
- `app.SlackApp`: the Bolt listeners, thin over the conversations and services layers.
- `blocks`: Block Kit for flow modals, alerts, details and the Home tab (pure functions).
- `sender.SlackSender`: the outbox's `Sender` for Slack.
- `setup.connect`: `sendbot slack connect`, the workspace made the school's.
"""
