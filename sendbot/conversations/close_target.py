"""Close a target as met, partly met or not met, with a note.

State diagram: docs/flows/close_target.md.
"""

from __future__ import annotations

from sendbot.conversations.common import may_manage, summary
from sendbot.conversations.fields import Answers, ChoiceField, ConfirmField, Option, TextField
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import needs_targets, pupil_field, pupil_id
from sendbot.conversations.turn import Turn
from sendbot.services import plans
from sendbot.services.policy import Action

OUTCOMES = tuple(Option(k, v) for k, v in plans.CLOSE_OUTCOMES.items())


def _targets(turn: Turn, answers: Answers) -> list[Option]:
    found = plans.active_targets(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    return [Option(str(t.id), t.staff_wording) for t in found]


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(CLOSE_TARGET, turn, answers, "Please check:")


def _submit(turn: Turn, answers: Answers) -> str:
    plans.close_target(
        turn.session,
        turn.actor,
        int(answers["target"]),
        answers["outcome"],
        answers.get("note"),
        turn.now,
    )
    outcome = plans.CLOSE_OUTCOMES[answers["outcome"]].lower()
    return f"Target closed as {outcome}. It stays in the pupil's history."


CLOSE_TARGET = Flow(
    name="close_target",
    title="Close a target",
    triggers=("close target", "close a target", "target met"),
    intro="Let's close a target. Type 'back' to change an answer or 'cancel' to stop.",
    describe="close a target as met, partly met or not met",
    may_start=may_manage,
    submit=_submit,
    outcome="target status, closing note (encrypted), closed at; audited; kept in the history",
    fields=(
        pupil_field("Which pupil? Type part of their first name or surname.", check=needs_targets),
        ChoiceField(
            name="target",
            label="Target",
            question="Which target?",
            source=_targets,
            needs=("pupil",),
        ),
        ChoiceField(name="outcome", label="Outcome", question="Was it met?", choices=OUTCOMES),
        TextField(
            name="note",
            label="Note",
            question="A note on how it went? Up to 1,000 characters, or 'skip'.",
            max_length=plans.NOTE_LIMIT,
            optional=True,
        ),
        ConfirmField(
            name="confirm", label="Confirm", question="Close this target?", summary=_summary
        ),
    ),
)
