"""Every declared flow has its state diagram in docs/flows/, drawn from its declaration:
the diagram names each of the flow's steps and no step the flow does not have."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sendbot.conversations.declared import DECLARED
from sendbot.conversations.diagrams import (
    ANSWERED,
    CANCELLED,
    DOCS,
    SAVED,
    block,
    drawn,
    page,
    state,
    states_named,
)
from sendbot.conversations.flow import Flow

OUTCOMES = {SAVED, ANSWERED, CANCELLED}


@pytest.mark.parametrize("flow", DECLARED, ids=lambda flow: flow.name)
def test_each_flow_has_its_diagram_and_it_is_up_to_date(flow: Flow) -> None:
    found = drawn(flow)
    assert found is not None, (
        f"docs/flows/{page(flow)} has no diagram of {flow.name}: "
        "run python -m sendbot.conversations.diagrams"
    )
    assert found == block(flow), (
        f"the diagram of {flow.name} is out of date: run python -m sendbot.conversations.diagrams"
    )


@pytest.mark.parametrize("flow", DECLARED, ids=lambda flow: flow.name)
def test_each_diagram_names_exactly_the_flows_steps(flow: Flow) -> None:
    found = drawn(flow)
    assert found is not None
    steps = {state(f.name) for f in flow.fields}
    named = states_named(found)
    assert steps <= named, f"{flow.name}: steps missing from its diagram: {steps - named}"
    assert named <= steps | OUTCOMES, f"{flow.name}: not steps of the flow: {named - steps}"


def test_no_page_of_a_flow_draws_a_step_its_flows_do_not_have() -> None:
    """Hand-drawn diagrams beside the generated ones would drift: a page's diagrams name only
    the steps of the flows it describes."""
    steps: dict[str, set[str]] = defaultdict(set)
    for flow in DECLARED:
        steps[page(flow)] |= {state(f.name) for f in flow.fields}
    for name, known in steps.items():
        named = states_named((DOCS / name).read_text(encoding="utf-8"))
        assert named <= known | OUTCOMES, f"docs/flows/{name} draws {named - known - OUTCOMES}"


def test_a_diagram_is_drawn_from_the_declaration() -> None:
    """The drawing follows the fields: a conditional question is a branch, the confirm
    step saves or goes back, and cancel leaves from every step."""
    log_concern = next(flow for flow in DECLARED if flow.name == "log_concern")
    drawing = block(log_concern)
    assert "Safeguarding --> ImmediateDanger: if it applies" in drawing
    assert "Safeguarding --> ActionTaken\n" in drawing
    assert "Confirm --> Saved: Save" in drawing
    assert "Narrative --> Cancelled: cancel" in drawing


def test_the_index_of_diagrams_lists_every_declared_flow() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for flow in DECLARED:
        assert f"`{page(flow)}` |" in index and f"`{flow.name}`" in index, flow.name
