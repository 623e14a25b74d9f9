"""Slack: the only package that imports slack_bolt and slack_sdk.

`slack_plugin(settings)` is what `sendbot serve` adds when a bot token is configured: the
`POST /slack/events` route (events, interactivity, slash commands, options), or a Socket
Mode connection when an app-level token is set, and the Slack sender for the outbox.
"""
