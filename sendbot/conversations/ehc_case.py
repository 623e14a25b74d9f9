"""Record a step of a pupil's EHC case: the dates that start the statutory deadlines.

Request, the local authority's decision, advice, draft and final plan, amendment notice,
re-assessment, mediation and appeal, and the exemptions the regulations allow. Saving
recomputes the pupil's deadlines and says what is due next. State diagram:
docs/flows/ehc_case.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sendbot.conversations.common import long_date, may_manage, summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    Option,
    PupilField,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import pupil_id
from sendbot.conversations.turn import Turn
from sendbot.services import ehc_cases
from sendbot.services.policy import Action

STEP_OPTIONS = (
    *(Option(step.key, step.label) for step in ehc_cases.STEPS),
    Option(ehc_cases.EXEMPTION, "An exemption (the clock stops)"),
)
WHO_OPTIONS = tuple(Option(k, v[:1].upper() + v[1:]) for k, v in ehc_cases.REQUESTED_BY.items())
OUTCOME_OPTIONS = tuple(Option(k, v[:1].upper() + v[1:]) for k, v in ehc_cases.OUTCOMES.items())
REVIEW_DECISION_OPTIONS = tuple(
    Option(k, v[:1].upper() + v[1:]) for k, v in ehc_cases.REVIEW_DECISIONS.items()
)
# What to record next after the LA's decision on a review, in the SENCO's words.
AFTER_REVIEW_DECISION = {
    "amend": "When the proposed amendments reach the family, record the amendment notice: "
    "it starts their 15 days to comment (reg 22(2)).",
    "maintain": "If the family disagree, the decision letter gives them the right of appeal: "
    "record it as the decision letter.",
    "cease": "If the family disagree, the decision letter gives them the right of appeal: "
    "record it as the decision letter.",
}
EXEMPTION_OPTIONS = tuple(
    Option(k, v[:1].upper() + v[1:]) for k, v in ehc_cases.EXEMPTION_WORDS.items()
)


def _is(step: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("step") == step


def _step_question(turn: Turn, answers: Answers) -> str:
    case = ehc_cases.summary(turn.session, turn.actor, pupil_id(answers))
    if not case.steps:
        now = "Nothing is recorded yet for this pupil's EHC case."
    else:
        now = "Recorded so far:\n" + "\n".join(f"- {line}" for line in case.lines())
    return f"{now}\nWhich step do you want to record?"


def _date_question(turn: Turn, answers: Answers) -> str:
    if answers["step"] == ehc_cases.EXEMPTION:
        return "When did it start?"
    return ehc_cases.STEPS_BY_KEY[answers["step"]].question


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(EHC_CASE, turn, answers, "Please check the step:")


def _submit(turn: Turn, answers: Answers) -> str:
    on = date.fromisoformat(answers["on"])
    if answers["step"] == ehc_cases.EXEMPTION:
        ends = answers.get("ends")
        done = ehc_cases.record_exemption(
            turn.session, turn.actor, pupil_id(answers), answers["exemption"], answers["reason"],
            on, date.fromisoformat(ends) if ends else None, turn.now, turn.today,
        )  # fmt: skip
    else:
        done = ehc_cases.record_step(
            turn.session, turn.actor, pupil_id(answers), answers["step"], on, turn.now,
            turn.today, requested_by=answers.get("who"),
            outcome=answers.get("outcome") or answers.get("review_decision"),
        )  # fmt: skip
    text = f"Recorded for {done.pupil_name}: {done.step_label.lower()}, {long_date(done.on)}."
    decided = answers.get("review_decision")
    if decided:
        text = (
            f"Recorded for {done.pupil_name}: the local authority decided on "
            f"{long_date(done.on)} to {ehc_cases.REVIEW_DECISIONS[decided]}."
        )
    after = f" {AFTER_REVIEW_DECISION[decided]}" if decided else ""
    return f"{text} {next_due(done, turn.today)}{after}"


def next_due(done: ehc_cases.Recorded, today: date) -> str:
    """The deadline a recorded step leads to, in words: next, or already overdue."""
    if done.next_due is None:
        return "Nothing is due for this case now."
    title, due = done.next_due
    if due < today:
        return f"Overdue: {title}, due by {long_date(due)}."
    return f"Next due: {title}, by {long_date(due)}."


EHC_CASE = Flow(
    name="ehc_case",
    title="Record an EHC case step",
    triggers=("ehc", "ehcp", "ehc case", "ehc step", "ehc dates"),
    intro="Let's record a step of an EHC case. Type 'back' or 'cancel' at any time.",
    describe="record a date in a pupil's EHC journey, so its deadlines are worked out",
    may_start=may_manage,
    submit=_submit,
    outcome="EHC case date set (or exemption kept); deadlines recomputed; audited",
    fields=(
        PupilField(
            name="pupil",
            label="Pupil",
            question="Which pupil? Type part of their first name or surname.",
            help="You can find any pupil in the school.",
            action=Action.RECORD_EHC_STEP.value,
        ),
        ChoiceField(
            name="step",
            label="Step",
            question="Which step do you want to record?",
            question_for=_step_question,
            choices=STEP_OPTIONS,
            needs=("pupil",),
        ),
        ChoiceField(
            name="who",
            label="Requested by",
            question="Who made the request?",
            choices=WHO_OPTIONS,
            when=_is("request"),
            needs=("step",),
        ),
        ChoiceField(
            name="outcome",
            label="Decision",
            question="What did the local authority decide?",
            choices=OUTCOME_OPTIONS,
            when=_is("decision"),
            needs=("step",),
        ),
        ChoiceField(
            name="review_decision",
            label="Decision",
            question="What did the local authority decide after the review?",
            choices=REVIEW_DECISION_OPTIONS,
            when=_is("review_decision"),
            needs=("step",),
        ),
        ChoiceField(
            name="exemption",
            label="Exemption",
            question="Which exemption? Only these stop the clock (reg 10(4) and reg 8(2)).",
            choices=EXEMPTION_OPTIONS,
            when=_is(ehc_cases.EXEMPTION),
            needs=("step",),
        ),
        DateField(
            name="on",
            label="Date",
            question="When was it?",
            question_for=_date_question,
            not_future=True,
            needs=("step",),
        ),
        DateField(
            name="ends",
            label="Ended",
            question="When did it end? Type 'skip' if it is still going on.",
            not_future=True,
            optional=True,
            none_text="still going on",
            when=_is(ehc_cases.EXEMPTION),
            needs=("on",),
        ),
        TextField(
            name="reason",
            label="Reason",
            question="Why? A few words the family and the local authority would recognise.",
            max_length=500,
            when=_is(ehc_cases.EXEMPTION),
            needs=("on",),
        ),
        ConfirmField(name="confirm", label="Confirm", question="Save this step?", summary=_summary),
    ),
)
