"""`storable`: text as every database can keep it."""

from __future__ import annotations

from sendbot.domain.text import storable, storable_values


def test_storable_drops_nul_replaces_lone_surrogates_and_keeps_the_rest() -> None:
    assert storable("Zo\u00eb\x00 \ud83d\ude22 cried \ud83d") == "Zo\u00eb \U0001f622 cried \ufffd"
    assert storable("\udc00 alone, \x00\x00") == "\ufffd alone, "
    assert storable("Kami\u0144ska \u0645\u0631\u062d\u0628\u0627") == (
        "Kami\u0144ska \u0645\u0631\u062d\u0628\u0627"
    )


def test_a_forms_answers_are_made_storable_lists_included() -> None:
    answers = {"narrative": "a\x00b", "pupils": ["1", "\ud800"], "count": 3}
    assert storable_values(answers) == {"narrative": "ab", "pupils": ["1", "\ufffd"], "count": 3}
