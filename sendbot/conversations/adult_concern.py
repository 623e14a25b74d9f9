"""Report a concern or an allegation about an adult working in the school (KCSIE Part four):
who it is about (a member of staff found by name, or someone not on the staff list typed
by name), what happened, when, and whether it may meet the harm threshold or is a
low-level concern.

Every member of staff may report. It goes to the headteacher, or to the chair of governors
when it is about the headteacher, and never to the adult named; it is not a pupil concern,
so no safeguarding alert goes to the DSL. With nobody in school to tell, the reporter is
sent to the LADO. The service decides and says who was told (services/adult_concerns.py).

State diagram: docs/flows/adult_concern.md.
"""

from __future__ import annotations

from datetime import date

from sendbot.conversations.common import summary
from sendbot.conversations.fields import (
    Answers,
    ChoiceField,
    ConfirmField,
    DateField,
    LookupField,
    Option,
    TextField,
)
from sendbot.conversations.flow import Flow
from sendbot.conversations.turn import Turn
from sendbot.domain.people import Role
from sendbot.services import adult_concerns, policy

THRESHOLD_QUESTION = (
    "Do you think it meets the harm threshold? It does if the adult may have:\n"
    "- harmed a child, or may have harmed a child;\n"
    "- possibly committed a criminal offence against or related to a child;\n"
    "- behaved towards a child or children in a way that indicates they may pose a risk "
    "of harm to children; or\n"
    "- behaved towards a child or children in a way that indicates they may not be "
    "suitable to work with children.\n"
    "A low-level concern is anything else, however small, that does not fit the way an "
    "adult should behave at work: being over-friendly with children, having favourites, "
    "taking photos of children on their own phone, being alone with a child behind a "
    "closed door, or humiliating language."
)
THRESHOLD_HELP = (
    "If you are not sure, choose 'I am not sure': it is treated as an allegation and the "
    "headteacher talks it through with the LADO (local authority designated officer). "
    "Do not investigate it yourself and do not tell the adult."
)
NO_CONTACT = (
    "your school's safeguarding policy and the local authority's website give their phone number"
)


def _search(turn: Turn, query: str) -> list[Option]:
    return [
        Option(str(i), name)
        for i, name in adult_concerns.find_staff(turn.session, turn.actor, query)
    ]


def _label_of(turn: Turn, staff_id: int) -> str:
    return adult_concerns.staff_name(turn.session, staff_id)


def _goes_to(turn: Turn, answers: Answers) -> str:
    subject = int(answers["adult"]) if answers.get("adult") is not None else None
    role = policy.case_manager_role(turn.session, subject)
    managers = policy.case_manager_ids(turn.session, turn.actor.school_id, subject)
    if not managers:
        return "There is nobody in school on sendbot to send it to: I will tell you who to contact."
    who = "the chair of governors" if role is Role.CHAIR_OF_GOVERNORS else "the headteacher"
    return f"It will go to {who} only, never to the adult named."


def _summary(turn: Turn, answers: Answers) -> str:
    return summary(ADULT_CONCERN, turn, answers, "Please check:") + "\n" + _goes_to(turn, answers)


def _nobody(turn: Turn, receipt: adult_concerns.Receipt) -> str:
    contact = receipt.lado_contact or NO_CONTACT
    if receipt.case_manager_role is Role.CHAIR_OF_GOVERNORS:
        why = "it is about the headteacher, and no chair of governors is set up on sendbot"
    else:
        why = "no headteacher is set up on sendbot"
    return (
        f"Saved as {adult_concerns.KIND_WORDS[receipt.kind].lower()} #{receipt.concern_id}, "
        f"but there is nobody in school I can tell: {why}. Please contact the LADO (local "
        f"authority designated officer) yourself today: {contact}. Do not tell the adult."
    )


def _submit(turn: Turn, answers: Answers) -> str:
    on_roster = answers["who"] == "staff"
    happened = answers.get("happened_on")
    receipt = adult_concerns.report(
        turn.session,
        turn.actor,
        adult_concerns.NewAdultConcern(
            narrative=answers["narrative"],
            threshold=answers["threshold"],
            happened_on=date.fromisoformat(happened) if happened else None,
            subject_staff_id=int(answers["adult"]) if on_roster else None,
            subject_name=None if on_roster else answers["adult_name"],
            subject_role="staff" if on_roster else answers["adult_role"],
        ),
        turn.now,
    )
    if not receipt.told:
        return _nobody(turn, receipt)
    who = (
        "the chair of governors"
        if receipt.case_manager_role is Role.CHAIR_OF_GOVERNORS
        else "the headteacher"
    )
    text = (
        f"Saved as {adult_concerns.KIND_WORDS[receipt.kind].lower()} #{receipt.concern_id}. "
        f"{' and '.join(receipt.told)} ({who}) "
        f"{'has' if len(receipt.told) == 1 else 'have'} been told, and nobody else."
    )
    if receipt.lado_due is not None:
        text += (
            " They will consult the LADO (local authority designated officer) by "
            f"{receipt.lado_due:%a %-d %b}."
        )
    return text + " Do not tell the adult, and do not investigate it yourself. Thank you."


ADULT_CONCERN = Flow(
    name="adult_concern",
    title="Concern about an adult",
    triggers=(
        "adult",
        "concern about an adult",
        "about an adult",
        "allegation",
        "low-level concern",
        "low level concern",
        "staff concern",
    ),
    intro=(
        "Let's report a concern about an adult working in the school: staff, supply staff, "
        "a volunteer or a contractor. It goes to the headteacher (the chair of governors if "
        "it is about the headteacher), never to the adult. Type 'back' to change an answer "
        "or 'cancel' to stop."
    ),
    describe=(
        "report an allegation or a low-level concern about an adult working in the school "
        "(it goes to the headteacher, never to the adult)"
    ),
    may_start=lambda actor: True,
    submit=_submit,
    outcome="adult concern (name, what happened encrypted) + audit + notice to the headteacher or chair, never the adult; an allegation starts the 1-working-day LADO deadline",
    fields=(
        ChoiceField(
            name="who",
            label="About",
            question="Who is it about?",
            in_summary=False,
            choices=(
                Option("staff", "A member of staff: I'll find them by name"),
                Option(
                    "other",
                    "Someone not on the staff list: supply staff, a volunteer, a contractor",
                ),
            ),
        ),
        LookupField(
            name="adult",
            label="Adult",
            question="Which member of staff? Type part of their first name or surname.",
            when=lambda answers: answers.get("who") == "staff",
            search=_search,
            label_of=_label_of,
            not_found=(
                "I couldn't find '{query}' among the school's staff. Try another part of the "
                "name, or type 'back' to name someone not on the staff list."
            ),
        ),
        TextField(
            name="adult_name",
            label="Adult",
            question="What is their name? Add their company or agency if you know it.",
            when=lambda answers: answers.get("who") == "other",
            max_length=adult_concerns.NAME_LIMIT,
        ),
        ChoiceField(
            name="adult_role",
            label="What they do",
            question="What do they do in the school?",
            when=lambda answers: answers.get("who") == "other",
            choices=tuple(Option(k, v) for k, v in adult_concerns.SUBJECT_ROLES.items()),
        ),
        TextField(
            name="narrative",
            label="What happened",
            question=(
                "What happened? Say what you saw or heard, or what a child told you in their "
                "own words (up to 2,000 characters)."
            ),
            help="Facts first: what, where, who was there. Keep opinions separate.",
            max_length=adult_concerns.NARRATIVE_LIMIT,
        ),
        DateField(
            name="happened_on",
            label="When",
            question="When did it happen? Type 'today', 'yesterday' or a date like 23/11.",
            quick=(Option("today", "Today"), Option("yesterday", "Yesterday")),
            not_future=True,
        ),
        ChoiceField(
            name="threshold",
            label="Threshold",
            question=THRESHOLD_QUESTION,
            help=THRESHOLD_HELP,
            choices=tuple(Option(k, v) for k, v in adult_concerns.THRESHOLDS.items()),
        ),
        ConfirmField(name="confirm", label="Confirm", question="Send it?", summary=_summary),
    ),
)
