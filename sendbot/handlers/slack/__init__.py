"""Slack: the only package that imports slack_bolt and slack_sdk.

- `plugin.slack_plugin(settings)` is what `sendbot serve` adds when a bot token is set: the
  `POST /slack/events` route (events, interactivity, slash commands, options), or a Socket
  Mode connection when an app-level token is set, and the Slack sender for the outbox.
- `app.build_slack_app`: the Bolt app, the inbound gate (`admission`) as its one middleware,
  then `listeners/<kind>/` (commands, shortcuts, actions, views, options, events), each
  with its `register(app, slack)` and small callbacks, thin over the conversations and
  services layers. `runtime.SlackApp` is what they share: the core, the forms, the Home
  tabs to redraw.
- `blocks` and `record_blocks`: Block Kit for flow modals, alerts, the reply form, a
  concern's details and the Home tab (pure functions).
- `sender.SlackSender`: the outbox's `Sender` for Slack.
- `setup.connect`: `sendbot slack connect`, the workspace made the school's.
"""
