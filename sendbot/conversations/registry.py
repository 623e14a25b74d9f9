"""Every flow sendbot offers, in menu order."""

from __future__ import annotations

from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.log_concern import LOG_CONCERN

REGISTRY = FlowRegistry(flows=(LOG_CONCERN,))
