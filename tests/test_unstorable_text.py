"""Text no database can store is cleaned where it comes in: a NUL is dropped (PostgreSQL
refuses it in any text value) and half an emoji becomes U+FFFD (it cannot be encoded)."""

from __future__ import annotations

from sqlalchemy import select

from sendbot.store.models import Target
from tests.dialog import Dialog
from tests.staff_dialogs import dialog_for

ADDED = "Target added to Amelia Khan's plan. Type 'target' to add another."


def add_target(d: Dialog, staff_words: str, parent_words: str) -> str:
    """The SENCO adds a target for Amelia in the console; the last reply."""
    for line in ("target", "amelia", staff_words, parent_words, "cognition and learning"):
        d.says(line)
    for line in ("skip", "skip", "ok", "none"):
        d.says(line)
    return d.says("1").text


def newest_target(sessions) -> Target:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalars(select(Target).order_by(Target.id.desc()).limit(1)).one()


def test_a_target_typed_in_the_console_with_a_nul_is_saved_without_it(
    sessions, clock, school, prov
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    said = add_target(d, "Write a sentence\x00 with a full stop", "Amelia will end\x00 sentences.")
    assert said == ADDED
    target = newest_target(sessions)
    assert target.staff_wording == "Write a sentence with a full stop"
    assert target.parent_wording == "Amelia will end sentences."


def test_a_target_typed_in_the_console_with_half_an_emoji_is_saved_with_a_mark_for_it(
    sessions, clock, school, prov
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    said = add_target(d, "Write a sentence \ud83d with a full stop", "Amelia will end sentences.")
    assert said == ADDED
    assert newest_target(sessions).staff_wording == "Write a sentence \ufffd with a full stop"
