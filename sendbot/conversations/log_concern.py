"""Log a concern: pupil, what happened, who raised it, area, safeguarding triage, confirm.

State diagram: docs/flows/log_concern.md.
"""

from __future__ import annotations

from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    Option,
    PupilField,
    TextField,
    YesNoField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.needs import Area
from sendbot.services import concerns
from sendbot.services.policy import Action

CALL_999 = (
    "Call 999 now. A child in immediate danger comes first: do that before anything else. "
    "Then tell the designated safeguarding lead (DSL) in person, and finish this record "
    "as soon as the child is safe."
)

NOT_ON_ROLL = (
    "I couldn't find a pupil called '{query}' on roll at your school. Try part of their "
    "first name or surname. If the child is not a pupil here, tell the designated "
    "safeguarding lead (DSL) in person: they will pass your concern on."
)

SOURCES = (
    Option("staff", "I saw or heard it myself"),
    Option("pupil", "The child told me"),
    Option("parent", "A parent or carer told me"),
)


def _after_danger(value: object) -> str | None:
    return CALL_999 if value is True else None


def _summary(turn: Turn, answers: Answers) -> str:
    flow = LOG_CONCERN
    lines = ["Please check your concern:"]
    for field in flow.fields[:-1]:
        if field.name in answers:
            lines.append(f"- {field.label}: {field.show(turn, answers[field.name])}")
    if answers.get("safeguarding"):
        lines.append("This will be saved as a safeguarding concern and the DSL alerted at once.")
    return "\n".join(lines)


def _submit(turn: Turn, answers: Answers) -> str:
    safeguarding = bool(answers["safeguarding"])
    danger = bool(answers.get("immediate_danger", False))
    receipt = concerns.log_concern(
        turn.session,
        turn.actor,
        concerns.NewConcern(
            pupil_id=int(answers["pupil"]),
            area=Area(answers["area"]),
            narrative=answers["narrative"],
            source=answers["source"],
            safeguarding=safeguarding,
            immediate_danger=danger,
            triage={
                "risk_indicators": safeguarding,
                "immediate_danger": danger if safeguarding else None,
                "told_to_call_999": danger,
            },
        ),
        turn.now,
    )
    if safeguarding:
        text = (
            f"Saved as safeguarding concern #{receipt.concern_id}. The designated safeguarding "
            "lead and deputies have been alerted now. If you are still worried, find the DSL "
            "in person as well."
        )
        return (CALL_999 + "\n\n" + text) if danger else text
    return f"Saved as concern #{receipt.concern_id}. The SENCO has been told. Thank you."


LOG_CONCERN = Flow(
    name="log_concern",
    title="Log a concern",
    triggers=("concern", "log concern", "log a concern", "new concern"),
    intro="Let's log a concern. Type 'back' to change an answer or 'cancel' to stop at any time.",
    describe="tell the SENCO (and the DSL, if a child may be at risk) what you saw or heard",
    # Every member of staff, in every role: any adult may have a concern about any child.
    may_start=lambda actor: bool(actor.roles),
    submit=_submit,
    outcome="concern + audit event + outbox alerts in one transaction",
    fields=(
        PupilField(
            name="pupil",
            label="Pupil",
            question="Which pupil is this about? Type part of their first name or surname.",
            help=(
                "You can find any pupil on roll at your school, whichever class they are "
                "in. You will see only their name, year group and class."
            ),
            action=Action.LOG_CONCERN.value,
            not_found=NOT_ON_ROLL,
        ),
        TextField(
            name="narrative",
            label="What happened",
            question=(
                "What happened? Say what you saw or heard, using the child's own words "
                "where you can (up to 2,000 characters)."
            ),
            help="Facts first: what, when, where, who was there. Keep opinions separate.",
            max_length=concerns.NARRATIVE_LIMIT,
        ),
        ChoiceField(
            name="source",
            label="Raised by",
            question="How did this come to you?",
            choices=SOURCES,
        ),
        ChoiceField(
            name="area",
            label="Area",
            question="Which area is it mostly about?",
            choices=tuple(Option(a.value, a.label) for a in Area),
            help="Pick the closest. The SENCO can change it later.",
        ),
        YesNoField(
            name="safeguarding",
            label="Safeguarding",
            question=(
                "Does this involve an injury, something the child said about harm, or a "
                "change in behaviour or mood that could mean the child is at risk?"
            ),
            help=(
                "If in doubt, answer yes. Signs of harm in children with SEND are easily "
                "put down to their needs."
            ),
        ),
        YesNoField(
            name="immediate_danger",
            label="Immediate danger",
            question="Is the child in immediate danger right now?",
            when=lambda answers: answers.get("safeguarding") is True,
            after=_after_danger,
        ),
        ConfirmField(
            name="confirm",
            label="Confirm",
            question="Save this concern?",
            summary=_summary,
        ),
    ),
)
