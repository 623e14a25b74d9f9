"""The CI checks on the catalogs, run as ordinary tests: the template matches the code, every
parent message is in every catalog, placeholders and plural forms are intact, and each
catalog says honestly how it was translated. Each check is also shown to catch a plant."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import write_po

from sendbot.i18n import catalogs, maintain
from sendbot.i18n.catalogs import po_path, read_catalog, template_path
from sendbot.i18n.languages import PARENT_LANGUAGES, shipped_codes
from sendbot.i18n.writer import Writer

ROOT = maintain.ROOT


def test_catalogs_pass_every_check() -> None:
    findings = maintain.check()
    assert findings == [], "\n".join(map(str, findings))


def test_every_catalog_header_is_honest() -> None:
    for lang in PARENT_LANGUAGES:
        catalog = read_catalog(po_path(lang.code), locale=lang.code)
        header = catalog.header_comment
        assert "Translation status: machine translation, not yet reviewed." in header
        assert "machine language model" in header
        assert "fluent speaker" in header
        # Nobody has reviewed a message yet, and no catalog may claim otherwise.
        assert "Reviewed so far: none." in header
        assert not any(maintain.is_reviewed(m) for m in catalog if m.id)


def test_review_status_counts_reviewed_messages() -> None:
    status = maintain.review_status()
    assert set(status) == set(shipped_codes())
    assert all(s.reviewed == 0 and s.total > 40 for s in status.values())
    assert all(s.signed_off is None for s in status.values())


def test_catalogs_compile_at_first_use_without_mo_files() -> None:
    assert not list((ROOT / maintain.LOCALES).rglob("*.mo")), ".mo files are build output"
    assert catalogs.warm_up() == shipped_codes()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of what the checks read, to plant faults in."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / maintain.LOCALES, tmp_path / maintain.LOCALES)
    for mapping in maintain._babel_config(ROOT):
        for pattern in mapping["pattern"]:  # type: ignore[union-attr]
            for source in ROOT.glob(str(pattern).replace("**.py", "**/*.py")):
                target = tmp_path / source.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
    assert maintain.check(tmp_path) == []
    return tmp_path


def _edit_po(root: Path, code: str, msgid: str | tuple[str, str], value: object) -> None:
    path = po_path(code, root / maintain.LOCALES)
    catalog = read_catalog(path, locale=code)
    if value is None:
        catalog.delete(msgid)
    else:
        catalog[msgid].string = value  # type: ignore[index]
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)


def _problems(root: Path) -> str:
    return "\n".join(map(str, maintain.check(root)))


def test_stale_template_fails(tree: Path) -> None:
    builder = tree / "sendbot" / "messages" / "parents" / "summaries.py"
    builder.write_text(
        builder.read_text() + '\n\ndef _new(w):\n    return w._("A brand new sentence.")\n'
    )
    assert "not in the template (run extract): 'A brand new sentence.'" in _problems(tree)
    # After extraction the template is fine, and every catalog now misses the message.
    maintain.write_template(tree)
    problems = maintain.check(tree)
    assert len(problems) == len(PARENT_LANGUAGES)
    assert all("missing 'A brand new sentence.'" in str(p) for p in problems)
    # update brings it in untranslated, which still fails until someone translates it.
    maintain.update_catalogs(tree)
    assert all("not translated" in str(p) for p in maintain.check(tree))


def test_missing_message_fails(tree: Path) -> None:
    _edit_po(tree, "so", "I need an interpreter", None)
    assert "so/parents.po: missing 'I need an interpreter'" in _problems(tree)


def test_untranslated_or_fuzzy_message_fails(tree: Path) -> None:
    _edit_po(tree, "bn", "Show the English", "")
    path = po_path("gu", tree / maintain.LOCALES)
    catalog = read_catalog(path, locale="gu")
    catalog["Show the English"].flags.add("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)
    problems = _problems(tree)
    assert "bn/parents.po: 'Show the English': not translated" in problems
    assert "gu/parents.po: 'Show the English': marked fuzzy" in problems


def test_broken_placeholder_fails(tree: Path) -> None:
    _edit_po(tree, "pl", "Meeting about {child}", "Spotkanie w sprawie dziecka – {dziecko}")
    _edit_po(tree, "ro", "From {school}", "De la: {school")
    problems = _problems(tree)
    assert "unknown placeholder(s) ['dziecko']" in problems
    assert "lost placeholder(s) ['child']" in problems
    assert "ro/parents.po: 'From {school}': form 0: broken braces" in problems


def test_broken_plural_forms_fail(tree: Path) -> None:
    key = ("{child} has {count} new target:", "{child} has {count} new targets:")
    # Only three of Arabic's six forms written: the rest are empty.
    _edit_po(tree, "ar", key, ("a {child}", "b {child}", "c {child} {count}"))
    _edit_po(tree, "uk", key, ("{child} {count}", "{child} {count}", "{child} нових цілей"))
    problems = _problems(tree)
    assert "ar/parents.po: " + repr(key) + ": not translated" in problems
    assert (
        "uk/parents.po: " + repr(key) + ": the last plural form (the general one) must show {count}"
        in problems
    )


def test_wrong_plural_rule_fails(tree: Path) -> None:
    path = po_path("pl", tree / maintain.LOCALES)
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    path.write_text(
        text[:start] + '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n' + text[end:],
        encoding="utf-8",
    )
    problems = _problems(tree)  # babel warns about the now surplus forms as it reads
    assert "pl/parents.po: Plural-Forms has 2, CLDR says" in problems


def test_plural_rule_with_the_right_count_but_wrong_ranges_fails(tree: Path) -> None:
    """Arabic's old header had six forms, like CLDR, but sent 11-99 and 100-102 to each
    other's forms; counting the forms alone did not see it."""
    path = po_path("ar", tree / maintain.LOCALES)
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    old_rule = (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=0 && n%100<=2 ? 4 : 5);"
    )
    path.write_text(
        text[:start] + f'"Plural-Forms: {old_rule}\\n"\n' + text[end:], encoding="utf-8"
    )
    assert "ar/parents.po: Plural-Forms puts 11 in another form than CLDR" in _problems(tree)


def test_plural_difference_finds_the_first_count_that_differs() -> None:
    assert maintain.plural_difference("(n != 1)", "(n > 1)") == 0
    assert maintain.plural_difference("(n != 1)", "n != 1") is None
    spanish = "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)"
    assert maintain.plural_difference("(n == 1 ? 0 : 2)", spanish) == 1_000_000


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("es", 1, "Amelia tiene 1 objetivo nuevo:"),
        ("es", 3, "Amelia tiene 3 objetivos nuevos:"),
        ("es", 1_000_000, "Amelia tiene 1.000.000 de objetivos nuevos:"),
        ("pt_PT", 2, "Amelia tem 2 objetivos novos:"),
        ("ar", 11, "لدى \u2068Amelia\u2069 \u206811\u2069 هدفًا جديدًا:"),
        ("ar", 100, "لدى \u2068Amelia\u2069 \u2068100\u2069 هدف جديد:"),
        ("bn", 0, "Amelia-এর 0টি নতুন লক্ষ্য আছে:"),
    ],
)
def test_a_parent_reads_the_plural_form_their_language_uses(
    code: str, count: int, expected: str
) -> None:
    from sendbot.i18n.languages import BY_CODE

    w = Writer(BY_CODE[code])
    key = ("{child} has {count} new target:", "{child} has {count} new targets:")
    assert w.n_(*key, count, child="Amelia") == expected


def test_dishonest_header_fails(tree: Path) -> None:
    path = po_path("ta", tree / maintain.LOCALES)
    catalog = read_catalog(path, locale="ta")
    catalog.header_comment = "# Tamil translation."
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, include_lineno=False)
    assert "ta/parents.po: header must say how it was translated" in _problems(tree)


def test_broken_catalog_at_run_time_falls_back_to_english(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A placeholder broken in production must not stop the message going out."""
    _edit_po(tree, "es", "Meeting about {child}", "Reunión sobre {niño}")
    monkeypatch.setenv("SENDBOT_LOCALES_DIR", str(tree / maintain.LOCALES))
    from sendbot.i18n.languages import BY_CODE

    w = Writer(BY_CODE["es"])
    assert w._("Meeting about {child}", child="Amelia") == "Meeting about Amelia"
    assert w._("I will come") == "Iré"


def test_template_path_is_in_locales() -> None:
    assert template_path() == ROOT / maintain.LOCALES / "parents.pot"


def test_command_line_check_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    from sendbot.i18n.__main__ import main

    assert main(["check"]) == 0
    assert "catalogs OK" in capsys.readouterr().out
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "pa_Guru" in out and "0/" in out and "reviewed by a fluent speaker" in out


def test_compile_to_writes_mo_files(tmp_path: Path) -> None:
    written = maintain.compile_to(tmp_path)
    assert len(written) == len(PARENT_LANGUAGES)
    assert all(p.stat().st_size > 1000 for p in written)


def test_a_reviewed_catalog_still_passes_every_check_and_says_so_honestly(tree: Path) -> None:
    review = maintain.review_catalog(
        "Polish", "school EAL team", date(2027, 1, 15), base=tree / maintain.LOCALES
    )
    assert review.code == "pl" and review.marked > 40 and review.left == ()
    assert maintain.check(tree) == []
    header = read_catalog(po_path("pl", tree / maintain.LOCALES), locale="pl").header_comment
    assert "machine language model" in header  # where the words came from stays on record
    assert "Reviewed so far: none." not in header
    said = " ".join(x.lstrip("# ") for x in header.split("\n"))
    assert (
        "Translation status: machine translation, then reviewed in full by a fluent speaker "
        "(school EAL team) on 2027-01-15. Before the review: Translation status: machine "
        "translation, not yet reviewed."
    ) in said
    status = maintain.review_status(tree / maintain.LOCALES)
    assert status["pl"].signed_off == "school EAL team on 2027-01-15"
    assert status["pl"].reviewed == status["pl"].total
    assert status["ro"].signed_off is None and status["ro"].reviewed == 0
