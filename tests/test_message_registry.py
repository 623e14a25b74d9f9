"""One registry renders every message the code writes to the outbox, to staff and to parents.

The keys are the constants of `sendbot.delivery.keys`; this test reads the code to check that
nothing writes a key that is not one of them, and renders each key from a real row.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.parent_params import RsvpActions
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.writer import Writer
from sendbot.messages import registry
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.services import action_ids
from sendbot.services.action_ids import Action
from sendbot.store.models import (
    Concern,
    ConcernAction,
    Deadline,
    Guardian,
    Meeting,
    Outbox,
    ParentMessage,
    Pupil,
    SupportPlan,
)
from tests.factories import SmallSchool, build_small_school
from tests.i18n import samples

ROOT = Path(__file__).resolve().parents[1] / "sendbot"
NOW = datetime(2026, 11, 24, 10, 15, tzinfo=UTC)
KEY_CONSTANTS = {
    name: value
    for name, value in vars(keys).items()
    if name.isupper() and isinstance(value, str) and "." in value
}


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_registry_holds_exactly_the_key_constants_each_under_its_audience() -> None:
    assert set(KEY_CONSTANTS.values()) == keys.STAFF_KEYS | keys.PARENT_KEYS
    assert not keys.STAFF_KEYS & keys.PARENT_KEYS
    assert set(registry.STAFF) == keys.STAFF_KEYS
    assert set(registry.PARENTS) == keys.PARENT_KEYS
    assert set(registry.REGISTRY) == keys.STAFF_KEYS | keys.PARENT_KEYS


def test_the_code_writes_outbox_templates_only_through_the_key_constants() -> None:
    """No `template=` is a string written in place, and no key is spelt out outside `keys`."""
    spelt_out: list[str] = []
    for path, tree in _sources():
        if path.name == "keys.py" and path.parent.name == "delivery":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "template":
                if isinstance(node.value, ast.Constant | ast.JoinedStr):
                    spelt_out.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
            elif isinstance(node, ast.Call):
                # An audit action may share a key's words; it is not an outbox template.
                audit = {id(k.value) for k in node.keywords if k.arg == "action"}
                for arg in (*node.args, *(k.value for k in node.keywords)):
                    if id(arg) in audit:
                        continue
                    if isinstance(arg, ast.Constant) and arg.value in registry.REGISTRY:
                        spelt_out.append(f"{path.relative_to(ROOT.parent)}:{arg.lineno}")
            elif isinstance(node, ast.Assign | ast.Compare | ast.Dict | ast.Tuple | ast.Set):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.Constant) and child.value in registry.REGISTRY:
                        spelt_out.append(f"{path.relative_to(ROOT.parent)}:{child.lineno}")
    assert spelt_out == []


def test_every_enqueue_names_its_template_by_a_constant() -> None:
    """Each `enqueue(..., template=...)` passes a name, and each name it can be resolved to
    statically is a key constant."""
    seen = 0
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "enqueue":
                continue
            template = next((k.value for k in node.keywords if k.arg == "template"), None)
            assert template is not None, f"{path}:{node.lineno}"
            assert isinstance(template, ast.Name | ast.Attribute | ast.Subscript), (
                f"{path}:{node.lineno}"
            )
            seen += 1
            named = isinstance(template, ast.Attribute) and isinstance(template.value, ast.Name)
            if named and template.value.id == "keys":  # type: ignore[union-attr]
                assert template.attr in KEY_CONSTANTS, f"{path}:{node.lineno}"  # type: ignore[union-attr]
    assert seen >= 15  # every service and job that writes to the outbox


# --- each key renders, from real rows ------------------------------------------------------


def _rows(sessions: sessionmaker[Session], school: SmallSchool) -> dict[str, int]:
    pupil_id = school.pupils["zoe"]
    senco = school.staff["senco"]
    with sessions() as session, session.begin():
        concern = Concern(
            school_id=school.school_id,
            pupil_id=pupil_id,
            raised_by_id=senco,
            raised_at=NOW - timedelta(days=2),
            area="semh",
            narrative_text="not sent in chat",
            safeguarding=True,
        )
        plan = SupportPlan(
            pupil_id=pupil_id,
            kind="sen_support",
            started_on=date(2026, 9, 1),
            next_review_on=date(2026, 11, 26),
        )
        guardian = Guardian(
            school_id=school.school_id, external_id="G-R", first_name="Anna", last_name="W"
        )
        session.add_all([concern, plan, guardian])
        leaving = session.get(Pupil, pupil_id)
        assert leaving is not None
        leaving.leaving_on, leaving.destination_school = date(2026, 11, 27), "Harbourside Academy"
        session.flush()
        session.add(
            ConcernAction(
                concern_id=concern.id, actor_id=senco, at=NOW - timedelta(days=1), kind="referral"
            )
        )
        deadline = Deadline(
            school_id=school.school_id,
            pupil_id=pupil_id,
            kind="ehc_final_plan",
            subject_type="test",
            subject_id=1,
            due_on=date(2026, 11, 26),
            owner_role="senco",
            status="open",
            source="SEND Regs 2014 reg 13(2)",
            computed_at=NOW,
        )
        incoming = ParentMessage(
            school_id=school.school_id,
            guardian_id=guardian.id,
            pupil_id=pupil_id,
            direction="in",
            body_text="Dzien dobry",
            language="pl",
            at=NOW,
        )
        reply = ParentMessage(
            school_id=school.school_id,
            guardian_id=guardian.id,
            pupil_id=pupil_id,
            direction="out",
            staff_id=senco,
            body_text="Thank you, see you on Tuesday.",
            language="en",
            at=NOW,
        )
        # An alert someone has acknowledged, and one person's copy of it, sent on Slack.
        taken = Concern(
            school_id=school.school_id,
            pupil_id=pupil_id,
            raised_by_id=senco,
            raised_at=NOW - timedelta(hours=1),
            area="semh",
            narrative_text="not sent in chat",
            safeguarding=True,
            acknowledged_at=NOW - timedelta(minutes=50),
        )
        # A review meeting yesterday, waiting for the SENCO to say whether it was held.
        held = Meeting(
            school_id=school.school_id,
            pupil_id=pupil_id,
            kind="annual_review",
            starts_at=NOW - timedelta(days=1),
        )
        session.add_all([deadline, incoming, reply, taken, held])
        session.flush()
        session.add(ConcernAction(concern_id=taken.id, actor_id=senco, at=NOW, kind="acknowledged"))
        copy = Outbox(
            school_id=school.school_id,
            recipient_staff_id=school.staff["dsl"],
            template=keys.SAFEGUARDING_ALERT,
            params={
                "concern_id": taken.id,
                "year_group": 4,
                "raised_by": "Sam Senco",
                "raised_at": (NOW - timedelta(hours=1)).isoformat(),
            },
            not_before=NOW,
            dedupe_key=f"concern:{taken.id}:safeguarding.alert:staff:1",
            status="sent",
            platform="slack",
            platform_message_id="D0DSL:1764000000.000100",
            created_at=NOW,
        )
        session.add(copy)
        session.flush()
        return {
            "acknowledged": taken.id,
            "held": held.id,
            "copy": copy.id,
            "concern": concern.id,
            "plan": plan.id,
            "deadline": deadline.id,
            "incoming": incoming.id,
            "reply": reply.id,
            "pupil": pupil_id,
            "school": school.school_id,
            "senco": senco,
        }


def _params(session: Session, ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    alert = {
        "concern_id": ids["concern"],
        "pupil_id": ids["pupil"],
        "year_group": 4,
        "raised_by": "Sam Senco",
        "raised_at": (NOW - timedelta(days=2)).isoformat(),
        "area": "semh",
        "safeguarding": True,
        "immediate_danger": False,
    }
    people = {"guardian_name": "Anna W", "children": ["Zoe"], "at": NOW.isoformat()}
    meeting = {
        "guardian_name": "Anna W",
        "child_name": "Zoe",
        "meeting_kind": "sen_support_review",
        "starts_at": (NOW + timedelta(days=7)).isoformat(),
    }

    def rsvp(value: str) -> str:
        return action_ids.encode(session, Action("rsvp", 41, value, 7))

    sealed_invitation = samples.invitation(
        actions=RsvpActions(rsvp("yes"), rsvp("no"), rsvp("other_time"), rsvp("interpreter"))
    ).to_params()
    invitation = {"invitation": sealed_invitation, "attendees": ["Sam Senco"]}
    views = {
        "share": action_ids.encode(session, Action("views", 41, "", 7)),
        "not_now": action_ids.encode(session, Action("views_skip", 41, "", 7)),
    }
    return {
        keys.CONCERN_NEW: alert,
        keys.SAFEGUARDING_ALERT: alert,
        keys.SAFEGUARDING_DANGER: {
            "draft_id": 1,
            "pupil_id": ids["pupil"],
            "year_group": 4,
            "raised_by": "Sam Senco",
            "raised_at": NOW.isoformat(),
        },
        keys.SAFEGUARDING_ESCALATION: {**alert, "step": 1, "minutes": 15},
        keys.SAFEGUARDING_ACKNOWLEDGED: {"concern_id": ids["acknowledged"], "copy_of": ids["copy"]},
        keys.SAFEGUARDING_REFERRAL_CHASE: {
            **alert,
            "referral_at": (NOW - timedelta(days=1)).isoformat(),
            "chases": 1,
        },
        keys.SAFEGUARDING_CUMULATIVE: {
            **alert,
            "count": 3,
            "days": 30,
            "areas": {"semh": 3},
            "first_at": (NOW - timedelta(days=20)).isoformat(),
            "last_at": NOW.isoformat(),
        },
        keys.CP_FILE_TRANSFER: {
            "pupil_id": ids["pupil"],
            "leaving_on": "2026-11-27",
            "due_on": "2026-12-04",
            "stage": "leaving",
        },
        keys.DEADLINE_REMINDER: {"deadline_id": ids["deadline"], "due_on": "2026-11-26"},
        keys.DEADLINE_WATCH: {"deadline_id": ids["deadline"], "due_on": "2026-11-26"},
        keys.PLAN_REVIEW_REMINDER: {"plan_id": ids["plan"], "due_on": "2026-11-26"},
        keys.MEETING_OUTCOME_PROMPT: {
            "meeting_id": ids["held"],
            "stamp": action_ids.minutes(NOW - timedelta(days=1)),  # never moved
        },
        keys.PUPIL_REMINDERS: {
            "pupil_id": ids["pupil"],
            "items": [
                {
                    "template": keys.DEADLINE_REMINDER,
                    "params": {"deadline_id": ids["deadline"], "due_on": "2026-11-26"},
                },
                {
                    "template": keys.PLAN_REVIEW_REMINDER,
                    "params": {"plan_id": ids["plan"], "due_on": "2026-11-26"},
                },
            ],
        },
        **{
            key: {"school_id": ids["school"], "role": role, "date": "2026-11-24"}
            for role, key in keys.DIGESTS.items()
        },
        keys.DELIVERY_FAILED: {"person": "Sam Senco", "template": "staff.notice", "error": "403"},
        keys.IDENTITY_BLOCKED: {"person": "Sam Senco", "platform": "telegram"},
        keys.STAFF_NOTICE: {"text": "Term autumn starts today."},
        # The token is made when it is sent, for the recipient the worker names.
        keys.WEB_SIGN_IN_LINK: {
            "base_url": "https://sendbot.school.example",
            "page": "/staff/concerns",
            "_recipient_staff_id": ids["senco"],
        },
        keys.MEETING_RSVP_NOTICE: {**meeting, "answer": "yes"},
        keys.MEETING_VIEWS_NOTICE: meeting,
        keys.PARENT_MESSAGE_NOTICE: {
            "guardian_name": "Anna W",
            "child_name": "Zoe",
            "at": NOW.isoformat(),
            "message_id": ids["incoming"],
            "language": "pl",
            "reply_action": action_ids.encode(session, Action("reply", ids["incoming"])),
        },
        keys.PARENT_STOPPED_NOTICE: people,
        keys.PARENT_BLOCKED_NOTICE: people,
        keys.PARENT_RESUMED_NOTICE: people,
        keys.PARENT_UNSUBSCRIBED_NOTICE: {**people, "still_by": ["sms"]},
        keys.INVITE_REUSED_NOTICE: {
            "guardian_id": 7,
            "guardian_name": "Anna W",
            "used_at": (NOW - timedelta(days=1)).isoformat(),
            "at": NOW.isoformat(),
        },
        keys.MEETING_INVITATION: invitation,
        keys.MEETING_REMINDER: {**invitation, "days": 2},
        keys.MEETING_MOVED: {**invitation, "previous_starts_at": NOW.isoformat()},
        keys.MEETING_CANCELLED: invitation,
        keys.MEETING_VIEWS_REQUEST: {"child_name": "Zoe", **views},
        keys.PARENT_STAFF_REPLY: {
            "reply_id": ids["reply"],
            "staff_name": "Sam Senco",
            "school_name": "Oakfield",
            "child_name": "Zoe",
        },
        keys.PARENT_LINK_INVITATION: {
            "school_name": "Oakfield",
            "first_name": "Anna",
            "purpose": "confirm_email",
        },
        keys.PARENT_MEETING_INVITATION: sealed_invitation,
        keys.PARENT_REVIEW_SUMMARY: samples.review().to_params(),
        keys.PARENT_TERM_PROGRESS: samples.term_progress().to_params(),
    }


@pytest.mark.parametrize(
    ("audience", "language"), [(keys.STAFF_KEYS, "en_GB"), (keys.PARENT_KEYS, "pl")]
)
def test_every_key_renders_for_its_audience(
    sessions: sessionmaker[Session], audience: frozenset[str], language: str
) -> None:
    school = build_small_school(sessions)
    ids = _rows(sessions, school)
    context = {"_now": NOW.isoformat(), "_timezone": "Europe/London", "_school_id": ids["school"]}
    buttons = 0
    with sessions() as session:
        params = _params(session, ids)
        for key in sorted(audience):
            message = registry.render(key, {**params[key], **context}, language, session)
            assert isinstance(message, OutgoingMessage), key
            assert message.text.strip(), key
            if audience is keys.PARENT_KEYS:
                assert message.language == "pl", key
                # The Polish catalog is unchecked: every parent message says so, in Polish.
                assert message.text.endswith(Writer(BY_CODE["pl"])._(MACHINE_NOTICE)), key
            # One button-id scheme: every button on every message is a sealed action id.
            for button in message.buttons:
                assert action_ids.decode(session, button.action_id) is not None, (key, button)
                buttons += 1
    assert buttons >= (10 if audience is keys.STAFF_KEYS else 8)


def test_an_unknown_key_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(registry.UnknownTemplate):
        registry.render("no.such.template", {}, "en_GB")
