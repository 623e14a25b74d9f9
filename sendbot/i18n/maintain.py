"""Keeping the parent catalogs honest: extract, update, check, review, compile.

`python -m sendbot.i18n check` is what CI runs (through the ordinary test suite too): it fails
when the template is out of date with the code, when a parent message is missing or fuzzy in
any catalog, when a placeholder or plural form is broken, or when a catalog's header does
not say how it was translated.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from gettext import c2py
from io import BytesIO
from pathlib import Path
from typing import NotRequired, TypedDict

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import write_po

from sendbot.i18n.catalogs import (
    DOMAIN,
    REVIEWED_MARK,
    is_reviewed,
    is_translated,
    locales_dir,
    po_path,
    read_catalog,
)
from sendbot.i18n.catalogs import template_path as _template_path
from sendbot.i18n.languages import PARENT_LANGUAGES, resolve, shipped_codes
from sendbot.i18n.writer import placeholders

ROOT = Path(__file__).resolve().parents[2]
LOCALES = Path("sendbot", "locales")
STATUS_LINE = "Translation status:"
_WIDTH = 100
TEMPLATE_HEADER = """\
# Messages sendbot sends to parents and carers. English (en_GB) is the source.
# Made by `python -m sendbot.i18n extract` from the code; do not edit by hand.
# How to add a language or fix a translation: docs/translations.md."""


class _BabelMapping(TypedDict):
    """One `[[tool.babel.mappings]]` table of pyproject.toml."""

    method: str
    pattern: list[str]
    keywords: NotRequired[list[str]]
    add_comments: NotRequired[list[str]]


def _babel_config(root: Path) -> list[_BabelMapping]:
    with (root / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["tool"]["babel"]["mappings"])


def extract(root: Path = ROOT) -> Catalog:
    """The parent messages as the code says them now, per `[tool.babel]` in pyproject.toml."""
    catalog = Catalog(
        domain=DOMAIN,
        project="sendbot",
        version="1",
        copyright_holder="sendbot contributors",
        msgid_bugs_address="",
        charset="utf-8",
        header_comment=TEMPLATE_HEADER,
    )
    for mapping in _babel_config(root):
        patterns = mapping["pattern"]
        keywords = parse_keywords(list(mapping.get("keywords", ["_"])))
        comments = list(mapping.get("add_comments", []))
        method_map = [(p, str(mapping["method"])) for p in patterns]
        for filename, lineno, message, auto, context in extract_from_dir(
            root, method_map, keywords=keywords, comment_tags=comments, strip_comment_tags=True
        ):
            catalog.add(message, None, [(filename, lineno)], auto_comments=auto, context=context)
    return catalog


def _key(message: Message) -> tuple[object, str | None]:
    return (message.id, message.context)


def _ids(catalog: Catalog) -> set[tuple[object, str | None]]:
    return {_key(m) for m in catalog if m.id}


def write_template(root: Path = ROOT) -> Path:
    """Write sendbot/locales/parents.pot; left untouched when only its creation date would change."""
    path = _template_path(root / LOCALES)
    buffer = BytesIO()
    write_po(buffer, extract(root), width=_WIDTH, include_lineno=False, omit_header=False)
    fresh = buffer.getvalue()
    if path.exists() and _without_date(path.read_bytes()) == _without_date(fresh):
        return path
    path.write_bytes(fresh)
    return path


def _without_date(po: bytes) -> bytes:
    return b"\n".join(x for x in po.split(b"\n") if not x.startswith(b'"POT-Creation-Date:'))


def update_catalogs(root: Path = ROOT) -> list[Path]:
    """Merge the template into each language: new messages arrive untranslated."""
    template = read_catalog(_template_path(root / LOCALES))
    written = []
    for lang in PARENT_LANGUAGES:
        path = po_path(lang.code, root / LOCALES)
        catalog = read_catalog(path, locale=lang.code)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=_WIDTH, include_lineno=False)
        written.append(path)
    return written


@dataclass(frozen=True)
class Finding:
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def check_template(root: Path = ROOT) -> list[Finding]:
    path = _template_path(root / LOCALES)
    if not path.exists():
        return [Finding(str(path.name), "missing: run python -m sendbot.i18n extract")]
    on_disk, fresh = _ids(read_catalog(path)), _ids(extract(root))
    findings = [
        Finding(path.name, f"not in the template (run extract): {k[0]!r}")
        for k in sorted(fresh - on_disk, key=str)
    ]
    findings += [
        Finding(path.name, f"no longer in the code (run extract): {k[0]!r}")
        for k in sorted(on_disk - fresh, key=str)
    ]
    return findings


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return list(message.string)
    return [message.string or ""]


def check_message(message: Message, num_plurals: int) -> list[str]:
    """Problems with one translated message: emptiness, placeholders, plural forms."""
    problems = []
    forms = _forms(message)
    if message.fuzzy:
        problems.append("marked fuzzy (not used until a person clears the flag)")
    if any(not f.strip() for f in forms):
        problems.append("not translated")
        return problems
    if isinstance(message.id, tuple | list):  # what Message.pluralizable tests
        singular, plural = message.id
        if len(forms) != num_plurals:
            problems.append(f"has {len(forms)} plural forms, the language needs {num_plurals}")
        allowed = placeholders(singular) | placeholders(plural)
        required = allowed - {"count"}
    else:
        allowed = required = placeholders(str(message.id))
    for i, form in enumerate(forms):
        try:
            found = placeholders(form)
        except ValueError as exc:
            problems.append(f"form {i}: broken braces ({exc})")
            continue
        if found - allowed:
            problems.append(f"form {i}: unknown placeholder(s) {sorted(found - allowed)}")
        if required - found:
            problems.append(f"form {i}: lost placeholder(s) {sorted(required - found)}")
    if message.pluralizable and "count" not in placeholders(forms[-1]):
        problems.append("the last plural form (the general one) must show {count}")
    return problems


# Every count up to a few thousand, and the round millions where CLDR's "many" forms begin.
_PLURAL_SAMPLES = (*range(0, 2001), 10_000, 100_000, 1_000_000, 1_000_001, 2_000_000)


def plural_difference(ours: str, theirs: str) -> int | None:
    """The first count two plural formulas send to different forms; None when they agree.

    The count of forms alone is not enough: a formula with the right count but the wrong
    ranges shows a parent the wrong form (Arabic's 11-99 against 100-102, for example).
    """
    first, second = c2py(ours), c2py(theirs)
    return next((n for n in _PLURAL_SAMPLES if first(n) != second(n)), None)


def _plural_findings(where: str, code: str, catalog: Catalog) -> list[Finding]:
    """Whether the catalog's Plural-Forms has CLDR's count and sends each count to CLDR's form."""
    expected = get_plural(code)
    if catalog.num_plurals != expected.num_plurals:
        return [Finding(where, f"Plural-Forms has {catalog.num_plurals}, CLDR says {expected}")]
    differs_at = plural_difference(catalog.plural_expr, expected.plural_expr)
    if differs_at is None:
        return []
    return [
        Finding(
            where,
            f"Plural-Forms puts {differs_at} in another form than CLDR "
            f"({expected.plural_forms}): move the translated forms to match, then "
            "copy CLDR's header",
        )
    ]


def check_catalog(code: str, template: Catalog, root: Path = ROOT) -> list[Finding]:
    path = po_path(code, root / LOCALES)
    where = f"{code}/{path.name}"
    if not path.exists():
        return [Finding(where, "missing")]
    catalog = read_catalog(path, locale=code)
    findings = []
    header = catalog.header_comment or ""
    if STATUS_LINE not in header:
        findings.append(Finding(where, f"header must say how it was translated ({STATUS_LINE})"))
    findings += _plural_findings(where, code, catalog)
    ids = _ids(catalog)
    for key in sorted(_ids(template) - ids, key=str):
        findings.append(Finding(where, f"missing {key[0]!r} (run python -m sendbot.i18n update)"))
    for key in sorted(ids - _ids(template), key=str):
        findings.append(Finding(where, f"not in the template: {key[0]!r}"))
    for message in catalog:
        if not message.id:
            continue
        for problem in check_message(message, catalog.num_plurals):
            findings.append(Finding(where, f"{message.id!r}: {problem}"))
    try:
        write_mo(BytesIO(), catalog)
    except Exception as exc:  # pragma: no cover - babel rarely fails here
        findings.append(Finding(where, f"does not compile: {exc}"))
    return findings


def check(root: Path = ROOT) -> list[Finding]:
    findings = check_template(root)
    path = _template_path(root / LOCALES)
    if path.exists():
        template = read_catalog(path)
        for lang in PARENT_LANGUAGES:
            findings += check_catalog(lang.code, template, root)
    return findings


REVIEWED_BY_LINE = "Reviewed-By:"
REVIEWED_ON_LINE = "Reviewed-On:"
_SO_FAR = "Reviewed so far:"


class ReviewRefused(ValueError):
    """The review cannot be recorded as asked (no such language, no reviewer named)."""


@dataclass(frozen=True)
class Review:
    code: str
    by: str
    on: date
    marked: int  # messages marked now
    already: int  # messages that carried a mark already
    left: tuple[str, ...]  # untranslated or fuzzy: not marked, the parent still gets the notice


def _catalog_base(base: Path | None) -> Path:
    return base if base is not None else locales_dir()


_BEFORE = "Before the review:"


def _status_paragraph(lines: list[str], at: int) -> list[str]:
    """The texts of the status line at `at` and the lines that continue its paragraph."""
    texts = [lines[at].lstrip("#").strip()]
    for line in lines[at + 1 :]:
        text = line.lstrip("#").strip()
        if not text or text.startswith(("A message", "Reviewed")):
            break
        texts.append(text)
    return texts


def _reviewed_status(old: str, by: str, on: date) -> list[str]:
    """The new status paragraph: how it was translated, who reviewed it, and the old words
    kept as history (the first review's history, however often it is reviewed again)."""
    value = old[len(STATUS_LINE) :].strip()
    origin = value.replace(".", ",").split(",")[0].strip() or "translation"
    history = value.split(_BEFORE, 1)[1].strip() if _BEFORE in value else f"{STATUS_LINE} {value}"
    return [
        f"# {STATUS_LINE} {origin}, then reviewed in full by a fluent speaker ({by}) "
        f"on {on.isoformat()}. {_BEFORE} {history}",
        f"# {REVIEWED_BY_LINE} {by}",
        f"# {REVIEWED_ON_LINE} {on.isoformat()}",
    ]


def _reviewed_header(header: str, by: str, on: date, count: int) -> str:
    """The header comment with its status paragraph saying who reviewed it and when."""
    lines = [
        line
        for line in header.split("\n")
        if not line.lstrip("#").strip().startswith((REVIEWED_BY_LINE, REVIEWED_ON_LINE))
    ]
    out: list[str] = []
    i = 0
    while i < len(lines):
        text = lines[i].lstrip("#").strip()
        if text.startswith(STATUS_LINE):
            paragraph = _status_paragraph(lines, i)
            out += _reviewed_status(" ".join(paragraph), by, on)
            i += len(paragraph)
            continue
        if text.startswith(_SO_FAR):
            out.append(f"# {_SO_FAR} all {count} translated messages, {on.isoformat()}.")
        else:
            out.append(lines[i])
        i += 1
    return "\n".join(out)


def review_catalog(code: str, by: str, on: date, base: Path | None = None) -> Review:
    """Record that a fluent speaker (`by`: a name or role) checked the whole catalog on `on`.

    Every translated message gets a `# reviewed-by: BY, DATE` comment unless it has one; the
    header says who and when (`Reviewed-By:`, `Reviewed-On:`). From then on the parents of
    that language no longer get the machine-translation notice, until a new or changed
    message arrives without the mark. Untranslated and fuzzy messages are not marked.
    """
    by = " ".join(by.split())
    if not by:
        raise ReviewRefused("say who reviewed it: --by 'NAME or ROLE'")
    lang = resolve(code)
    if lang not in PARENT_LANGUAGES:
        raise ReviewRefused(f"no parent catalog for {code!r}: one of {', '.join(shipped_codes())}")
    path = po_path(lang.code, _catalog_base(base))
    catalog = read_catalog(path, locale=lang.code)
    marked = already = 0
    left = []
    for message in catalog:
        if not message.id:
            continue
        if is_reviewed(message):
            already += 1
        elif is_translated(message):
            message.user_comments.insert(0, f"{REVIEWED_MARK} {by}, {on.isoformat()}")
            marked += 1
        else:
            left.append(str(message.id))
    catalog.header_comment = _reviewed_header(
        catalog.header_comment or "", by, on, marked + already
    )
    catalog.last_translator = f"machine language model, reviewed by {by}"
    catalog.language_team = f"{lang.english_name}: reviewed by {by}, {on.isoformat()}"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=_WIDTH, include_lineno=False)
    return Review(lang.code, by, on, marked, already, tuple(left))


@dataclass(frozen=True)
class Status:
    reviewed: int
    total: int
    signed_off: str | None  # "BY on DATE" from the header, when the whole catalog was reviewed


def _signed_off(header: str) -> str | None:
    found = {}
    for line in header.split("\n"):
        text = line.lstrip("#").strip()
        for key in (REVIEWED_BY_LINE, REVIEWED_ON_LINE):
            if text.startswith(key):
                found[key] = text[len(key) :].strip()
    if REVIEWED_BY_LINE not in found:
        return None
    return f"{found[REVIEWED_BY_LINE]} on {found.get(REVIEWED_ON_LINE, '?')}"


def review_status(base: Path | None = None) -> dict[str, Status]:
    """Reviewed and total messages per language, and who signed the catalog off, if anyone."""
    status = {}
    for lang in PARENT_LANGUAGES:
        catalog = read_catalog(po_path(lang.code, _catalog_base(base)), locale=lang.code)
        messages = [m for m in catalog if m.id]
        status[lang.code] = Status(
            sum(is_reviewed(m) for m in messages),
            len(messages),
            _signed_off(catalog.header_comment or ""),
        )
    return status


def compile_to(directory: Path, root: Path = ROOT) -> list[Path]:
    """Write .mo files for tools that want them; sendbot itself compiles in memory."""
    written = []
    for lang in PARENT_LANGUAGES:
        catalog = read_catalog(po_path(lang.code, root / LOCALES), locale=lang.code)
        out = directory / lang.code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(out)
    return written


__all__ = [
    "Finding",
    "check",
    "compile_to",
    "extract",
    "is_reviewed",
    "locales_dir",
    "review_catalog",
    "review_status",
    "update_catalogs",
    "write_template",
]
