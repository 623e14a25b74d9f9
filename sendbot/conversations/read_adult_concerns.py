"""Read the concerns and allegations about adults that are yours to read: the headteacher
(or the chair of governors, for those about the headteacher) reads every one they are case
manager of; the DSL reads the low-level concerns. Nobody ever reads one about themselves.

The list is the one the policy gives (`policy.adult_concerns_for`); choosing one shows it in
full. The list and each read are audited.

State diagram: docs/flows/adult_concerns.md.
"""

from __future__ import annotations

from sendbot.conversations.common import ref, ref_id, short_date
from sendbot.conversations.fields import Answers, ChoiceField, Option
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.services import adult_concerns

NONE_TO_READ = "There are no concerns about adults for you to read."


def _listed(turn: Turn) -> list[adult_concerns.AdultConcernView]:
    if "adult_concerns" not in turn.memo:
        turn.memo["adult_concerns"] = adult_concerns.listing(turn.session, turn.actor, turn.now)
    listed: list[adult_concerns.AdultConcernView] = turn.memo["adult_concerns"]
    return listed


def label(turn: Turn, item: adult_concerns.AdultConcernView) -> str:
    text = (
        f"#{item.concern_id} {adult_concerns.KIND_WORDS[item.kind]} about {item.about}, "
        f"reported {short_date(item.raised_at.astimezone(turn.tz).date())} by {item.raised_by}"
    )
    if item.lado_consulted_on is not None:
        return text + f"; LADO consulted {short_date(item.lado_consulted_on)}"
    if item.lado_due is not None:
        return text + f"; consult the LADO by {short_date(item.lado_due)}"
    return text


def _choices(turn: Turn, answers: Answers) -> list[Option]:
    return [Option(ref("adult", i.concern_id), label(turn, i)) for i in _listed(turn)]


def _submit(turn: Turn, answers: Answers) -> str:
    if answers.get("concern") is None:
        return NONE_TO_READ
    item = adult_concerns.read(turn.session, turn.actor, ref_id(answers["concern"]), turn.now)
    if item is None:
        return adult_concerns.NOT_FOUND
    lines = [
        f"{adult_concerns.KIND_WORDS[item.kind]} #{item.concern_id}",
        f"About: {item.about} ({item.about_role.lower()})",
        f"Reported by: {item.raised_by}, {item.raised_at.astimezone(turn.tz):%a %-d %b %Y %H:%M}",
    ]
    if item.happened_on is not None:
        lines.append(f"When it happened: {item.happened_on:%a %-d %b %Y}")
    lines.append(f"What happened: {item.narrative}")
    if item.lado_consulted_on is not None:
        lines.append(
            f"LADO consulted {item.lado_consulted_on:%a %-d %b %Y}: {item.lado_outcome or ''}"
        )
    elif item.lado_due is not None:
        lines.append(
            f"Consult the LADO by {item.lado_due:%a %-d %b %Y}; then record it: type 'lado'."
        )
    lines.append("Do not tell the adult named until you have agreed it with the LADO.")
    return "\n".join(lines)


ADULT_CONCERNS = Flow(
    name="adult_concerns",
    title="Concerns about adults",
    triggers=("adult concerns", "concerns about adults", "allegations", "low-level concerns"),
    describe="read the concerns and allegations about adults that are yours to read",
    may_start=adult_concerns.may_use,
    read_only=True,
    submit=_submit,
    outcome="the concern in full (audited), or 'no concerns about adults for you to read'",
    fields=(
        ChoiceField(
            name="concern",
            label="Concern",
            question="Which one? Type its number in this list.",
            source=_choices,
            skip_if_empty=True,
        ),
    ),
)
