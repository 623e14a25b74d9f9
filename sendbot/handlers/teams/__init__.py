"""Microsoft Teams through the Microsoft 365 Agents SDK: staff in the bot's personal chat.

Only this package imports `microsoft_agents`. The SDK authenticates inbound activities
(`auth`), parses them (`microsoft_agents.activity`) and calls the Bot Connector REST API
(`connector`); routing, identity and delivery are sendbot's own (`bot`, `sender`).
"""
