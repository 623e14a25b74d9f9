"""Unfinished reports: the safeguarding concerns someone started and has not saved, for the
DSL and deputies. No questions: it answers at once, oldest first.

The same words on every platform (console, Slack, Telegram): who started it, when, on which
app, about which pupil, whether the DSL was alerted of immediate danger, and each answer so
far (the narrative only for those the policy lets read it). The menu offers it only while
there is one to see. State diagram: docs/flows/unfinished_reports.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.log_concern import LOG_CONCERN
from sendbot.conversations.turn import Turn
from sendbot.services import concern_drafts, policy
from sendbot.services.concern_drafts import UnfinishedReport

NONE = "There are no unfinished safeguarding reports."
NOT_READ = "(only those who may read safeguarding details see it)"


def _at(turn: Turn, when: datetime) -> str:
    return when.astimezone(turn.tz).strftime("%H:%M on %a %-d %b")


def _year(year_group: int | None) -> str:
    if year_group is None:
        return "no pupil chosen yet"
    return "Reception" if year_group == 0 else f"Year {year_group}"


def _answers(turn: Turn, report: UnfinishedReport) -> list[str]:
    lines = []
    for field in LOG_CONCERN.fields:
        if field.name in ("pupil", "confirm"):
            continue
        if field.name == "narrative" and not report.narrative_shown:
            lines.append(f"  - {field.label}: {NOT_READ}")
            continue
        value: Any = report.answers.get(field.name)
        if value is None:
            continue
        lines.append(f"  - {field.label}: {field.show(turn, value)}")
    return lines or ["  - nothing answered yet"]


def _state(turn: Turn, report: UnfinishedReport) -> str:
    if report.status == concern_drafts.CANCELLED and report.ended_at is not None:
        return f"Stopped by {report.reporter} at {_at(turn, report.ended_at)}, not saved."
    hours = int((turn.now - report.updated_at).total_seconds() // 3600)
    last = f"Last answer at {_at(turn, report.updated_at)}"
    return f"{last} ({hours} hours ago), not saved yet." if hours else f"{last}, not saved yet."


def _report(turn: Turn, report: UnfinishedReport) -> list[str]:
    pupil = report.pupil_name or "a pupil not chosen yet"
    lines = [
        f"Report {report.draft_id}: started by {report.reporter} at "
        f"{_at(turn, report.started_at)} ({report.platform}), about {pupil} "
        f"({_year(report.year_group)})."
    ]
    if report.danger_alert_at is not None:
        lines.append(
            f"  Immediate danger: the urgent alert went at {_at(turn, report.danger_alert_at)}."
        )
    lines.append(f"  {_state(turn, report)} Answered so far:")
    lines.extend(_answers(turn, report))
    return lines


def _submit(turn: Turn, answers: Answers) -> str:
    reports = concern_drafts.unfinished(turn.session, turn.actor, turn.now)
    if not reports:
        return NONE
    lines = [
        f"Unfinished safeguarding reports ({len(reports)}): started, not saved. "
        "Speak to whoever started each one."
    ]
    for report in reports:
        lines.extend(_report(turn, report))
    return "\n".join(lines)


def _offered(turn: Turn) -> bool:
    return concern_drafts.count_unfinished(turn.session, turn.actor, turn.now) > 0


UNFINISHED_REPORTS = Flow(
    name="unfinished_reports",
    title="Unfinished reports",
    triggers=("unfinished", "unfinished reports", "drafts"),
    describe="safeguarding concerns someone started and has not saved yet",
    may_start=policy.may_list_safeguarding,
    offered=_offered,
    read_only=True,
    submit=_submit,
    outcome="'There are no unfinished...' or each report: who, when, pupil, alert, answers so far",
    fields=(),
)
