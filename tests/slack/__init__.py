"""Slack adapter tests: the real Bolt app, signed payloads, a fake Slack Web API."""
