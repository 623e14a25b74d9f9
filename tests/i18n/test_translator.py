"""The LibreTranslate adapter against a local fake of its API, and honest free text."""

from __future__ import annotations

from datetime import date

import pytest

from sendbot.i18n.catalogs import po_path, read_catalog
from sendbot.i18n.languages import BY_CODE
from sendbot.i18n.replies import for_staff
from sendbot.i18n.translate import LibreTranslate, TranslationUnavailable
from sendbot.messages.parents import ReviewSummaryData, TargetOutcome, render
from sendbot.messages.parents.render import REVIEW_SUMMARY
from tests.i18n.fake_libretranslate import FakeLibreTranslate, running

NOTE_TRANSLATED = (
    "Some parts of this message were written in English by school staff. "
    "A computer translated them automatically, so they may have mistakes."
)
NOTE_ENGLISH = (
    "Some parts of this message are in English, because school staff wrote them. "
    "We could not translate them. We can give you an interpreter for free. Just ask us."
)


def catalog_text(code: str, msgid: str) -> str:
    message = read_catalog(po_path(code), locale=code).get(msgid)
    assert message is not None and message.string, (code, msgid)
    return str(message.string)


@pytest.fixture
def fake():
    with running(FakeLibreTranslate(api_key="school-key")) as server:
        yield server


def test_translates_and_sends_key(fake: FakeLibreTranslate) -> None:
    fake.table[("Read 20 words", "pl")] = "Przeczytać 20 słów"
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    result = client.translate("Read 20 words", source="en", target="pl")
    assert result.text == "Przeczytać 20 słów"
    assert result.engine == "libretranslate"
    sent = fake.requests[-1]
    assert sent["path"] == "/translate"
    assert sent == {
        "path": "/translate",
        "q": "Read 20 words",
        "source": "en",
        "target": "pl",
        "format": "text",
        "api_key": "school-key",
    }


def test_time_out_is_unavailable(fake: FakeLibreTranslate) -> None:
    fake.mode = "slow"
    fake.slow_seconds = 1.5
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=0.3)
    with pytest.raises(TranslationUnavailable, match="too long"):
        client.translate("Hello", source="en", target="pl")


@pytest.mark.parametrize(
    ("mode", "key", "target", "message"),
    [
        ("error", "school-key", "pl", "500: Internal error"),
        ("ok", "wrong-key", "pl", "403: Invalid API key"),
        ("ok", "school-key", "xx", "400: xx is not supported"),
    ],
)
def test_errors_are_unavailable(
    fake: FakeLibreTranslate, mode: str, key: str, target: str, message: str
) -> None:
    fake.mode = mode
    client = LibreTranslate(fake.url, api_key=key, timeout_seconds=5)
    with pytest.raises(TranslationUnavailable, match=message):
        client.translate("Hello", source="en", target=target)


@pytest.mark.parametrize("mode", ["html", "nonsense", "empty"])
def test_nonsense_is_unavailable(fake: FakeLibreTranslate, mode: str) -> None:
    fake.mode = mode
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    with pytest.raises(TranslationUnavailable):
        client.translate("Hello", source="en", target="pl")
    if mode != "empty":
        assert client.detect("Dzień dobry") is None


def test_no_server_is_unavailable() -> None:
    with running(FakeLibreTranslate()) as server:
        url = server.url
    client = LibreTranslate(url, timeout_seconds=1)
    with pytest.raises(TranslationUnavailable, match="could not reach"):
        client.translate("Hello", source="en", target="pl")


def _summary() -> ReviewSummaryData:
    return ReviewSummaryData(
        child_name="Amelia",
        school_name="Oakfield Primary School",
        held_on=date(2026, 11, 20),
        reviewed=(TargetOutcome("Read 20 words", "met"),),
        new_targets=("Read 40 words",),
        next_steps="The EP will visit in January.",
        next_review_on=date(2027, 2, 10),
        show_english_action_id="opaque-english",
    )


def test_free_text_translated_is_marked_with_english_one_tap_away(fake) -> None:
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    message = render(REVIEW_SUMMARY, _summary().to_params(), "pl", translator=client)
    assert "[pl] Read 40 words" in message.text
    # Jargon is expanded before translation, so the parent never gets a bare "EP".
    assert "[pl] The educational psychologist (EP) will visit in January." in message.text
    assert catalog_text("pl", NOTE_TRANSLATED) in message.text
    assert catalog_text("pl", NOTE_ENGLISH) not in message.text
    english = [b for b in message.buttons if b.action_id == "opaque-english"]
    assert english and english[0].label == catalog_text("pl", "Show the English")
    # The tap renders the same row in English.
    original = render(REVIEW_SUMMARY, _summary().to_params(), "en")
    assert "Read 40 words" in original.text and "[pl]" not in original.text


def test_without_english_button_the_english_comes_inline(fake) -> None:
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    params = {**_summary().to_params(), "show_english_action_id": None}
    message = render(REVIEW_SUMMARY, params, "ro", translator=client)
    assert catalog_text("ro", "The English that school staff wrote:") in message.text
    assert "• Read 40 words" in message.text


def test_no_translator_says_so_in_the_parents_language() -> None:
    message = render(REVIEW_SUMMARY, _summary().to_params(), "ur")
    assert catalog_text("ur", NOTE_ENGLISH) in message.text
    assert catalog_text("ur", NOTE_TRANSLATED) not in message.text
    assert "Read 40 words" in message.text  # shown in English, in a left-to-right isolate
    assert "\u2066Read 40 words\u2069" in message.text
    assert all(b.action_id != "opaque-english" for b in message.buttons)


def test_failing_translator_falls_back_honestly(fake) -> None:
    fake.mode = "error"
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    message = render(REVIEW_SUMMARY, _summary().to_params(), "es", translator=client)
    assert catalog_text("es", NOTE_ENGLISH) in message.text
    assert catalog_text("es", NOTE_TRANSLATED) not in message.text
    # One failure is enough: the other pieces are not tried one by one.
    assert len([r for r in fake.requests if r["path"] == "/translate"]) == 1


def test_english_parent_needs_no_translation(fake) -> None:
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    message = render(REVIEW_SUMMARY, _summary().to_params(), "en", translator=client)
    assert fake.requests == []
    assert NOTE_ENGLISH not in message.text and NOTE_TRANSLATED not in message.text


def test_parent_reply_for_staff_names_language_and_translates(fake) -> None:
    fake.table[("Czy mogę przyjść w piątek?", "en")] = "Can I come on Friday?"
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    view = for_staff("Czy mogę przyjść w piątek?", "pl", translator=client)
    assert view.language_name == "Polish"
    assert view.english == "Can I come on Friday?"
    text = view.as_text()
    assert text.startswith("Written in Polish:\nCzy mogę przyjść w piątek?")
    assert "English (translated automatically, may have mistakes):\nCan I come on Friday?" in text


def test_parent_reply_detected_language_wins_when_confident(fake) -> None:
    fake.detect_as = ("ro", 95.0)
    client = LibreTranslate(fake.url, api_key="school-key", timeout_seconds=5)
    view = for_staff("Bună ziua", "pl", translator=client)
    assert view.language_name == "Romanian"


def test_parent_reply_without_translator() -> None:
    view = for_staff("سلام", "ur")
    assert view.language_name == "Urdu"
    assert view.english is None
    assert "No translator is set up" in view.as_text()
    assert for_staff("See you then", "en").as_text() == "See you then"


def test_languages_have_translator_codes() -> None:
    assert BY_CODE["pa_Guru"].translator_code == "pa"
    assert BY_CODE["pt_PT"].translator_code == "pt"
