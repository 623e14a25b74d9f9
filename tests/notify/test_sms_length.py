"""Counting text messages as Notify charges them: GSM 03.38 or UCS-2, fragments of 160/153
and 70/67; and the text message layout that never costs more than three."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.sms import MAX_FRAGMENTS, sms_text
from sendbot.domain.sms_length import (
    GSM,
    GSM_BASIC,
    GSM_EXTENSION,
    UCS2,
    measure,
    plain,
)
from sendbot.services.sms_cost import estimate, summary

LINK = "https://school.example/p/Qm9vay1hLXJldmlldy0x"


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "fragments"),
    [
        ("", GSM, 0, 1),
        ("a" * 160, GSM, 160, 1),
        ("a" * 161, GSM, 161, 2),
        ("a" * 306, GSM, 306, 2),
        ("a" * 307, GSM, 307, 3),
        ("a" * 459, GSM, 459, 3),
        ("a" * 460, GSM, 460, 4),
        ("€" * 80, GSM, 160, 1),  # the extension table counts two each
        ("€" * 81, GSM, 162, 2),
        ("[]{}^\\|~", GSM, 16, 1),
        ("Café: à, è, ü, Ñ, ß, Δ", GSM, 22, 1),  # accents of the basic table
        ("Zoë", UCS2, 3, 1),  # but not ë: a pupil's name can double the cost
        ("ł" + "a" * 69, UCS2, 70, 1),  # one Polish letter: the whole message is UCS-2
        ("ł" + "a" * 70, UCS2, 71, 2),
        ("ł" + "a" * 133, UCS2, 134, 2),
        ("ł" + "a" * 134, UCS2, 135, 3),
        ("اس پیغام", UCS2, 8, 1),
        ("🙂" * 35, UCS2, 70, 1),  # outside the BMP: two UTF-16 units each
        ("🙂" * 36, UCS2, 72, 2),
        ("\u2068Zoe\u2069", UCS2, 5, 1),  # an isolate from a right-to-left message
    ],
)
def test_length_and_fragments(text: str, encoding: str, characters: int, fragments: int) -> None:
    length = measure(text)
    assert (length.encoding, length.characters, length.fragments) == (
        encoding,
        characters,
        fragments,
    )


def test_typographic_punctuation_is_made_plain_so_english_stays_gsm() -> None:
    typed = "Zoe\u2019s review \u2013 \u201cplease come\u201d\u2026\u00a0Thanks"
    assert plain(typed) == 'Zoe\'s review - "please come"... Thanks'
    assert measure(plain(typed)).encoding == GSM
    assert measure(typed).encoding == UCS2


def test_notify_refuses_more_than_918_characters() -> None:
    assert not measure("a" * 918).too_long
    assert measure("a" * 919).too_long


GSM_TEXT = st.text(alphabet=sorted(GSM_BASIC | GSM_EXTENSION), max_size=600)
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=600)


@given(GSM_TEXT)
def test_gsm_text_counts_extension_characters_twice(text: str) -> None:
    length = measure(text)
    assert length.encoding == GSM
    assert length.characters == len(text) + sum(ch in GSM_EXTENSION for ch in text)
    assert length.fragments == (1 if length.characters <= 160 else -(-length.characters // 153))


@given(GSM_TEXT, st.sampled_from("łąęśżźćńó€🙂ا"))
def test_one_character_outside_gsm_makes_the_whole_message_ucs2(text: str, odd: str) -> None:
    length = measure(text + odd)
    if odd == "€":
        assert length.encoding == GSM
        return
    assert length.encoding == UCS2
    assert length.fragments >= measure(text).fragments


@given(ANY_TEXT, st.booleans())
def test_a_text_message_never_costs_more_than_three_and_ends_with_its_link(
    text: str, with_link: bool
) -> None:
    message = OutgoingMessage(text=text, link=LINK if with_link else None)
    laid_out = sms_text(message)
    assert measure(laid_out).fragments <= MAX_FRAGMENTS
    if with_link:
        assert laid_out.endswith(LINK)
    if (
        measure(plain(text).strip() + (f"\n\n{LINK}" if with_link else "")).fragments
        <= MAX_FRAGMENTS
    ):
        assert laid_out.startswith(plain(text).strip())


def test_a_long_message_is_cut_at_a_word_and_keeps_its_link() -> None:
    text = "Dzień dobry. " + " ".join(["Spotkanie w sprawie planu wsparcia dziecka"] * 15)
    laid_out = sms_text(OutgoingMessage(text=text, link=LINK, language="pl"))
    assert laid_out.endswith("...\n\n" + LINK)
    kept = laid_out.removesuffix("...\n\n" + LINK)
    assert text.startswith(kept) and text[len(kept)] == " "
    assert measure(laid_out).fragments == MAX_FRAGMENTS


def test_the_cost_before_a_bulk_send_is_counted_per_language() -> None:
    english = OutgoingMessage(text="Your child's review is on Tuesday at 3:30pm.", link=LINK)
    polish = OutgoingMessage(
        text="Przegląd dziecka odbędzie się we wtorek o 15:30.", link=LINK, language="pl"
    )
    cost = estimate([english, english, polish])
    assert (cost.messages, cost.fragments) == (3, 4)
    assert cost.by_language["en"].fragments == 2 and cost.by_language["en"].unicode == 0
    assert cost.by_language["pl"].fragments == 2 and cost.by_language["pl"].unicode == 1
    lines = summary(cost)
    assert lines[0] == "3 text messages to send, charged as 4 (a long message counts as several)."
    assert "pl: 1 messages, charged as 2; 1 use characters that fit only 70" in lines[2]


def test_a_sample_link_is_as_long_as_a_real_one() -> None:
    from sendbot.services.sms_cost import sample_link

    assert sample_link("https://school.example/") == "https://school.example/p/" + "x" * 22
    assert (
        len(sample_link("https://school.example")) == len(LINK) - len("Qm9vay1hLXJldmlldy0x") + 22
    )
