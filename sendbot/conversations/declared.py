"""Every declared flow, whoever it is for: the staff menu's flows and the parents' flows."""

from __future__ import annotations

from sendbot.conversations.flow import Flow
from sendbot.conversations.registry import REGISTRY

DECLARED: tuple[Flow, ...] = (*REGISTRY.flows, *REGISTRY.hidden)
