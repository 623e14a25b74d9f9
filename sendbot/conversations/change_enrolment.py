"""Change who is in an intervention: who leaves, who joins (from today).

State diagram: docs/flows/setup_intervention.md.
"""

from __future__ import annotations

from sendbot.conversations.common import (
    active_school_interventions,
    may_manage,
    plural,
    ref,
    ref_id,
    summary,
)
from sendbot.conversations.fields import (
    Answers,
    ConfirmField,
    LookupField,
    MultiChoiceField,
    Option,
    PupilsField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import MANAGE
from sendbot.conversations.turn import Turn
from sendbot.services import provision
from sendbot.services.pupils import fold


def _all(turn: Turn) -> list[provision.InterventionSummary]:
    return provision.all_in_school(turn.session, turn.actor)


def _search(turn: Turn, query: str) -> list[Option]:
    words = fold(query).split()
    return [Option(str(i.id), i.label) for i in _all(turn) if all(w in fold(i.name) for w in words)]


def _name(turn: Turn, intervention_id: int) -> str:
    return next((i.name for i in _all(turn) if i.id == intervention_id), "an intervention")


def _members(turn: Turn, answers: Answers) -> list[Option]:
    found = provision.current_members(turn.session, turn.actor, int(answers["intervention"]))
    return [Option(ref("pupil", p.id), p.display_name) for p in found]


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(CHANGE_ENROLMENT, turn, answers, "Please check the changes:")


def _submit(turn: Turn, answers: Answers) -> str:
    intervention_id = int(answers["intervention"])
    joined, left = provision.change_enrolment(
        turn.session,
        turn.actor,
        intervention_id,
        [int(p) for p in answers.get("add") or []],
        [ref_id(p) for p in answers.get("remove", [])],
        turn.today,
        turn.now,
    )
    now = len(provision.current_members(turn.session, turn.actor, intervention_id))
    return (
        f"{_name(turn, intervention_id)}: {joined} joined, {left} left. {plural(now, 'pupil')} now."
    )


CHANGE_ENROLMENT = Flow(
    name="change_enrolment",
    title="Change who is in an intervention",
    triggers=("enrol", "enrolment", "change enrolment", "who is in"),
    intro="Let's change who is in an intervention. Type 'back' or 'cancel' at any time.",
    describe="add or remove pupils from an intervention",
    may_start=may_manage,
    offered=active_school_interventions,
    submit=_submit,
    outcome="left_on / joined_on set today; audited per pupil",
    fields=(
        LookupField(
            name="intervention",
            label="Intervention",
            question="Which intervention? Choose one, or type part of its name.",
            suggest=lambda turn, answers: [Option(str(i.id), i.name) for i in _all(turn)][:8],
            search=_search,
            label_of=_name,
            not_found="No intervention here is called '{query}'. Try another part of its name.",
        ),
        MultiChoiceField(
            name="remove",
            label="Leaving",
            question="Who is leaving? Type their numbers, like 1, 3, or 'none'.",
            source=_members,
            none_label="Nobody",
            default=lambda turn, answers: "none",
            needs=("intervention",),
        ),
        PupilsField(
            name="add",
            label="Joining",
            question="Who is joining? Type their names separated by commas, or 'none'.",
            action=MANAGE,
            optional=True,
            none_text="nobody",
        ),
        ConfirmField(
            name="confirm", label="Confirm", question="Save these changes?", summary=_summary
        ),
    ),
)
