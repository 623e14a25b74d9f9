"""Record a step on a safeguarding concern, with its reason: the DSL's decision (monitor,
early help, a referral to children's social care, the police, consulting the LADO, no
further action), a contact with an agency (who, when, what was said), or closing the
concern (the DSL's sign-off); or reopen a closed concern, found by its number.

A referral starts the 1-working-day chase (the DSL is asked whether the local authority has
acknowledged it and decided next steps). Only the DSL and deputies may start it; the
escalation service checks again when it saves. Concerns are listed by their own number
("Concern 12"), which is also what a typed number means, with the pupil's name; on the
console (not in a chat app) the list also shows how what was written begins.

State diagram: docs/flows/record_decision.md.
"""

from __future__ import annotations

import re

from sendbot.conversations.common import summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    LookupField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.people import SAFEGUARDING_LEADS
from sendbot.services import escalation, safeguarding

# The steps this flow records: the decisions, then a contact with an agency and closing.
AGENCY_CONTACT = "agency_contact"
CLOSE = "close"
REOPEN = "reopen"
STEPS: dict[str, str] = {
    **escalation.DECISIONS,
    AGENCY_CONTACT: "Contact with an agency",
    CLOSE: "Close the concern (sign-off)",
}
# A closed concern, found by its number, can only be reopened.
CLOSED_STEPS: dict[str, str] = {REOPEN: "Reopen the concern"}
# Where what a concern says may be shown in the list: a terminal, never a chat app.
SHOWS_WHAT_WAS_WRITTEN = ("console",)


def _year(year_group: int) -> str:
    return "Reception" if year_group == 0 else f"Year {year_group}"


def _open(turn: Turn) -> list[safeguarding.OpenItem]:
    return safeguarding.open_items(turn.session, turn.actor, turn.now)


def _label(turn: Turn, item: safeguarding.OpenItem) -> str:
    when = item.raised_at.astimezone(turn.tz).strftime("%a %-d %b %H:%M")
    text = (
        f"Concern {item.concern_id}: {item.pupil_name} ({_year(item.year_group)}), "
        f"logged by {item.raised_by}, {when}"
    )
    if turn.platform in SHOWS_WHAT_WAS_WRITTEN and item.opening:
        text += f': "{item.opening}"'
    return text + (" (closed)" if item.closed else "")


def _suggest(turn: Turn, answers: Answers) -> list[Option]:
    return [Option(str(item.concern_id), _label(turn, item)) for item in _open(turn)]


def _search(turn: Turn, query: str) -> list[Option]:
    """A concern by its own number ('12', '#12', 'concern 12'): an open one, or a closed one
    to reopen, among the safeguarding concerns this person may decide."""
    found = re.match(r"\s*(?:concern\s*)?#?\s*(\d+)\s*$", query, re.IGNORECASE)
    if found is None:
        return []
    item = _item(turn, int(found.group(1)))
    return [Option(str(item.concern_id), _label(turn, item))] if item else []


def _item(turn: Turn, concern_id: int) -> safeguarding.OpenItem | None:
    listed = next((item for item in _open(turn) if item.concern_id == concern_id), None)
    return listed or safeguarding.item(turn.session, turn.actor, concern_id, turn.now)


def _steps(turn: Turn, answers: Answers) -> list[Option]:
    """What can be recorded on the concern chosen: on a closed one, only reopening it."""
    item = _item(turn, int(answers["concern"]))
    steps = CLOSED_STEPS if item is not None and item.closed else STEPS
    return [Option(k, v) for k, v in steps.items()]


def _label_of(turn: Turn, concern_id: int) -> str:
    item = _item(turn, concern_id)
    return _label(turn, item) if item else f"Concern {concern_id}"


def _named(turn: Turn, concern_id: int) -> str:
    """'Amir Khan (concern 12)': every confirmation names the pupil."""
    item = _item(turn, concern_id)
    return f"{item.pupil_name} (concern {concern_id})" if item else f"concern {concern_id}"


def _note_question(turn: Turn, answers: Answers) -> str:
    step = answers.get("decision")
    if step == AGENCY_CONTACT:
        return (
            "Who did you speak to (name and role), when, and what was said or agreed? "
            "Up to 1,000 characters."
        )
    if step == REOPEN:
        return "Why are you reopening it? What is new. Up to 1,000 characters."
    if step == CLOSE:
        return (
            "Why are you closing this concern? What has happened and why nothing more is "
            "needed now. Up to 1,000 characters."
        )
    return (
        "Why? What you decided and the reason for it, and who you spoke to. Up to 1,000 characters."
    )


def _summary(turn: Turn, answers: Answers) -> str:
    text = summary(RECORD_DECISION, turn, answers, "Please check:")
    if answers.get("decision") == "referral":
        text += (
            "\nI will ask you in 1 working day whether the local authority has acknowledged "
            "the referral and decided next steps."
        )
    if answers.get("decision") == CLOSE:
        text += "\nClosing it is your sign-off. It can be reopened later, with a reason."
    return text


def _submit(turn: Turn, answers: Answers) -> str:
    concern_id = int(answers["concern"])
    named = _named(turn, concern_id)  # before saving: a closed concern leaves the open list
    step = answers["decision"]
    note = answers.get("note")
    if step == REOPEN:
        escalation.reopen_concern(turn.session, turn.actor, concern_id, turn.now, note)
        return (
            f"Reopened: {named}, with your reason. It is in the pupil's chronology and in "
            "the list of open concerns again."
        )
    if step == AGENCY_CONTACT:
        decided = escalation.record_agency_contact(
            turn.session, turn.actor, concern_id, answers["agency"], turn.now, note
        )
        agency = escalation.AGENCIES[answers["agency"]]
        text = (
            f"Recorded for {named}: contact with {agency[:1].lower() + agency[1:]}. "
            "It is in the pupil's chronology."
        )
    elif step == CLOSE:
        decided = escalation.close_concern(turn.session, turn.actor, concern_id, turn.now, note)
        text = (
            f"Closed: {named}, with your reason, signed off by {turn.actor.name}. "
            "It is in the pupil's chronology and can be reopened if anything changes."
        )
    else:
        decided = escalation.record_decision(
            turn.session, turn.actor, concern_id, step, turn.now, note
        )
        what = escalation.DECISIONS[decided.decision].lower()
        if decided.decision == "referral":
            text = (
                f"Recorded: {what} for {named}. I will ask you in 1 working day whether the "
                "local authority has acknowledged it and decided next steps."
            )
        else:
            text = f"Recorded for {named}: {what}. It is in the pupil's chronology."
    if decided.acknowledged_now:
        text += " The alert is now acknowledged, so it will not be escalated."
    return text


RECORD_DECISION = Flow(
    name="record_decision",
    title="Record a decision",
    triggers=(
        "decision",
        "record decision",
        "record a decision",
        "referral",
        "close concern",
        "close a concern",
        "reopen concern",
        "reopen a concern",
    ),
    intro=(
        "Let's record a step on a safeguarding concern, with its reason. Type 'back' to "
        "change an answer or 'cancel' to stop."
    ),
    describe=(
        "record a decision, a contact with an agency, or the closing or reopening of a "
        "safeguarding concern, with the reason (the DSL and deputies)"
    ),
    may_start=lambda actor: bool(actor.roles & SAFEGUARDING_LEADS),
    submit=_submit,
    outcome="the step and its reason in the chronology (encrypted), audited with the pupil; after a referral, 1 working day on, the DSL is asked whether the local authority has replied",
    fields=(
        LookupField(
            name="concern",
            label="Concern",
            question=(
                "Which concern? Type its number, like 12, or choose one of the open "
                "safeguarding concerns. To reopen a closed one, type its number."
            ),
            suggest=_suggest,
            search=_search,
            label_of=_label_of,
            not_found=(
                "There is no open safeguarding concern '{query}'. Type the number shown "
                "with the concern, like 12."
            ),
            own_numbers=True,
        ),
        ChoiceField(
            name="decision",
            label="Decision",
            question="What have you decided?",
            source=_steps,
            needs=("concern",),
        ),
        ChoiceField(
            name="agency",
            label="Agency",
            question="Which agency?",
            choices=tuple(Option(k, v) for k, v in escalation.AGENCIES.items()),
            when=lambda answers: answers.get("decision") == AGENCY_CONTACT,
        ),
        TextField(
            name="note",
            label="Reason",
            question="Why? What you decided and the reason for it. Up to 1,000 characters.",
            question_for=_note_question,
            max_length=escalation.NOTE_LIMIT,
            min_length=5,  # a reason, not 'skip' or 'ok'
        ),
        ConfirmField(name="confirm", label="Confirm", question="Save this?", summary=_summary),
    ),
)
