"""Create or update a pupil's support plan: its kind (in the school's words) and next review.

A new kind of plan moves the pupil to that level of the graduated approach, recorded with
the reason 'plan started'. State diagram: docs/flows/support_plan.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import long_date, may_manage, summary
from sendbot.conversations.ehc_case import next_due
from sendbot.conversations.fields import Answers, ChoiceField, ConfirmField, DateField, Option
from sendbot.conversations.flow import Flow
from sendbot.conversations.senco_common import (
    default_review,
    names,
    pupil_field,
    pupil_id,
    review_question,
)
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SenStatus
from sendbot.services import ehc_cases, pupils, school_policy
from sendbot.services import plans as plan_service
from sendbot.services.policy import Action


def _current(turn: Turn, answers: Answers) -> plan_service.PlanSummary | None:
    return plan_service.active_plan(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)


def _kinds(turn: Turn, answers: Answers) -> list[Option]:
    policy = names(turn)
    return [Option(level.value, policy.plan_name(level.value)) for level in school_policy.LEVELS]


def _kind_question(turn: Turn, answers: Answers) -> str:
    plan = _current(turn, answers)
    level = plan_service.level_of(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    policy = names(turn)
    if plan is None:
        now = f"No plan yet ({policy.level_name(level)})."
    else:
        review = long_date(plan.next_review_on) if plan.next_review_on else "not set"
        now = f"Current plan: {plan.name}, next review {review}."
    default = "" if level == SenStatus.NONE else " Type 'ok' to keep the same kind."
    return f"{now} Which kind of plan?{default}"


def _default_kind(turn: Turn, answers: Answers) -> str:
    level = plan_service.level_of(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    return level if level != SenStatus.NONE else ""


def _summary(turn: Turn, answers: Answers) -> str:
    text = summary(SUPPORT_PLAN, turn, answers, "Please check the plan:")
    level = plan_service.level_of(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
    if answers["kind"] != level:
        policy = names(turn)
        name = pupils.get_visible(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND)
        text += (
            f"\nThis moves {name.name} from {policy.level_name(level)} to "
            f"{policy.level_name(answers['kind'])}."
        )
    return text


def _issued_question(turn: Turn, answers: Answers) -> str:
    case = ehc_cases.summary(turn.session, turn.actor, pupil_id(answers))
    recorded = dict(case.steps).get(ehc_cases.STEPS_BY_KEY["final"].label)
    if recorded is not None:
        return (
            f"The final EHC plan was issued on {long_date(recorded)}. Type 'skip' to keep "
            "that date, or give the right one."
        )
    return (
        "When was the final EHC plan issued? Its annual review is counted from that date. "
        "Type 'skip' if you do not have it yet."
    )


def _ehc_dates(turn: Turn, answers: Answers) -> str:
    """An EHC plan's annual review needs the date it was issued: record it, or say it is
    missing so the SENCO adds it."""
    pupil = pupil_id(answers)
    if answers.get("issued"):
        done = ehc_cases.record_step(
            turn.session, turn.actor, pupil, "final", date.fromisoformat(answers["issued"]),
            turn.now, turn.today,
        )  # fmt: skip
        return f" Final EHC plan issued {long_date(done.on)}. {next_due(done, turn.today)}"
    if ehc_cases.summary(turn.session, turn.actor, pupil).missing_dates:
        return (
            " The date the final EHC plan was issued is missing, so there is no annual review "
            "deadline yet: type 'ehc' to record it."
        )
    return ""


def _submit(turn: Turn, answers: Answers) -> str:
    plan, created = plan_service.save_plan(
        turn.session,
        turn.actor,
        pupil_id(answers),
        answers["kind"],
        date.fromisoformat(answers["review"]),
        turn.now,
        turn.today,
    )
    name = pupils.get_visible(turn.session, turn.actor, pupil_id(answers), Action.MANAGE_SEND).name
    assert plan.next_review_on is not None
    verb = "Started" if created else "Updated"
    text = f"{verb} {name}'s {plan.name}. Next review: {long_date(plan.next_review_on)}."
    if answers["kind"] == SenStatus.EHC_PLAN.value:
        text += _ehc_dates(turn, answers)
    return text


SUPPORT_PLAN = Flow(
    name="support_plan",
    title="Plan for a pupil",
    triggers=("plan", "support plan", "new plan", "review date"),
    intro="Let's set up a plan. Type 'back' to change an answer or 'cancel' to stop.",
    describe="start a pupil's support plan or change its next review date",
    may_start=may_manage,
    submit=_submit,
    outcome="new plan (and level change) or new review date; audited",
    fields=(
        pupil_field("Which pupil? Type part of their first name or surname."),
        ChoiceField(
            name="kind",
            label="Plan",
            question="Which kind of plan?",
            question_for=_kind_question,
            source=_kinds,
            default=_default_kind,
            needs=("pupil",),
        ),
        DateField(
            name="issued",
            label="Final EHC plan issued",
            question="When was the final EHC plan issued?",
            question_for=_issued_question,
            not_future=True,
            optional=True,
            none_text="not given",
            when=lambda answers: answers.get("kind") == SenStatus.EHC_PLAN.value,
            needs=("kind",),
        ),
        DateField(
            name="review",
            label="Next review",
            question="When is the next review?",
            question_for=lambda turn, answers: review_question(turn, answers["kind"]),
            default=lambda turn, answers: default_review(turn, answers["kind"]).isoformat(),
            direction="future",
            not_past=True,
            max_days_ahead=366,
            needs=("kind",),
        ),
        ConfirmField(name="confirm", label="Confirm", question="Save this plan?", summary=_summary),
    ),
)
