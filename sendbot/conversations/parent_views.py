"""A parent's views before a review: three questions, each skippable, then send.

State diagram: docs/flows/parent_views.md.
"""

from __future__ import annotations

from typing import Any

from sendbot.conversations.chat import Outcome, say
from sendbot.conversations.fields import Answers
from sendbot.conversations.flow import Flow
from sendbot.conversations.parent_turn import (
    CANCELLED,
    VIEWS,
    ParentConfirm,
    ParentFlow,
    ParentText,
    ParentTurn,
    Subject,
    _,
    refused,
)
from sendbot.services import meetings
from sendbot.services.action_ids import Action


def views_subject(turn: ParentTurn, scratch: dict[str, Any]) -> Subject:
    """The invitation the views are for, re-authorised on every message."""
    invitation_id = int(scratch["invitation_id"])
    target = meetings.views_target_for(
        turn.session, turn.guardian, Action("views", invitation_id), turn.now
    )
    if target.status == "refused":
        return Subject(refusal=refused(turn.w))
    return Subject({"child": target.child_name or "", "invitation_id": invitation_id})


def _views_summary(turn: ParentTurn, answers: Answers) -> str:
    w = turn.w
    lines = [w._("Your views about {child}:", child=turn.about["child"])]
    for question in VIEWS_QUESTIONS:
        value = answers.get(question.name)
        lines.append(f"{w._(question.label)}: {w.isolate(value) if value else '-'}")
    return "\n".join(lines)


def _save_views(turn: ParentTurn, answers: Answers) -> Outcome:
    """The views go with the invitation (encrypted) and the SENCO is told."""
    w = turn.w
    views = {name: answers.get(name) for name in meetings.VIEW_QUESTIONS}
    meetings.save_views(
        turn.session,
        turn.guardian,
        int(turn.about["invitation_id"]),
        views,
        w.language.code,
        turn.now,
    )
    return say(
        w._(
            "Thank you. Your views are saved for the meeting about {child}.",
            child=turn.about["child"],
        ),
        toast=True,
    )


_VIEWS_TOO_LONG = _("Please keep each answer under {limit} characters.")
VIEWS_QUESTIONS = (
    ParentText(
        name="going_well",
        label=_("Going well"),
        question=_("What is going well for {child}?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
    ParentText(
        name="worries",
        label=_("Worries"),
        question=_("Is there anything that worries you about {child}?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
    ParentText(
        name="hopes",
        label=_("Hopes"),
        question=_("What do you hope for {child} in the next year?"),
        optional=True,
        max_length=meetings.VIEWS_LIMIT,
        too_long=_VIEWS_TOO_LONG,
    ),
)

PARENT_VIEWS: ParentFlow = Flow(
    name=VIEWS,
    title="Share views before a review",
    triggers=(),
    intro=_("Thank you. I will ask three short questions about {child}. You can skip any of them."),
    fields=(
        *VIEWS_QUESTIONS,
        ParentConfirm(
            name="confirm",
            label="Confirm",
            question=_("Shall I send these to the school?"),
            summary_for=_views_summary,
            save_label=_("Send to the school"),
        ),
    ),
    describe="'Share my views' on a review invitation",
    submit=_save_views,
    cancel_note=CANCELLED,
    subject=views_subject,
)
