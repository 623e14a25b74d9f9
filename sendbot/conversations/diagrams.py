"""Each flow's state diagram, drawn from its declaration so the picture cannot drift.

docs/flows/ holds one Mermaid diagram per declared flow, between markers, beside the prose
that explains it. `python -m sendbot.conversations.diagrams` redraws them all;
tests/test_flow_diagrams.py fails when one is missing or out of date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sendbot.conversations.declared import DECLARED
from sendbot.conversations.fields import ConfirmField, Each, Field, Repeat
from sendbot.conversations.flow import Flow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows"
SAVED = "Saved"
ANSWERED = "Answered"
CANCELLED = "Cancelled"
# Flows described on the page of the flow they belong with; the rest have a page of their own.
PAGES = {
    "send_history": "move_level.md",
    "change_enrolment": "setup_intervention.md",
    "meeting_papers": "schedule_meeting.md",
    "invite_parent": "schedule_meeting.md",
    "move_meeting": "schedule_meeting.md",
    "cancel_meeting": "schedule_meeting.md",
    "staff.reply": "staff_reply.md",
    "parent.link": "parent_link_and_language.md",
    "parent.language": "parent_link_and_language.md",
    "parent.channel": "parent_channel.md",
    "parent.rsvp": "parent_rsvp.md",
    "parent.views": "parent_views.md",
    "parent.message": "parent_message.md",
    "adult_concerns": "adult_concern.md",
    "lado_consultation": "adult_concern.md",
}


def state(name: str) -> str:
    """A field's state name in a diagram: 'held_on' -> 'HeldOn'."""
    return "".join(part.capitalize() for part in re.split(r"[_.]", name) if part)


def page(flow: Flow) -> str:
    return PAGES.get(flow.name, f"{flow.name}.md")


def _begin(flow: Flow) -> str:
    return f"<!-- steps of flow `{flow.name}`, drawn from its declaration: do not edit by hand -->"


def _end(flow: Flow) -> str:
    return f"<!-- end of steps of flow `{flow.name}` -->"


def _onward(start: int, asked: Sequence[Field], last: str) -> list[tuple[str, str]]:
    """Where the flow can go after question `start - 1`: each later question that applies
    only sometimes, up to the first that always applies (or the end)."""
    out: list[tuple[str, str]] = []
    for f in asked[start:]:
        if f.when is not None:
            out.append((state(f.name), "if it applies"))
            continue
        out.append((state(f.name), ""))
        return out
    out.append((last, ""))
    return out


def _note(f: Field) -> str:
    if isinstance(f, Each):
        return "once per item"
    if isinstance(f, Repeat):
        return "again while 'add another' is yes"
    return "not accepted: asked again"


def render(flow: Flow) -> str:
    """The flow's steps as a Mermaid state diagram: every question, the confirm step,
    where cancel leads, and what saving does."""
    asked = [f for f in flow.fields if not isinstance(f, ConfirmField)]
    confirm = next((f for f in flow.fields if isinstance(f, ConfirmField)), None)
    end = ANSWERED if flow.read_only else SAVED
    last = state(confirm.name) if confirm is not None else end
    said = f'"{flow.triggers[0]}"' if flow.triggers else (flow.describe or "from a button")
    lines = ["stateDiagram-v2"]

    def edge(a: str, b: str, label: str = "") -> None:
        lines.append(f"    {a} --> {b}" + (f": {label}" if label else ""))

    for target, label in _onward(0, asked, last):
        edge("[*]", target, ", ".join(x for x in (said, label) if x))
    for i, f in enumerate(asked):
        if f.question or isinstance(f, Each | Repeat):  # one filled in from a button is not
            edge(state(f.name), state(f.name), _note(f))
        for target, label in _onward(i + 1, asked, last):
            edge(state(f.name), target, label)
    if confirm is not None:
        edge(last, end, confirm.save_label)
        if asked and confirm.may_change:
            edge(last, state(asked[-1].name), "change an answer")
    said_by_submit = " ".join((flow.submit.__doc__ or "").split("\n\n")[0].split())
    edge(end, "[*]", (flow.outcome or said_by_submit).rstrip("."))
    if flow.cancellable and (asked or confirm is not None):
        for f in [*asked, *([confirm] if confirm is not None else [])]:
            edge(state(f.name), CANCELLED, "cancel")
        edge(CANCELLED, "[*]", (flow.cancel_note or "nothing saved").rstrip("."))
    return "\n".join(lines)


def block(flow: Flow) -> str:
    return f"{_begin(flow)}\n```mermaid\n{render(flow)}\n```\n{_end(flow)}"


def states_named(text: str) -> set[str]:
    """Every state a Mermaid diagram in `text` names (its transitions' two ends)."""
    found: set[str] = set()
    for diagram in re.findall(r"```mermaid\n(.*?)```", text, re.S):
        for line in diagram.splitlines():
            m = re.match(r"\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)", line)
            if m:
                found |= {m.group(1), m.group(2)}
    found.discard("[*]")
    return found


def drawn(flow: Flow, docs: Path = DOCS) -> str | None:
    """The flow's diagram block as it stands in docs/flows/, or None if it has none."""
    path = docs / page(flow)
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    start, stop = text.find(_begin(flow)), text.find(_end(flow))
    if start < 0 or stop < start:
        return None
    return text[start : stop + len(_end(flow))]


def redraw(flows: Sequence[Flow], docs: Path = DOCS) -> list[str]:
    """Write each flow's block into its page (appended if the page has none yet)."""
    changed: list[str] = []
    for flow in flows:
        path = docs / page(flow)
        text = path.read_text(encoding="utf-8") if path.exists() else f"# Flow: {flow.title}\n"
        old = drawn(flow, docs)
        new = block(flow)
        if old == new:
            continue
        if old is None:
            text = text.rstrip("\n") + f"\n\n## Steps of `{flow.name}`\n\n{new}\n"
        else:
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        changed.append(page(flow))
    return changed


def main() -> None:
    for name in redraw(DECLARED):
        print(f"redrawn: docs/flows/{name}")


if __name__ == "__main__":
    main()
