"""Honest language: every parent message in a language no fluent speaker has checked says
so, in that language, until the catalog is marked reviewed; a message or catalog changed
after the review says so again. Staff-typed text is spelt out and marked or translated."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import write_po
from icalendar import Calendar

from sendbot.delivery import keys
from sendbot.delivery.parent_params import RsvpActions
from sendbot.i18n import catalogs, maintain, plain
from sendbot.i18n.__main__ import main as i18n_command
from sendbot.i18n.catalogs import po_path, read_catalog
from sendbot.i18n.languages import BY_CODE, resolve, shipped_codes
from sendbot.i18n.translate import Translation
from sendbot.i18n.writer import Writer
from sendbot.messages import registry
from sendbot.messages.parents import notices as parent_notices
from sendbot.messages.parents.honest import MACHINE_NOTICE, NO_CATALOG_NOTE
from sendbot.store.models import Guardian
from tests.factories import build_small_school
from tests.i18n import samples

CODES = shipped_codes()
SCHOOL_TYPED_PLACE = "SENCO office"
REVIEWER = "school EAL co-ordinator"
LTR, PDI = "\u2066", "\u2069"


def notice(code: str) -> str:
    """The notice as the catalog file itself words it (not through the code under test)."""
    message = read_catalog(po_path(code), locale=code).get(MACHINE_NOTICE)
    assert message is not None and message.string, code
    return str(message.string)


def every_parent_message() -> dict[str, dict[str, Any]]:
    """Params for each parent key, as the outbox holds them (no database needed)."""
    actions = RsvpActions("opaque-yes", "opaque-no", "opaque-other", "opaque-interpreter")
    sealed = samples.invitation(actions=actions, place=SCHOOL_TYPED_PLACE).to_params()
    invitation = {"invitation": sealed, "attendees": ["SENCO", "class teacher", "SALT"]}
    return {
        keys.MEETING_INVITATION: invitation,
        keys.MEETING_REMINDER: {**invitation, "days": 2},
        keys.MEETING_MOVED: {**invitation, "previous_starts_at": samples.NOW.isoformat()},
        keys.MEETING_CANCELLED: invitation,
        keys.MEETING_VIEWS_REQUEST: {"child_name": "Amelia", "share": "s", "not_now": "n"},
        keys.PARENT_STAFF_REPLY: {
            "text": "The SALT will see Amelia on Monday.",
            "staff_name": "Sam Senco",
            "school_name": "Oakfield",
            "child_name": "Amelia",
        },
        keys.PARENT_MEETING_INVITATION: sealed,
        keys.PARENT_REVIEW_SUMMARY: samples.review().to_params(),
        keys.PARENT_TERM_PROGRESS: samples.term_progress().to_params(),
        keys.PARENT_LINK_INVITATION: {
            "school_name": "Oakfield",
            "first_name": "Sara",
            "purpose": "confirm_email",
        },
    }


PARAMS = every_parent_message()
CONTEXT = {"_now": samples.NOW.isoformat(), "_timezone": "Europe/London"}


def rendered(key: str, code: str) -> str:
    message = registry.render(key, {**PARAMS[key], **CONTEXT}, code)
    assert message is not None
    return message.text


def test_the_samples_cover_every_parent_message() -> None:
    assert set(PARAMS) == keys.PARENT_KEYS == set(registry.PARENTS)


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("key", sorted(keys.PARENT_KEYS))
def test_every_parent_message_in_every_language_ends_with_the_notice(key: str, code: str) -> None:
    text = rendered(key, code)
    assert text.endswith("\n\n" + notice(code)), (key, code)
    assert text.count(notice(code)) == 1


@pytest.mark.parametrize("key", sorted(keys.PARENT_KEYS))
@pytest.mark.parametrize("language", ["en", "en_GB", "tr"])  # "tr": no catalog, plain English
def test_english_needs_no_notice(key: str, language: str) -> None:
    text = rendered(key, language)
    assert "computer translated this message" not in text
    assert not any(notice(code) in text for code in CODES)


@pytest.mark.parametrize("code", CODES)
def test_the_calendar_file_says_so_too(code: str) -> None:
    message = registry.render(keys.MEETING_INVITATION, {**PARAMS[keys.MEETING_INVITATION]}, code)
    assert message is not None
    (ics,) = message.attachments
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]).endswith(notice(code))
    # Staff's place in the calendar is spelt out too.
    expanded = "Special educational needs co-ordinator (SENCO) office"
    assert str(event["LOCATION"]) == expanded


# --- staff-typed fields ---------------------------------------------------------------


def catalog_says(code: str, msgid: str, **values: str) -> str:
    return str(read_catalog(po_path(code), locale=code).get(msgid).string).format(**values)  # type: ignore[union-attr]


IN_ENGLISH = (
    "Some parts of this message are in English, because school staff wrote them. "
    "We could not translate them. We can give you an interpreter for free. Just ask us."
)
TRANSLATED = (
    "Some parts of this message were written in English by school staff. "
    "A computer translated them automatically, so they may have mistakes."
)


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_staff_typed_place_and_people_are_spelt_out_and_marked_english(code: str) -> None:
    text = rendered(keys.MEETING_INVITATION, code)
    place = "Special educational needs co-ordinator (SENCO) office"
    people = (
        "Special educational needs co-ordinator (SENCO), class teacher, "
        "speech and language therapist (SALT)"
    )
    if BY_CODE[code].rtl:  # English inside right-to-left text keeps its own direction
        place, people = f"{LTR}{place}{PDI}", f"{LTR}{people}{PDI}"
    assert catalog_says(code, "Place: {place}", place=place) in text
    assert catalog_says(code, "Who will be there: {people}", people=people) in text
    assert catalog_says(code, IN_ENGLISH) in text
    assert catalog_says(code, TRANSLATED) not in text


class TaggingTranslator:
    """A translator that marks what it did, so a test can see which words went through it."""

    name = "test"

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        self.asked.append((text, target))
        return Translation(f"<{target}> {text}", source, target, self.name)

    def detect(self, text: str) -> None:
        return None


@pytest.fixture
def translator(monkeypatch: pytest.MonkeyPatch) -> TaggingTranslator:
    fake = TaggingTranslator()
    monkeypatch.setattr(parent_notices, "translator_from_settings", lambda: fake)
    return fake


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_with_a_translator_staff_words_are_translated_with_the_english_beside(
    code: str, translator: TaggingTranslator
) -> None:
    text = rendered(keys.MEETING_INVITATION, code)
    target = BY_CODE[code].translator_code
    place = "Special educational needs co-ordinator (SENCO) office"
    assert (place, target) in translator.asked
    assert f"<{target}> {place}" in text
    assert catalog_says(code, TRANSLATED) in text
    assert catalog_says(code, "The English that school staff wrote:") in text
    assert place in text.split(catalog_says(code, "The English that school staff wrote:"))[1]
    assert text.endswith(notice(code))


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_a_staff_reply_goes_through_the_translator_with_the_original(
    code: str, translator: TaggingTranslator
) -> None:
    text = rendered(keys.PARENT_STAFF_REPLY, code)
    english = "The speech and language therapist (SALT) will see Amelia on Monday."
    target = BY_CODE[code].translator_code
    assert f"<{target}> {english}" in text
    heading = catalog_says(code, "The English that school staff wrote:")
    assert heading in text and english in text.split(heading)[1]
    assert catalog_says(code, TRANSLATED) in text


def test_an_english_reader_gets_the_reply_as_written(translator: TaggingTranslator) -> None:
    text = rendered(keys.PARENT_STAFF_REPLY, "en")
    assert "The speech and language therapist (SALT) will see Amelia on Monday." in text
    assert translator.asked == []


# --- marking a catalog reviewed -------------------------------------------------------


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the catalogs that sendbot reads instead of its own."""
    copy = tmp_path / "locales"
    shutil.copytree(catalogs.locales_dir(), copy)
    monkeypatch.setenv("SENDBOT_LOCALES_DIR", str(copy))
    return copy


def _touched(path: Path) -> None:
    """A later modification time, however coarse the file system's clock."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_reviewing_a_catalog_takes_the_notice_away_for_that_language_only(
    locales: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rendered(keys.PARENT_REVIEW_SUMMARY, "pl").endswith(notice("pl"))
    translated = sum(bool(m.id) and bool(m.string) for m in read_catalog(po_path("pl", locales)))
    code = i18n_command(["review", "pl", "--by", REVIEWER, "--on", "2027-01-15"])
    assert code == 0
    assert (
        f"pl: {translated} message(s) marked reviewed by school EAL co-ordinator on 2027-01-15"
        in (capsys.readouterr().out)
    )
    _touched(po_path("pl", locales))

    for key in sorted(keys.PARENT_KEYS):
        assert notice("pl") not in rendered(key, "pl"), key
        assert rendered(key, "ur").endswith(notice("ur")), key

    catalog = read_catalog(po_path("pl", locales), locale="pl")
    header = catalog.header_comment
    assert f"Reviewed-By: {REVIEWER}" in header and "Reviewed-On: 2027-01-15" in header
    assert "Translation status: machine translation, then reviewed in full" in header
    # What it said before stays on record, marked as what it was before the review.
    assert "2027-01-15. Before the review: Translation status: machine translation, not yet" in (
        " ".join(x.lstrip("# ") for x in header.split("\n"))
    )
    assert f"Reviewed so far: all {translated} translated messages, 2027-01-15." in header
    assert all(f"reviewed-by: {REVIEWER}, 2027-01-15" in m.user_comments for m in catalog if m.id)
    assert i18n_command(["status"]) == 0
    status = capsys.readouterr().out
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in status.splitlines() if line}
    assert lines["pl"] == (
        f"{translated}/{translated} reviewed by a fluent speaker; "
        f"whole catalog signed off by {REVIEWER} on 2027-01-15"
    )
    assert lines["ur"] == f"0/{translated} reviewed by a fluent speaker"


def _add_unreviewed(path: Path, msgid: str, string: str) -> None:
    """What `update` and a translator do with a new message: no reviewed-by mark."""
    catalog = read_catalog(path, locale="pl")
    catalog.add(msgid, string)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)
    _touched(path)


def test_a_message_changed_after_the_review_brings_the_notice_back(locales: Path) -> None:
    path = po_path("pl", locales)
    catalog = read_catalog(path, locale="pl")
    changed = "Who will be there: {people}"
    old = catalog.get(changed)
    assert old is not None
    catalog.delete(changed)  # as if the English changed: the old entry goes, a new one comes
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)
    maintain.review_catalog("pl", REVIEWER, date(2027, 1, 15))
    _touched(path)
    assert notice("pl") not in rendered(keys.MEETING_INVITATION, "pl")

    _add_unreviewed(path, changed, str(old.string))
    # The invitation uses the new, unchecked message; the summary does not.
    assert rendered(keys.MEETING_INVITATION, "pl").endswith(notice("pl"))
    assert notice("pl") not in rendered(keys.PARENT_REVIEW_SUMMARY, "pl")
    status = maintain.review_status()["pl"]
    assert (status.reviewed, status.total) == (status.total - 1, status.total)


def test_a_fuzzy_or_untranslated_message_is_not_marked_reviewed(locales: Path) -> None:
    path = po_path("pl", locales)
    catalog = read_catalog(path, locale="pl")
    catalog.get("I will come").flags.add("fuzzy")  # type: ignore[union-attr]
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)
    review = maintain.review_catalog("pl", REVIEWER, date(2027, 1, 15))
    assert review.left == ("I will come",)
    again = maintain.review_catalog("pl", "second reader", date(2027, 2, 1))
    assert again.marked == 0 and again.already == review.marked
    assert "Reviewed-By: second reader" in read_catalog(path, locale="pl").header_comment


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["review", "pl", "--by", "  "], "say who reviewed it"),
        (["review", "fr", "--by", REVIEWER], "no parent catalog for 'fr'"),
        (["review", "en", "--by", REVIEWER], "no parent catalog for 'en'"),
    ],
)
def test_a_review_that_cannot_be_recorded_says_why(
    locales: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    before = po_path("pl", locales).read_bytes()
    assert i18n_command(argv) == 2
    assert says in capsys.readouterr().err
    assert po_path("pl", locales).read_bytes() == before


def test_a_writer_notes_only_unchecked_words(locales: Path) -> None:
    w = Writer(BY_CODE["pl"])
    w._("Hello {name},", name="Sara")
    assert w.used_unreviewed
    maintain.review_catalog("pl", REVIEWER, date(2027, 1, 15))
    _touched(po_path("pl", locales))
    checked = Writer(BY_CODE["pl"])
    checked._("Hello {name},", name="Sara")
    checked.n_("{child} has {count} new target:", "{child} has {count} new targets:", 3, child="A")
    assert not checked.used_unreviewed
    _add_unreviewed(po_path("pl", locales), "A brand new message", "Zupełnie nowa wiadomość")
    later = Writer(BY_CODE["pl"])
    later._("Hello {name},", name="Sara")
    assert not later.used_unreviewed
    later._("A brand new message")
    assert later.used_unreviewed


def test_a_template_with_no_catalog_entry_is_not_called_machine_translated() -> None:
    w = Writer(BY_CODE["pl"])
    assert w._("Not in any catalog") == "Not in any catalog"
    assert not w.used_unreviewed


# --- a language with no catalog -------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "script", "told"),
    [
        ("fr", None, True),  # no catalog yet
        ("pa", "Arab", True),  # Panjabi in Shahmukhi: not sent Gurmukhi
        ("Turkish", None, True),
        ("en", None, False),
        ("en-US", None, False),
        (None, None, False),  # nobody asked for anything else
    ],
)
def test_a_parent_with_no_catalog_is_told_in_english_why(
    sessions: Any, stored: str | None, script: str | None, told: bool
) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        guardian = Guardian(
            school_id=school.school_id,
            external_id="G-honest",
            first_name="Sara",
            last_name="Demir",
            preferred_language=stored,
            script=script,
        )
        session.add(guardian)
        session.flush()
        guardian_id = guardian.id
    with sessions() as session:
        for key in sorted(keys.PARENT_KEYS):
            params = {**PARAMS[key], **CONTEXT, "_recipient_guardian_id": guardian_id}
            message = registry.render(key, params, resolve(stored, script).code, session)
            assert message is not None and message.language == "en_GB", key
            assert message.text.endswith("\n\n" + NO_CATALOG_NOTE) is told, key
            assert "computer translated" not in message.text


def test_the_english_note_is_plain() -> None:
    assert plain.check(NO_CATALOG_NOTE) == []
