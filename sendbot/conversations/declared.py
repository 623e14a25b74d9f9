"""Every declared flow, whoever it is for: the staff menu's flows and the parents' flows."""

from __future__ import annotations

from typing import Any

from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_flows import PARENT_FLOWS
from sendbot.conversations.registry import REGISTRY

DECLARED: tuple[Flow[Any, Any], ...] = (*REGISTRY.flows, *REGISTRY.hidden, *PARENT_FLOWS)
