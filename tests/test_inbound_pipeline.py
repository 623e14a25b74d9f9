"""The inbound gate on its own: each admission, for the people every channel meets.

The gate is what Slack, Telegram and the channels still to come call first, in the
transaction that handles the message; these are its answers, without any adapter.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sendbot.services import inbound, rate_limit
from sendbot.services.inbound import Admitted, Duplicate, SlowedDown, Unknown
from sendbot.services.rate_limit import RateLimit
from sendbot.store.models import Guardian, Identity, InboundRate, ProcessedEvent, School
from tests.factories import NOW, SmallSchool, build_small_school

TEAM = "T0OAKFIELD"
TIGHT = RateLimit(messages=2)


@pytest.fixture
def school(sessions: sessionmaker[Session]) -> SmallSchool:
    """The small school on Slack (workspace TEAM) and Telegram: the teacher on both, a parent
    on Telegram, and the DSL linked to Slack but since left."""
    found = build_small_school(sessions)
    with sessions() as session, session.begin():
        session.execute(
            update(School).where(School.id == found.school_id).values(slack_team_id=TEAM)
        )
        guardian = Guardian(
            school_id=found.school_id, external_id="g-1", first_name="Sara", last_name="Khan"
        )
        session.add(guardian)
        session.flush()
        session.add_all(
            [
                Identity(
                    platform="slack",
                    team_id=TEAM,
                    external_id="U0TEACHER",
                    staff_id=found.staff["teacher"],
                    created_at=NOW,
                ),
                Identity(
                    platform="telegram",
                    external_id="501",
                    staff_id=found.staff["teacher"],
                    created_at=NOW,
                ),
                Identity(
                    platform="telegram",
                    external_id="777",
                    guardian_id=guardian.id,
                    created_at=NOW,
                ),
                Identity(
                    platform="slack",
                    team_id=TEAM,
                    external_id="U0DSL",
                    staff_id=found.staff["dsl"],
                    active=False,
                    created_at=NOW,
                ),
            ]
        )
    return found


def _admit(sessions: sessionmaker[Session], *args: object, **kw: object) -> inbound.Admission:
    with sessions() as session, session.begin():
        return inbound.admit(session, *args, **kw)  # type: ignore[arg-type]


def test_a_known_member_of_staff_is_admitted_as_themselves(sessions, school) -> None:
    got = _admit(sessions, "telegram", "u-1", "501", NOW)
    assert isinstance(got, Admitted)
    assert got.sender.staff is not None
    assert got.sender.staff.staff_id == school.staff["teacher"]
    assert got.sender.guardian_id is None and got.sender.active


def test_a_linked_parent_is_admitted_as_their_guardian_record(sessions, school) -> None:
    got = _admit(sessions, "telegram", None, "777", NOW)
    assert isinstance(got, Admitted)
    with sessions() as session:
        guardian_id = session.scalar(select(Guardian.id).where(Guardian.external_id == "g-1"))
    assert got.sender.guardian_id == guardian_id and got.sender.staff is None
    assert got.sender.identity_id is not None


def test_a_parent_who_stopped_messages_is_still_known_so_they_can_be_told_what_to_do(
    sessions, school
) -> None:
    """After /stop the chat needs a new invitation; after a block it may come back alone."""
    for reason, resumable in (("stopped", False), ("blocked", True)):
        with sessions() as session, session.begin():
            session.execute(
                update(Identity)
                .where(Identity.external_id == "777")
                .values(active=False, inactive_reason=reason)
            )
        got = _admit(sessions, "telegram", None, "777", NOW)
        assert isinstance(got, Admitted) and not got.sender.active
        assert got.sender.resumable is resumable


def test_a_stranger_is_unknown_and_the_refusal_is_logged_without_their_key(
    sessions, school, caplog
) -> None:
    with caplog.at_level(logging.INFO, logger="sendbot.services.inbound"):
        got = _admit(sessions, "telegram", "u-2", "999", NOW)
    assert got == Unknown()
    assert [r.getMessage() for r in caplog.records] == ["inbound: unknown sender on telegram"]
    assert "999" not in caplog.text


def test_the_same_event_twice_is_a_duplicate_and_is_counted_once(sessions, school) -> None:
    assert isinstance(_admit(sessions, "telegram", "u-3", "501", NOW), Admitted)
    assert _admit(sessions, "telegram", "u-3", "501", NOW) == Duplicate()
    # The same id on another platform is another event.
    assert isinstance(_admit(sessions, "console", "u-3", "501", NOW), Unknown)
    with sessions() as session:
        counts = session.scalars(
            select(InboundRate.count).where(InboundRate.scope == inbound.rate_scope("telegram"))
        ).all()
        claims = session.scalars(select(ProcessedEvent.platform).order_by(ProcessedEvent.platform))
        assert counts == [1]
        assert list(claims) == ["console", "telegram"]


def test_an_interactive_request_counts_once_by_signature_and_a_form_once_per_version(
    sessions, school
) -> None:
    """A Slack button, form or command has no event id: its signature is the replay's
    fingerprint, and a form's id and hash the version that may be saved once."""
    tap = inbound.interactive_keys("block_actions", "v0=aa11")
    assert tap == ("sig:v0=aa11",)
    assert inbound.interactive_keys("event_callback", "v0=bb22") == ()  # its event id counts
    form = inbound.interactive_keys("view_submission", "v0=cc33", "V0FORM", "17.h1")
    resigned = inbound.interactive_keys("view_submission", "v0=dd44", "V0FORM", "17.h1")
    args = ("slack", None, "U0TEACHER", NOW)
    assert isinstance(_admit(sessions, *args, workspace=TEAM, once=tap), Admitted)
    assert _admit(sessions, *args, workspace=TEAM, once=tap) == Duplicate()
    assert isinstance(_admit(sessions, *args, workspace=TEAM, once=form), Admitted)
    assert _admit(sessions, *args, workspace=TEAM, once=resigned) == Duplicate()
    # Nothing was saved (a question to fix): the same version may be sent again.
    inbound.release_submission(sessions, "slack", form)
    fixed = inbound.interactive_keys("view_submission", "v0=ee55", "V0FORM", "17.h1")
    assert isinstance(_admit(sessions, *args, workspace=TEAM, once=fixed), Admitted)


def test_a_claim_rolls_back_with_the_work_that_failed(sessions, school) -> None:
    with pytest.raises(RuntimeError), sessions() as session, session.begin():
        assert isinstance(inbound.admit(session, "telegram", "u-4", "501", NOW), Admitted)
        raise RuntimeError("the reply could not be saved")
    assert isinstance(_admit(sessions, "telegram", "u-4", "501", NOW), Admitted)


def test_over_the_limit_a_sender_is_slowed_down_and_still_named_for_their_language(
    sessions, school, caplog
) -> None:
    for _ in range(TIGHT.messages):
        assert isinstance(_admit(sessions, "telegram", None, "777", NOW, limit=TIGHT), Admitted)
    with caplog.at_level(logging.INFO, logger="sendbot.services.inbound"):
        got = _admit(sessions, "telegram", None, "777", NOW, limit=TIGHT)
    assert isinstance(got, SlowedDown)
    assert got.sender is not None and got.sender.guardian_id is not None
    assert [r.getMessage() for r in caplog.records] == [
        "inbound: slowed down a parent sender on telegram"
    ]
    # A stranger is counted too; the next window starts afresh.
    for _ in range(TIGHT.messages):
        _admit(sessions, "telegram", None, "999", NOW, limit=TIGHT)
    assert _admit(sessions, "telegram", None, "999", NOW, limit=TIGHT) == SlowedDown(None)
    later = NOW + TIGHT.window
    assert isinstance(_admit(sessions, "telegram", None, "777", later, limit=TIGHT), Admitted)


def test_a_message_left_uncounted_is_never_slowed_down(sessions, school) -> None:
    for _ in range(rate_limit.DEFAULT.messages + 1):
        got = _admit(sessions, "slack", None, "U0TEACHER", NOW, workspace=TEAM, counted=False)
        assert isinstance(got, Admitted)
    with sessions() as session:
        assert session.scalars(select(InboundRate)).all() == []


def test_a_slack_user_is_staff_only_in_the_workspace_their_school_uses(sessions, school) -> None:
    got = _admit(sessions, "slack", "Ev1", "U0TEACHER", NOW, workspace=TEAM)
    assert isinstance(got, Admitted) and got.sender.staff is not None
    assert got.sender.staff.staff_id == school.staff["teacher"]
    assert _admit(sessions, "slack", "Ev2", "U0TEACHER", NOW, workspace="T0ELSEWHERE") == Unknown()
    with sessions() as session, session.begin():
        session.execute(
            update(School).where(School.id == school.school_id).values(slack_team_id="T0NEW")
        )
    assert _admit(sessions, "slack", "Ev3", "U0TEACHER", NOW, workspace=TEAM) == Unknown()


def test_an_account_switched_off_is_unknown(sessions, school) -> None:
    assert _admit(sessions, "slack", None, "U0DSL", NOW, workspace=TEAM) == Unknown()


def test_the_sender_is_seen_to_the_minute(sessions, school) -> None:
    _admit(sessions, "telegram", None, "501", NOW)
    _admit(sessions, "telegram", None, "501", NOW + timedelta(seconds=30))
    with sessions() as session:
        seen = session.scalar(select(Identity.last_seen_at).where(Identity.external_id == "501"))
    assert seen is not None and seen.replace(tzinfo=None) == NOW.replace(tzinfo=None)
