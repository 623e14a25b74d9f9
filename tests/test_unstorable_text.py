"""Text no database can store is cleaned where it comes in: a NUL is dropped (PostgreSQL
refuses it in any text value) and half an emoji becomes U+FFFD (it cannot be encoded)."""

from __future__ import annotations

from sqlalchemy import select

from sendbot.store.models import Target
from tests.staff_dialogs import dialog_for


def test_a_target_typed_in_the_console_with_a_nul_and_half_an_emoji_is_saved_cleaned(
    sessions, clock, school, prov
) -> None:
    d = dialog_for(sessions, clock, school, "senco")
    for line in (
        "target",
        "amelia",
        "Write\x00 a sentence \ud83d with a full stop",
        "Amelia will end\x00 her sentences with a full stop.",
        "cognition and learning",
        "skip",
        "skip",
        "ok",
        "none",
    ):
        d.says(line)
    assert d.says("1").text == "Target added to Amelia Khan's plan. Type 'target' to add another."
    with sessions() as session:
        target = session.scalars(select(Target).order_by(Target.id.desc()).limit(1)).one()
    assert target.staff_wording == "Write a sentence \ufffd with a full stop"
    assert target.parent_wording == "Amelia will end her sentences with a full stop."
