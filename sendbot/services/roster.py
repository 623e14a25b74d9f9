"""Import the school roster from the CSV files a school MIS exports.

The import reads every file, checks every row and every cross-reference first, and writes
nothing unless all of it is sound: a school admin gets the whole list of rows to fix in one
go, and a half-imported roster can never leave a pupil linked to the wrong parent. The caller
owns the transaction (`sendbot.store.db.transaction`), so a failure rolls everything back.

Records are matched on the MIS ids, so running the same export twice changes nothing. People
missing from a later export are marked inactive, never deleted: their history (concerns,
plans, the audit log) must stay readable. Links (class staff, guardian links) are replaced
by what the export says, because a link the MIS no longer lists must stop sending messages.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import charset_normalizer
from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from sendbot.clock import Clock, SystemClock
from sendbot.domain import timescales
from sendbot.domain.calendar import parse_nation as nation_of
from sendbot.domain.contact_addresses import normalise_email, parse_uk_phone
from sendbot.domain.needs import CENSUS_NEEDS, parse_need
from sendbot.domain.people import Role, SenStatus, parse_roles, parse_sen_status
from sendbot.domain.school_settings import SchoolSettings, SettingError, conflicts, with_changes
from sendbot.domain.school_settings import find as find_setting
from sendbot.services import audit, cp_files, ehc_cases, guardian_channels, school_settings
from sendbot.services.school_settings_changes import (
    STAFF_ID_SETTINGS,
    active_staff_ids,
    on_call_problem,
    staff_refs_to_ids,
)
from sendbot.services.school_settings_changes import change as change_settings
from sendbot.store.models import (
    GroupStaff,
    Guardian,
    GuardianPupil,
    Pupil,
    School,
    SenStatusChange,
    Staff,
    StaffRole,
    TeachingGroup,
)

T = TypeVar("T")

SCHOOL = "school.csv"
SETTINGS = "settings.csv"
CLASSES = "classes.csv"
STAFF = "staff.csv"
CLASS_STAFF = "class_staff.csv"
PUPILS = "pupils.csv"
GUARDIANS = "guardians.csv"
GUARDIAN_LINKS = "guardian_links.csv"

# Read in this order, so each file can check its references against the ones before it.
ROSTER_FILES: tuple[str, ...] = (
    SCHOOL,
    SETTINGS,
    CLASSES,
    STAFF,
    CLASS_STAFF,
    PUPILS,
    GUARDIANS,
    GUARDIAN_LINKS,
)

NATIONS = ("england", "wales", "scotland", "northern_ireland")
ROLE_WORDS = ", ".join(role.value for role in Role)


# --- results ---------------------------------------------------------------------------------


class RosterError(Exception):
    """Every problem found, one line each, as `pupils.csv line 14: <reason>`."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the roster: " + "; ".join(errors[:3]))
        self.errors = errors


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0  # people missing from this export, kept but marked inactive
    removed: int = 0  # links missing from this export, deleted


@dataclass
class RosterReport:
    school_name: str
    urn: str
    school_created: bool
    school_updated: bool
    files: list[str]
    counts: dict[str, KindCounts] = field(default_factory=dict)  # only kinds imported
    ignored_files: list[str] = field(default_factory=list)
    settings_changed: dict[str, Any] = field(default_factory=dict)  # setting -> from, to
    encodings: dict[str, str] = field(default_factory=dict)  # file -> encoding, if not UTF-8
    ehc_changed: dict[str, dict[str, str]] = field(default_factory=dict)  # pupil id -> dates
    law_notice: str | None = None  # the school is outside England: EHC rules not applied
    # Guardians' numbers that get no text messages, addresses left off: one line each.
    channel_notes: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        details = {
            "urn": self.urn,
            "files": self.files,
            "school_created": self.school_created,
            "counts": {kind: asdict(c) for kind, c in self.counts.items()},
        }
        if self.settings_changed:
            details["settings_changed"] = self.settings_changed
        if self.encodings:
            details["encodings"] = self.encodings
        if self.ehc_changed:
            details["ehc_cases"] = self.ehc_changed
        if self.channel_notes:
            details["channel_notes"] = len(self.channel_notes)  # the names stay out of the log
        return details


# --- column specifications -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    required: bool = False  # the column must be in the header and the cell must not be empty
    aliases: tuple[str, ...] = ()
    max_len: int = 100


def _key(header: str) -> str:
    """Headers match whatever their case, spacing, underscores or hyphens."""
    return re.sub(r"[\s_\-./]+", "", header.strip().lower())


# The steps of a pupil's EHC case an MIS may hold, each a date of `EhcCase` (see
# services/ehc_cases.py), besides who asked for the assessment and what the LA decided.
EHC_DATE_COLUMNS: tuple[tuple[Column, str], ...] = (
    (Column("ehc_request_date", "EHC request date", aliases=("ehc_request",)), "request_received_on"),
    (Column("ehc_decision_date", "EHC decision date"), "decision_on"),
    (Column("ehc_advice_requested", "EHC advice requested"), "advice_requested_on"),
    (Column("ehc_advice_given", "EHC advice given"), "advice_received_on"),
    (Column("ehcp_draft", "EHC plan draft", aliases=("ehcp_draft_date",)), "draft_served_on"),
    (Column("ehcp_issued", "EHC plan issued", aliases=("ehcp_date", "ehcp_issue_date")), "final_issued_on"),
    (Column("last_annual_review", "last annual review", aliases=("ehcp_last_review",)), "last_annual_review_on"),
    (Column("ehcp_amendment_notice", "EHC plan amendment notice"), "amendments_sent_on"),
    (Column("ehc_reassessment_request", "EHC re-assessment request"), "reassessment_requested_on"),
)  # fmt: skip
EHC_COLUMNS: tuple[Column, ...] = (
    *(column for column, _ in EHC_DATE_COLUMNS),
    Column("ehc_requested_by", "EHC requested by", max_len=40),
    Column("ehc_decision", "EHC decision", max_len=40),
    Column("local_authority", "local authority", aliases=("ehc_local_authority", "la")),
    Column("phase_transfer_year", "phase transfer year", max_len=4),
)
# Dates that only an issued plan has: with them the SEN status must be EHC plan.
PLAN_DATES = ("final_issued_on", "last_annual_review_on", "amendments_sent_on")

SPECS: dict[str, tuple[Column, ...]] = {
    SCHOOL: (
        Column("urn", "URN", True, max_len=20),
        Column("name", "school name", True, ("school_name",), 200),
        Column("timezone", "timezone", aliases=("time_zone",), max_len=64),
        Column("nation", "nation", max_len=32),
    ),
    SETTINGS: (
        Column("setting", "setting", True, ("key", "name"), 80),
        Column("value", "value", True, max_len=200),
    ),
    CLASSES: (
        Column("class_code", "class code", True, ("code", "class"), 40),
        Column("name", "class name", aliases=("class_name",)),
        Column("year_group", "year group", aliases=("year", "ncy")),
    ),
    STAFF: (
        Column("staff_id", "staff id", True, ("mis_id", "id"), 64),
        Column("title", "title", max_len=20),
        Column("first_name", "first name", True, ("forename",)),
        Column("last_name", "last name", True, ("surname",)),
        Column("email", "email", True, ("email_address",), 254),
        Column("roles", "roles", True, ("role",), 200),
    ),
    CLASS_STAFF: (
        Column("class_code", "class code", True, ("code", "class"), 40),
        Column("staff_id", "staff id", True, ("mis_id",), 64),
        Column("role", "role", max_len=40),
    ),
    PUPILS: (
        Column("pupil_id", "pupil id", True, ("mis_id", "id", "admission_number", "adno"), 64),
        Column("upn", "UPN", max_len=13),
        Column("legal_first_name", "legal first name", True, ("first_name", "forename")),
        Column("legal_last_name", "legal last name", True, ("last_name", "surname")),
        Column("preferred_first_name", "preferred first name", aliases=("preferred_name",)),
        Column("date_of_birth", "date of birth", True, ("dob", "birth_date")),
        Column("year_group", "year group", True, ("year", "ncy")),
        Column("class_code", "class code", aliases=("class", "reg_group"), max_len=40),
        Column("sen_status", "SEN status", aliases=("sen_provision", "sen")),
        Column("primary_need", "primary need"),
        Column("secondary_need", "secondary need"),
        Column("eal", "EAL", aliases=("english_additional_language",)),
        Column("first_language", "first language", aliases=("home_language",), max_len=40),
        Column("looked_after", "looked after", aliases=("cla", "lac", "in_care")),
        *EHC_COLUMNS,
        Column("leaving_on", "leaving date", aliases=("leaving_date", "date_of_leaving")),
        Column("destination_school", "destination school", aliases=("next_school",), max_len=200),
    ),
    GUARDIANS: (
        Column("guardian_id", "guardian id", True, ("contact_id", "mis_id", "id"), 64),
        Column("title", "title", max_len=20),
        Column("first_name", "first name", True, ("forename",)),
        Column("last_name", "last name", True, ("surname",)),
        Column("email", "email", aliases=("email_address",), max_len=254),
        Column("phone", "phone", aliases=("mobile", "telephone"), max_len=40),
        Column("preferred_language", "preferred language", aliases=("language",), max_len=20),
        Column("needs_interpreter", "needs interpreter", aliases=("interpreter",)),
    ),
    GUARDIAN_LINKS: (
        Column("guardian_id", "guardian id", True, ("contact_id",), 64),
        Column("pupil_id", "pupil id", True, (), 64),
        Column("relationship", "relationship", max_len=40),
        Column("parental_responsibility", "parental responsibility", aliases=("pr",)),
        Column("contact_priority", "contact priority", aliases=("priority",)),
    ),
}


# --- cell parsers: each returns a value or raises ValueError with the reason ----------------

_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?: 00:00(?::00)?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?")
_FLAGS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False}
_FLAGS |= {"false": False, "0": False}
_UPN = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")
_LANG = re.compile(r"([a-z]{2,3})(?:[-_]([a-z]{4}))?(?:[-_](?:[a-z]{2}|[0-9]{3}))?")
# Names an MIS may write instead of a code, beyond CLDR's English names.
LANGUAGE_ALIASES: dict[str, str] = {"panjabi": "pa", "bangla": "bn", "sylheti": "bn", "farsi": "fa"}


@lru_cache(maxsize=1)
def _cldr() -> tuple[dict[str, str], set[str], set[str]]:
    """Language names -> codes, known language codes and known script codes, from CLDR."""
    english = Locale("en")
    names = {name.lower(): code for code, name in english.languages.items() if "_" not in code}
    return names | LANGUAGE_ALIASES, set(english.languages), set(english.scripts)


def parse_date(text: str) -> date:
    """dd/mm/yyyy (what MIS exports and Excel write in the UK) or ISO yyyy-mm-dd."""
    if match := _YMD.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError("is not a date (write it as dd/mm/yyyy or yyyy-mm-dd)")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError("is not a real date") from exc


def parse_calendar_year(text: str) -> int:
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise ValueError("is not a calendar year, like 2027")
    return int(text)


def parse_flag(text: str) -> bool:
    try:
        return _FLAGS[text.lower()]
    except KeyError as exc:
        raise ValueError("is not yes or no") from exc


def parse_year_group(text: str) -> int:
    """Reception is 0 and nursery -1, so year groups sort in the order children move up."""
    word = _key(text).removeprefix("year").removeprefix("y")
    named = {"r": 0, "rec": 0, "reception": 0, "n": -1, "n2": -1, "nursery": -1, "n1": -2}
    if word in named:
        return named[word]
    if word.isdigit() and 0 <= int(word) <= 14:
        return int(word)
    raise ValueError("is not a year group (R for Reception, N for nursery, or 1 to 14)")


def parse_sen(text: str) -> SenStatus:
    try:
        return parse_sen_status(text)
    except ValueError as exc:
        raise ValueError("is not one of N, K, E or monitoring") from exc


def parse_census_need(text: str) -> str | None:
    try:
        return parse_need(text)
    except ValueError as exc:
        raise ValueError(f"is not a census need code ({', '.join(CENSUS_NEEDS)})") from exc


def parse_language(text: str) -> tuple[str, str | None]:
    """A language tag such as 'pl', 'ur' or 'pa-Guru' (or its English name): (code, script)."""
    names, codes, scripts = _cldr()
    lowered = text.strip().lower()
    if lowered in names:
        return names[lowered], None
    match = _LANG.fullmatch(lowered)
    script = match.group(2).title() if match and match.group(2) else None
    if not match or match.group(1) not in codes or (script and script not in scripts):
        raise ValueError("is not a language code such as en, pl, ur or pa-Guru")
    return match.group(1), script


def parse_email(text: str) -> str:
    return normalise_email(text)


def parse_phone(text: str) -> str:
    """Checked as a UK (or international) number; kept as the school wrote it, for staff to
    read and dial. Its E.164 form is the guardian's text-message account."""
    parse_uk_phone(text)
    return text


def parse_upn(text: str) -> str:
    value = text.upper()
    if not _UPN.fullmatch(value):
        raise ValueError("is not a UPN (a letter, 11 digits, then a digit or letter)")
    return value


def parse_urn(text: str) -> str:
    if not text.isdigit():
        raise ValueError("is not a URN (a number such as 123456)")
    return text


def parse_timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("is not a time zone such as Europe/London") from exc
    return text


def parse_nation(text: str) -> str:
    value = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if value not in NATIONS:
        raise ValueError("is not england, wales, scotland or northern_ireland")
    return value


def parse_group_role(text: str) -> str:
    value = _key(text)
    if value in ("teacher", "classteacher", "t"):
        return "teacher"
    if value in ("ta", "teachingassistant", "hlta"):
        return "ta"
    raise ValueError("is not teacher or ta")


def parse_priority(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError("is not a whole number from 1 to 99")
    return int(text)


# --- reading files ---------------------------------------------------------------------------


class Problems:
    """Collects every problem so the admin sees them all at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.encodings: dict[str, str] = {}  # file -> encoding, for files not in UTF-8

    def add(self, file: str, line: int | None, reason: str) -> None:
        self.lines.append(f"{file} line {line}: {reason}" if line else f"{file} {reason}")


@dataclass
class Row:
    """One data row, with helpers that record a problem and carry on."""

    file: str
    line: int
    cells: dict[str, str]
    columns: dict[str, Column]
    problems: Problems
    ok: bool = True

    def fail(self, reason: str) -> None:
        self.problems.add(self.file, self.line, reason)
        self.ok = False

    def text(self, name: str) -> str | None:
        column = self.columns[name]
        value = self.cells.get(name, "")
        if not value:
            if column.required:
                self.fail(f"{column.label} is empty")
            return None
        if len(value) > column.max_len:
            self.fail(f"{column.label} is longer than {column.max_len} characters")
            return None
        return value

    def parsed(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            self.fail(f"{self.columns[name].label} '{raw}' {exc}")
            return default


UTF8 = "utf-8"
UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # and so UTF-32's too
SAVE_AS_UTF8 = (
    'Save it as UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and import it again.'
)


def _decode(file: str, data: bytes, problems: Problems) -> tuple[str, str] | None:
    """The file's text and its encoding; None (with a problem naming the file) when the
    encoding cannot be told for certain.

    UTF-8, with or without Excel's byte order mark, is read as it is. Anything else is
    read only when every encoding charset-normalizer finds plausible gives the same text:
    the same bytes are "Kamińska" in Central European Windows (cp1250) and "Kamiñska" in
    Western European (cp1252), both plausible, and a guess would misspell a child's name
    in every record and letter, so the import stops and asks for UTF-8 instead.
    """
    if b"\x00" in data and not data.startswith(UTF16_MARKS):
        # No text file holds NUL; UTF-16 without its mark is full of them.
        problems.add(
            file, None, f"holds NUL characters, so it is not a CSV text file. {SAVE_AS_UTF8}"
        )
        return None
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    readings: dict[str, str] = {}
    for match in charset_normalizer.from_bytes(data):
        readings.setdefault(str(match), match.encoding)
    if len(readings) == 1:
        ((text, encoding),) = readings.items()
        return text.removeprefix("\ufeff"), encoding
    problems.add(file, None, _not_utf8(data, list(readings.values())))
    return None


def _not_utf8(data: bytes, encodings: list[str]) -> str:
    """Why the file was not read: the first line two plausible encodings read differently."""
    if len(encodings) < 2:
        return f"is not a text file in UTF-8 or any encoding it can be read in. {SAVE_AS_UTF8}"
    one, other = encodings[:2]
    for number, raw in enumerate(data.splitlines(), start=1):
        first = raw.decode(one, errors="replace").strip()[:80]
        second = raw.decode(other, errors="replace").strip()[:80]
        if first != second:
            return (
                f"is not saved as UTF-8, and its encoding cannot be told for certain: line "
                f"{number} reads '{first}' in {one} but '{second}' in {other}. {SAVE_AS_UTF8}"
            )
    return f"is not saved as UTF-8, and its encoding cannot be told for certain. {SAVE_AS_UTF8}"


def _header_map(
    file: str, header: list[str], spec: tuple[Column, ...], problems: Problems
) -> dict[int, str] | None:
    """Cell position -> column name, or None when a required column is missing or a header
    is ambiguous. A column's own name wins over its other names (an export may have both
    'Legal first name' and 'First name'); two other names for one column are ambiguous."""
    own = {_key(column.name): column for column in spec}
    other = {_key(alias): column for column in spec for alias in column.aliases}
    found: dict[str, list[tuple[bool, int, str]]] = {}
    for index, raw in enumerate(header):
        key = _key(raw)
        column = own.get(key) or other.get(key)
        if column is not None:  # MIS exports carry extra columns; they are not ours to judge
            found.setdefault(column.name, []).append((key in own, index, raw.strip()))
    positions: dict[int, str] = {}
    ok = True
    for name, candidates in found.items():
        best = [c for c in candidates if c[0]] or candidates
        if len(best) > 1:
            problems.add(file, 1, f"columns '{best[0][2]}' and '{best[1][2]}' both mean '{name}'")
            ok = False
        positions[best[0][1]] = name
    for column in spec:
        if column.required and column.name not in found:
            problems.add(file, 1, f"required column '{column.name}' is missing")
            ok = False
    return positions if ok else None


def read_table(file: str, data: bytes, problems: Problems) -> list[Row] | None:
    """The data rows of one file with their physical line numbers; None if unreadable."""
    spec = SPECS[file]
    columns = {column.name: column for column in spec}
    decoded = _decode(file, data, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    if encoding != UTF8:
        problems.encodings[file] = encoding
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            problems.add(file, None, "is empty (it needs a header row)")
            return None
        positions = _header_map(file, header, spec, problems)
        if positions is None:
            return None
        rows: list[Row] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                values = {name: cells[i].strip() for i, name in positions.items() if i < len(cells)}
                rows.append(Row(file, line, values, columns, problems))
                if len(cells) > len(header):
                    rows[-1].fail(f"has {len(cells)} cells but the header has {len(header)}")
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.add(file, reader.line_num, f"is not valid CSV ({exc})")
        return None
    return rows


def _given_files(paths: Sequence[Path], problems: Problems) -> Iterator[tuple[Path, bool]]:
    """Each file given by name (explicit) or found in a given folder; notes missing ones."""
    for path in paths:
        if path.is_dir():
            yield from ((child, False) for child in sorted(path.iterdir()) if child.is_file())
        elif path.is_file():
            yield path, True
        else:
            problems.add(path.name, None, "does not exist")


def find_roster_files(paths: Sequence[Path]) -> tuple[dict[str, Path], list[str]]:
    """The roster files among the given folders and files, and the names it left alone."""
    problems = Problems()
    found: dict[str, Path] = {}
    ignored: list[str] = []
    known = {name.lower(): name for name in ROSTER_FILES}

    def take(path: Path, *, explicit: bool) -> None:
        name = known.get(path.name.lower())
        if name is None:
            if explicit:
                problems.add(path.name, None, f"is not a roster file ({', '.join(ROSTER_FILES)})")
            else:
                ignored.append(path.name)
        elif name in found:
            problems.add(name, None, "is given twice")
        else:
            found[name] = path

    for path, explicit in _given_files(paths, problems):
        take(path, explicit=explicit)
    if not found and not problems.lines:
        problems.lines.append(f"none of the roster files ({', '.join(ROSTER_FILES)}) was found")
    if problems.lines:
        raise RosterError(problems.lines)
    return found, ignored


# --- parsed rows -----------------------------------------------------------------------------


@dataclass
class SchoolIn:
    urn: str
    name: str
    timezone: str
    nation: str


@dataclass
class ClassIn:
    code: str
    name: str
    year_group: int | None


@dataclass
class StaffIn:
    external_id: str
    title: str | None
    first_name: str
    last_name: str
    email: str
    roles: list[str]


@dataclass
class ClassStaffIn:
    class_code: str
    staff_id: str
    role: str


@dataclass
class PupilIn:
    external_id: str
    values: dict[str, Any]  # model attributes
    class_code: str | None
    ehc: dict[str, Any] = field(default_factory=dict)  # EhcCase attributes given
    line: int = 0
    # (last day on roll, new school) when the row gives a leaving date; None keeps what
    # was recorded (an empty cell never clears it: `sendbot pupil leaving --clear` does).
    leaving: tuple[date, str | None] | None = None


@dataclass
class GuardianIn:
    external_id: str
    values: dict[str, Any]


@dataclass
class LinkIn:
    guardian_id: str
    pupil_id: str
    relationship: str
    parental_responsibility: bool
    contact_priority: int


@dataclass
class Known:
    """Ids another file may refer to: from this import, or from the database if the file
    is not part of it; None when the file could not be read, so one unreadable file does
    not bury its own problem under a knock-on error for every row that refers to it."""

    ids: dict[str, set[str] | None]
    in_import: set[str]

    def check(self, row: Row, file: str, label: str, value: str) -> None:
        ids = self.ids.get(file)
        if ids is None or value in ids:
            return
        if file in self.in_import:
            row.fail(f"{label} '{value}' is not in {file}")
        else:
            row.fail(f"{label} '{value}' is not in the school's records (import {file} with it)")


@dataclass
class Roster:
    school: SchoolIn | None
    settings: dict[str, str] | None = None  # setting -> value as written
    classes: list[ClassIn] | None = None
    staff: list[StaffIn] | None = None
    class_staff: list[ClassStaffIn] | None = None
    pupils: list[PupilIn] | None = None
    guardians: list[GuardianIn] | None = None
    links: list[LinkIn] | None = None
    encodings: dict[str, str] = field(default_factory=dict)  # files not in UTF-8


def _unique(row: Row, seen: dict[Any, int], key: Any, said: str) -> None:
    """Report a repeat as '<said> on line N', naming the line that had it first."""
    if not key:
        return
    if key in seen:
        row.fail(f"{said} on line {seen[key]}")
    else:
        seen[key] = row.line


def _known_pair(
    row: Row,
    known: Known,
    seen: dict[Any, int],
    left: tuple[str, str, str],
    right: tuple[str, str, str],
    repeated: str,
) -> tuple[str, str]:
    """A link file's two ids (column, file they must be in, name): each checked against its
    file, and the pair reported if an earlier line had it ('{0}', '{1}' in `repeated`)."""
    ids = []
    for column, table, name in (left, right):
        value = row.text(column) or ""
        if value:
            known.check(row, table, name, value)
        ids.append(value)
    first, second = ids
    pair = (first, second) if first and second else None
    _unique(row, seen, pair, repeated.format(first, second))
    return first, second


def _parse_school(rows: list[Row] | None, problems: Problems) -> SchoolIn | None:
    if not rows:
        if rows is not None:
            problems.add(SCHOOL, None, "has no school row")
        return None
    for extra in rows[1:]:
        extra.fail("only one school can be imported at a time")
    row = rows[0]
    school = SchoolIn(
        urn=row.parsed("urn", parse_urn, ""),
        name=row.text("name") or "",
        timezone=row.parsed("timezone", parse_timezone, "Europe/London"),
        nation=row.parsed("nation", parse_nation, "england"),
    )
    return school if row.ok else None


def _parse_settings(
    rows: list[Row],
    current: SchoolSettings,
    staff: set[int],
    resolve: Callable[[str, str], str] = lambda key, value: value,
) -> dict[str, str]:
    """Each line checked alone, then together with the school's other settings; staff named
    by a setting (on call, holiday cover) must be among the school's active `staff`, by
    sendbot's id, or by an email or MIS id `resolve` turns into one."""
    found: dict[str, str] = {}
    lines: dict[str, int] = {}
    for row in rows:
        key, value = row.text("setting"), row.text("value")
        if key is None or value is None:
            continue
        try:
            setting = find_setting(key)
            value = resolve(setting.key, value)
            parsed = setting.parse_text(value)
        except SettingError as exc:
            row.fail(str(exc))
            continue
        if setting.key in STAFF_ID_SETTINGS and (
            problem := on_call_problem(parsed, staff, setting.key)
        ):
            row.fail(problem)
            continue
        if setting.key in lines:
            row.fail(f"{setting.key} is also set on line {lines[setting.key]}")
            continue
        found[setting.key], lines[setting.key] = value, row.line
    if not all(row.ok for row in rows):
        return found
    together = with_changes(current, found)
    by_line = {row.line: row for row in rows}
    for group, problem in conflicts(together, found):
        last = max(line for key, line in lines.items() if key.split(".")[0] == group)
        by_line[last].fail(problem)
    return found


def _parse_classes(rows: list[Row]) -> list[ClassIn]:
    seen: dict[str, int] = {}
    result = []
    for row in rows:
        code = row.text("class_code")
        _unique(row, seen, code, f"class code '{code}' is already used")
        name = row.text("name") or code or ""
        year = row.parsed("year_group", parse_year_group, None)
        if row.ok and code:
            result.append(ClassIn(code, name, year))
    return result


def _parse_roles(row: Row) -> list[str]:
    words = re.split(r"[;,|]", row.text("roles") or "")
    roles: list[str] = []
    for word in (w.strip() for w in words):
        if not word:
            continue
        try:
            roles.extend(r.value for r in parse_roles(word) if r.value not in roles)
        except ValueError:
            row.fail(f"role '{word}' is not one sendbot knows ({ROLE_WORDS})")
    return roles


def _parse_staff(rows: list[Row], known_emails: dict[str, str], db_ids: set[str]) -> list[StaffIn]:
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    file_ids = {row.cells.get("staff_id", "") for row in rows}
    result = []
    for row in rows:
        staff_id = row.text("staff_id")
        _unique(row, seen_ids, staff_id, f"staff id '{staff_id}' is already used")
        email = row.parsed("email", parse_email, "")
        _unique(row, seen_emails, email, f"email '{email}' is already used")
        holder = known_emails.get(email)
        if staff_id in db_ids and holder not in (None, staff_id) and holder not in file_ids:
            row.fail(f"email '{email}' belongs to staff id '{holder}', who is not in {STAFF}")
        staff = StaffIn(
            external_id=staff_id or "",
            title=row.text("title"),
            first_name=row.text("first_name") or "",
            last_name=row.text("last_name") or "",
            email=email,
            roles=_parse_roles(row),
        )
        if row.ok:
            result.append(staff)
    return result


def _parse_class_staff(rows: list[Row], known: Known) -> list[ClassStaffIn]:
    seen: dict[tuple[str, str], int] = {}
    result = []
    for row in rows:
        code, staff_id = _known_pair(
            row,
            known,
            seen,
            ("class_code", CLASSES, "class code"),
            ("staff_id", STAFF, "staff id"),
            "staff id '{1}' is already listed for class '{0}'",
        )
        role = row.parsed("role", parse_group_role, "teacher")
        if row.ok:
            result.append(ClassStaffIn(code, staff_id, role))
    return result


def _pupil_values(row: Row) -> dict[str, Any]:
    primary = row.parsed("primary_need", parse_census_need, None)
    secondary = row.parsed("secondary_need", parse_census_need, None)
    if secondary and not primary:
        row.fail("secondary need is given but primary need is empty")
    return {
        "upn": row.parsed("upn", parse_upn, None),
        "first_name": row.text("legal_first_name") or "",
        "last_name": row.text("legal_last_name") or "",
        "preferred_name": row.text("preferred_first_name"),
        "date_of_birth": row.parsed("date_of_birth", parse_date, None),
        "year_group": row.parsed("year_group", parse_year_group, None),
        "sen_status": row.parsed("sen_status", parse_sen, SenStatus.NONE).value,
        "primary_need": primary,
        "secondary_need": secondary,
        "eal": row.parsed("eal", parse_flag, False),
        "first_language": row.text("first_language"),
        "looked_after": row.parsed("looked_after", parse_flag, False),
        "phase_transfer_year": row.parsed("phase_transfer_year", parse_calendar_year, None),
    }


REQUESTED_BY_WORDS = {
    "parent": "parent", "carer": "parent", "parent or carer": "parent", "family": "parent",
    "school": "school", "young person": "young_person", "young_person": "young_person",
    "other": "other",
}  # fmt: skip
DECISION_WORDS = {
    "assess": "assess", "yes": "assess", "to assess": "assess",
    "not assess": "not_assess", "not_assess": "not_assess", "not to assess": "not_assess",
    "no": "not_assess", "refused": "not_assess",
}  # fmt: skip


def _word(table: dict[str, str], expected: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        said = " ".join(text.strip().lower().replace("-", " ").split())
        if said not in table:
            raise ValueError(f"is not one of: {expected}")
        return table[said]

    return parse


def _ehc_values(row: Row, sen_status: str, today: date | None) -> dict[str, Any]:
    """The EHC case steps a row gives, checked: real dates, not ahead of today, in the
    order a case happens, and plan dates only on a pupil with an EHC plan."""
    values: dict[str, Any] = {}
    for column, attribute in EHC_DATE_COLUMNS:
        day = row.parsed(column.name, parse_date, None)
        if day is not None and today is not None and day > today:
            row.fail(f"{column.label} '{day:%d/%m/%Y}' is in the future")
        elif day is not None:
            values[attribute] = day
    who = row.parsed("ehc_requested_by", _word(REQUESTED_BY_WORDS, "parent, school, other"), None)
    outcome = row.parsed("ehc_decision", _word(DECISION_WORDS, "assess, not assess"), None)
    authority = row.text("local_authority")
    values |= {
        k: v
        for k, v in (("requested_by", who), ("decision_outcome", outcome), ("local_authority", authority))
        if v is not None
    }  # fmt: skip
    for problem in ehc_cases.order_problems(values):
        row.fail(problem)
    labels = {attribute: column.label for column, attribute in EHC_DATE_COLUMNS}
    for attribute in PLAN_DATES:
        if attribute in values and sen_status != SenStatus.EHC_PLAN.value:
            row.fail(f"{labels[attribute]} is given but SEN status is not E (EHC plan)")
    return values


def _leaving(row: Row) -> tuple[date, str | None] | None:
    """The leaving date and new school a row gives (a school without a date is refused)."""
    leaving_on = row.parsed("leaving_on", parse_date, None)
    destination = row.text("destination_school")
    if destination and leaving_on is None:
        row.fail("destination school is given but leaving date is empty")
    return (leaving_on, destination) if leaving_on is not None else None


def _parse_pupils(rows: list[Row], known: Known, today: date | None = None) -> list[PupilIn]:
    seen_ids: dict[str, int] = {}
    seen_upns: dict[str, int] = {}
    result = []
    for row in rows:
        pupil_id = row.text("pupil_id")
        _unique(row, seen_ids, pupil_id, f"pupil id '{pupil_id}' is already used")
        values = _pupil_values(row)
        _unique(row, seen_upns, values["upn"], f"UPN '{values['upn']}' is already used")
        class_code = row.text("class_code")
        if class_code:
            known.check(row, CLASSES, "class code", class_code)
        ehc = _ehc_values(row, values["sen_status"], today)
        leaving = _leaving(row)
        if row.ok and pupil_id:
            result.append(PupilIn(pupil_id, values, class_code, ehc, row.line, leaving))
    return result


def _parse_guardians(rows: list[Row]) -> list[GuardianIn]:
    seen: dict[str, int] = {}
    result = []
    for row in rows:
        guardian_id = row.text("guardian_id")
        _unique(row, seen, guardian_id, f"guardian id '{guardian_id}' is already used")
        english: tuple[str, str | None] = ("en", None)
        language, script = row.parsed("preferred_language", parse_language, english)
        values = {
            "title": row.text("title"),
            "first_name": row.text("first_name") or "",
            "last_name": row.text("last_name") or "",
            "email": row.parsed("email", parse_email, None),
            "phone": row.parsed("phone", parse_phone, None),
            "preferred_language": language,
            "script": script,
            "needs_interpreter": row.parsed("needs_interpreter", parse_flag, False),
        }
        if row.ok and guardian_id:
            result.append(GuardianIn(guardian_id, values))
    return result


def _parse_links(rows: list[Row], known: Known) -> list[LinkIn]:
    seen: dict[tuple[str, str], int] = {}
    result = []
    for row in rows:
        guardian_id, pupil_id = _known_pair(
            row,
            known,
            seen,
            ("guardian_id", GUARDIANS, "guardian id"),
            ("pupil_id", PUPILS, "pupil id"),
            "guardian id '{0}' is already linked to pupil id '{1}'",
        )
        link = LinkIn(
            guardian_id,
            pupil_id,
            (row.text("relationship") or "parent").lower(),
            row.parsed("parental_responsibility", parse_flag, True),
            row.parsed("contact_priority", parse_priority, 1),
        )
        if row.ok:
            result.append(link)
    return result


# --- the database side of validation ---------------------------------------------------------


def _find_school(
    session: Session, parsed: SchoolIn | None, given: bool, problems: Problems
) -> tuple[School | None, bool]:
    """The school this import is for, and whether we know it (False: checks against the
    database are skipped, because the school itself is in doubt and already reported)."""
    if parsed is not None:
        return session.scalar(select(School).where(School.urn == parsed.urn)), True
    if given:
        return None, False
    schools = session.scalars(select(School).limit(2)).all()
    if len(schools) == 1:
        return schools[0], True
    why = "there is no school yet" if not schools else "there is more than one school"
    problems.add(SCHOOL, None, f"is needed in this import because {why}")
    return None, False


def _db_ids(session: Session, school: School | None) -> dict[str, set[str]]:
    """The ids each file's rows may refer to when that file is not part of the import."""
    if school is None:
        return {CLASSES: set(), STAFF: set(), PUPILS: set(), GUARDIANS: set()}
    sid = school.id
    return {
        CLASSES: set(
            session.scalars(select(TeachingGroup.code).where(TeachingGroup.school_id == sid))
        ),
        STAFF: set(
            session.scalars(select(Staff.external_id).where(Staff.school_id == sid, Staff.active))
        ),
        PUPILS: set(
            session.scalars(select(Pupil.external_id).where(Pupil.school_id == sid, Pupil.active))
        ),
        GUARDIANS: set(
            session.scalars(
                select(Guardian.external_id).where(Guardian.school_id == sid, Guardian.active)
            )
        ),
    }


def _staff_emails(session: Session, school: School | None) -> tuple[dict[str, str], set[str]]:
    if school is None:
        return {}, set()
    rows = session.execute(
        select(Staff.email, Staff.external_id).where(Staff.school_id == school.id)
    ).all()
    return {email: external_id for email, external_id in rows}, {ext for _, ext in rows}


def read_roster(
    session: Session, files: dict[str, Path], today: date | None = None
) -> tuple[Roster, School | None, list[str]]:
    """Parse and check everything; raise one RosterError listing every problem."""
    problems = Problems()
    # In the fixed file order, so the problems come out in the same order every time.
    tables = {
        name: read_table(name, files[name].read_bytes(), problems)
        for name in ROSTER_FILES
        if name in files
    }
    roster = Roster(school=_parse_school(tables.get(SCHOOL), problems))
    roster.encodings = problems.encodings
    school, sure = _find_school(session, roster.school, SCHOOL in files, problems)
    db_ids = _db_ids(session, school)
    if (rows := tables.get(SETTINGS)) is not None:
        current = school_settings.of(school) if school is not None else SchoolSettings()
        staff = active_staff_ids(session, school.id) if school is not None else set()
        if school is not None:
            resolve = partial(staff_refs_to_ids, session, school.id)
            roster.settings = _parse_settings(rows, current, staff, resolve)
        else:
            roster.settings = _parse_settings(rows, current, staff)
    known = Known(ids={k: (v if sure else None) for k, v in db_ids.items()}, in_import=set(files))
    for name in (CLASSES, STAFF, PUPILS, GUARDIANS):
        if name in files:
            rows = tables[name]
            key = SPECS[name][0].name
            known.ids[name] = None if rows is None else {r.cells.get(key, "") for r in rows}

    _parse_people(session, school, tables, known, roster, today)
    if problems.lines:
        raise RosterError(problems.lines)
    return roster, school, [name for name in ROSTER_FILES if name in files]


def _parse_people(
    session: Session,
    school: School | None,
    tables: dict[str, list[Row] | None],
    known: Known,
    roster: Roster,
    today: date | None = None,
) -> None:
    """The classes, staff, pupils, guardians and the links between them, as given."""
    if (rows := tables.get(CLASSES)) is not None:
        roster.classes = _parse_classes(rows)
    if (rows := tables.get(STAFF)) is not None:
        emails, staff_ids = _staff_emails(session, school)
        roster.staff = _parse_staff(rows, emails, staff_ids)
    if (rows := tables.get(CLASS_STAFF)) is not None:
        roster.class_staff = _parse_class_staff(rows, known)
    if (rows := tables.get(PUPILS)) is not None:
        roster.pupils = _parse_pupils(rows, known, today)
    if (rows := tables.get(GUARDIANS)) is not None:
        roster.guardians = _parse_guardians(rows)
    if (rows := tables.get(GUARDIAN_LINKS)) is not None:
        roster.links = _parse_links(rows, known)


# --- writing ---------------------------------------------------------------------------------


def _sync(obj: object, values: dict[str, Any]) -> bool:
    """Set only what differs, so an unchanged row is not counted (or flushed) as updated."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    existing: dict[str, Any],
    key: str,
    values: dict[str, Any],
    make: Callable[[], Any],
    counts: KindCounts,
) -> Any:
    obj = existing.get(key)
    if obj is None:
        obj = make()
        _sync(obj, values)
        session.add(obj)
        counts.created += 1
    elif _sync(obj, values):
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def _deactivate(objects: Iterable[Any], keep: set[str], counts: KindCounts) -> None:
    for obj in objects:
        if obj.external_id not in keep and obj.active:
            obj.active = False
            counts.deactivated += 1


def _apply_school(
    session: Session, parsed: SchoolIn | None, school: School | None
) -> tuple[School, bool, bool]:
    if parsed is None:
        assert school is not None
        return school, False, False
    values = {"name": parsed.name, "timezone": parsed.timezone, "nation": parsed.nation}
    if school is None:
        school = School(urn=parsed.urn, settings={}, **values)
        session.add(school)
        session.flush()
        return school, True, False
    return school, False, _sync(school, values)


def _apply_classes(session: Session, school: School, rows: list[ClassIn]) -> KindCounts:
    counts = KindCounts()
    existing = {
        g.code: g
        for g in session.scalars(select(TeachingGroup).where(TeachingGroup.school_id == school.id))
    }
    for row in rows:
        values = {"name": row.name, "year_group": row.year_group}
        _upsert(
            session,
            existing,
            row.code,
            values,
            partial(TeachingGroup, school_id=school.id, code=row.code),
            counts,
        )
    return counts


def _match_staff(existing: list[Staff], rows: list[StaffIn]) -> dict[str, Staff]:
    """By MIS id; a record whose MIS id changed but whose email did not is kept, re-keyed."""
    by_id = {s.external_id: s for s in existing}
    file_ids = {row.external_id for row in rows}
    by_email = {s.email: s for s in existing if s.external_id not in file_ids}
    matched: dict[str, Staff] = {}
    for row in rows:
        staff = by_id.get(row.external_id) or by_email.get(row.email)
        if staff is not None:
            matched[row.external_id] = staff
    return matched


def _sync_roles(staff: Staff, roles: list[str]) -> bool:
    wanted = set(roles)
    changed = False
    for role in list(staff.roles):
        if role.role not in wanted:
            staff.roles.remove(role)
            changed = True
    for name in roles:
        if name not in staff.role_names:
            staff.roles.append(StaffRole(role=name))
            changed = True
    return changed


def _apply_staff(session: Session, school: School, rows: list[StaffIn]) -> KindCounts:
    counts = KindCounts()
    existing = list(session.scalars(select(Staff).where(Staff.school_id == school.id)))
    matched = _match_staff(existing, rows)
    # Emails are unique per school: park the ones that move, so two staff can swap.
    moving = [s for r in rows if (s := matched.get(r.external_id)) and s.email != r.email]
    for staff in moving:
        staff.email = f"moving-{staff.id}@invalid"
    if moving:
        session.flush()
    for row in rows:
        values = {
            "external_id": row.external_id,
            "title": row.title,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "email": row.email,
            "active": True,
        }
        known = matched.get(row.external_id)
        if known is None:
            new = Staff(school_id=school.id, roles=[], **values)
            _sync_roles(new, row.roles)
            session.add(new)
            counts.created += 1
            continue
        details_changed = _sync(known, values)
        if _sync_roles(known, row.roles) or details_changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    _deactivate(existing, {row.external_id for row in rows}, counts)
    return counts


def _groups(session: Session, school: School) -> dict[str, TeachingGroup]:
    query = select(TeachingGroup).where(TeachingGroup.school_id == school.id)
    return {g.code: g for g in session.scalars(query)}


Imported = TypeVar("Imported", Staff, Pupil, Guardian)


def _by_external_id(session: Session, model: type[Imported], school: School) -> dict[str, Imported]:
    query = select(model).where(model.school_id == school.id)
    return {obj.external_id: obj for obj in session.scalars(query)}


def _apply_class_staff(session: Session, school: School, rows: list[ClassStaffIn]) -> KindCounts:
    counts = KindCounts()
    groups = _groups(session, school)
    staff = _by_external_id(session, Staff, school)
    existing = {
        (link.group_id, link.staff_id): link
        for link in session.scalars(
            select(GroupStaff).join(TeachingGroup).where(TeachingGroup.school_id == school.id)
        )
    }
    wanted: set[tuple[int, int]] = set()
    for row in rows:
        key = (groups[row.class_code].id, staff[row.staff_id].id)
        wanted.add(key)
        link = existing.get(key)
        if link is None:
            session.add(GroupStaff(group_id=key[0], staff_id=key[1], role=row.role))
            counts.created += 1
        elif _sync(link, {"role": row.role}):
            counts.updated += 1
        else:
            counts.unchanged += 1
    for key, link in existing.items():
        if key not in wanted:
            session.delete(link)
            counts.removed += 1
    return counts


def _apply_pupils(
    session: Session, school: School, rows: list[PupilIn], clock: Clock
) -> KindCounts:
    counts = KindCounts()
    groups = _groups(session, school)
    existing = _by_external_id(session, Pupil, school)
    for row in rows:
        group = groups[row.class_code] if row.class_code else None
        values = {**row.values, "group_id": group.id if group else None, "active": True}
        before = existing.get(row.external_id)
        old_status = before.sen_status if before else None
        pupil = _upsert(
            session,
            existing,
            row.external_id,
            values,
            partial(Pupil, school_id=school.id, external_id=row.external_id),
            counts,
        )
        if row.leaving is not None:
            session.flush()  # a new pupil needs its id for the audit event
            cp_files.mark_leaving(session, pupil, *row.leaving, clock.now(), actor_kind="import")
        if old_status is not None and old_status != pupil.sen_status:
            session.add(
                SenStatusChange(
                    pupil_id=pupil.id,
                    from_status=old_status,
                    to_status=pupil.sen_status,
                    reason="changed in the MIS (roster import)",
                    changed_by_id=None,
                    changed_at=clock.now(),
                )
            )
    _deactivate(existing.values(), {row.external_id for row in rows}, counts)
    return counts


def _apply_ehc_cases(
    session: Session, school: School, rows: list[PupilIn], clock: Clock
) -> tuple[KindCounts, dict[str, dict[str, str]]]:
    """Each pupil's EHC case steps from the MIS: a date given is set (an empty cell keeps
    what the SENCO recorded), checked against the dates already recorded; what changed, by
    MIS id, goes in the import's own audit event. The session hook recomputes the pupil's
    deadlines when this transaction commits."""
    counts = KindCounts()
    audited: dict[str, dict[str, str]] = {}
    pupils = _by_external_id(session, Pupil, school)
    problems: list[str] = []
    for row in (row for row in rows if row.ehc):
        pupil = pupils[row.external_id]
        case = ehc_cases.open_case(session, pupil.id)
        merged = {**(ehc_cases.case_values(case) if case else {}), **row.ehc}
        for problem in ehc_cases.order_problems(merged):
            problems.append(f"{PUPILS} line {row.line}: {problem} (as already recorded)")
        if problems:
            continue
        new = case is None
        case = case or ehc_cases.case_for(session, pupil.id)
        changed = {k: v for k, v in row.ehc.items() if getattr(case, k) != v}
        _sync(case, row.ehc)
        if new:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
        if changed:
            audited[row.external_id] = {
                k: v.isoformat() if isinstance(v, date) else str(v) for k, v in changed.items()
            }
    if problems:
        raise RosterError(problems)
    session.info["sendbot.now"] = clock.now()  # the commit's recompute uses the same clock
    return counts, audited


def _apply_guardians(
    session: Session, school: School, rows: list[GuardianIn], now: datetime, notes: list[str]
) -> tuple[KindCounts, KindCounts]:
    """The guardians, then their email and text-message accounts (see `_apply_addresses`)."""
    counts = KindCounts()
    existing = _by_external_id(session, Guardian, school)
    before = {key: (g.email, g.phone) for key, g in existing.items()}
    written = []
    for row in rows:
        guardian = _upsert(
            session,
            existing,
            row.external_id,
            {**row.values, "active": True},
            partial(Guardian, school_id=school.id, external_id=row.external_id),
            counts,
        )
        written.append((guardian, before.get(row.external_id, (None, None))))
    _deactivate(existing.values(), {row.external_id for row in rows}, counts)
    session.flush()
    return counts, _apply_addresses(session, written, now, notes)


def _apply_addresses(
    session: Session,
    written: list[tuple[Guardian, tuple[str | None, str | None]]],
    now: datetime,
    notes: list[str],
) -> KindCounts:
    """Each guardian's email address and mobile number become their "email" and "sms"
    accounts (guardian_channels.sync_roster_address); a number that cannot take a text
    message is kept for staff to call, and the summary says so."""
    done = guardian_channels.AddressSync()
    for guardian, (email_was, phone_was) in written:
        email = guardian.email
        guardian_channels.sync_roster_address(
            session, guardian, "email", email, email != email_was, now, done
        )
        number = parse_uk_phone(guardian.phone) if guardian.phone else None
        if number is not None and number.why_no_texts:
            notes.append(
                f"{guardian.external_id} {guardian.display_name}: phone {guardian.phone} "
                f"{number.why_no_texts}, so no text messages (kept for staff to call)"
            )
        mobile = number.e164 if number is not None and number.mobile else None
        guardian_channels.sync_roster_address(
            session, guardian, "sms", mobile, guardian.phone != phone_was, now, done
        )
    notes.extend(
        f"{kept}: this address stopped working and the roster gives it again unchanged, so it "
        "stays off; correct it in the MIS"
        for kept in done.kept_off
    )
    return KindCounts(
        created=done.created,
        updated=done.revived,
        unchanged=done.unchanged + len(done.kept_off),
        deactivated=done.deactivated,
    )


def _apply_links(session: Session, school: School, rows: list[LinkIn]) -> KindCounts:
    counts = KindCounts()
    guardians = _by_external_id(session, Guardian, school)
    pupils = _by_external_id(session, Pupil, school)
    existing = {
        (link.guardian_id, link.pupil_id): link
        for link in session.scalars(
            select(GuardianPupil).join(Guardian).where(Guardian.school_id == school.id)
        )
    }
    wanted: set[tuple[int, int]] = set()
    for row in rows:
        key = (guardians[row.guardian_id].id, pupils[row.pupil_id].id)
        wanted.add(key)
        values = {
            "relationship_to_pupil": row.relationship,
            "parental_responsibility": row.parental_responsibility,
            "contact_priority": row.contact_priority,
        }
        link = existing.get(key)
        if link is None:
            session.add(GuardianPupil(guardian_id=key[0], pupil_id=key[1], **values))
            counts.created += 1
        elif _sync(link, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
    for key, link in existing.items():
        if key not in wanted:
            session.delete(link)
            counts.removed += 1
    return counts


def _apply_settings(
    session: Session, school: School, values: dict[str, str], clock: Clock
) -> tuple[KindCounts, dict[str, Any]]:
    """Checked already, line by line; the changes go in the import's own audit event."""
    done = change_settings(session, None, school, values, clock.now())
    counts = KindCounts(
        created=len(done.added),
        updated=len(done.changed) - len(done.added),
        unchanged=len(done.unchanged),
    )
    return counts, done.as_details()


def _apply(
    session: Session, roster: Roster, school: School, clock: Clock, notes: list[str]
) -> dict[str, KindCounts]:
    """Write kind by kind, flushing between, so later kinds can refer to the new ids."""
    counts: dict[str, KindCounts] = {}
    if roster.classes is not None:
        counts["classes"] = _apply_classes(session, school, roster.classes)
        session.flush()
    if roster.staff is not None:
        counts["staff"] = _apply_staff(session, school, roster.staff)
        session.flush()
    if roster.class_staff is not None:
        counts["class staff"] = _apply_class_staff(session, school, roster.class_staff)
    if roster.pupils is not None:
        counts["pupils"] = _apply_pupils(session, school, roster.pupils, clock)
        session.flush()
    if roster.guardians is not None:
        counts["guardians"], counts["guardian channels"] = _apply_guardians(
            session, school, roster.guardians, clock.now(), notes
        )
        session.flush()
    if roster.links is not None:
        counts["guardian links"] = _apply_links(session, school, roster.links)
    session.flush()
    return counts


def import_roster(
    session: Session,
    paths: Sequence[Path],
    *,
    clock: Clock | None = None,
    actor_kind: str = "cli",
    actor_id: int | None = None,
) -> RosterReport:
    """Import the roster in the caller's transaction; raise RosterError and write nothing
    if any row is wrong. Run it inside `transaction(...)` so a failure rolls back."""
    clock = clock or SystemClock()
    files, ignored = find_roster_files(paths)
    today = clock.now().astimezone(ZoneInfo("Europe/London")).date()
    roster, found, names = read_roster(session, files, today)
    school, created, updated = _apply_school(session, roster.school, found)
    counts: dict[str, KindCounts] = {}
    changed: dict[str, Any] = {}
    if roster.settings is not None:
        counts["settings"], changed = _apply_settings(session, school, roster.settings, clock)
    notes: list[str] = []
    counts |= _apply(session, roster, school, clock, notes)
    ehc_changed: dict[str, dict[str, str]] = {}
    if roster.pupils is not None and any(row.ehc for row in roster.pupils):
        counts["EHC cases"], ehc_changed = _apply_ehc_cases(session, school, roster.pupils, clock)
    report = RosterReport(
        school_name=school.name,
        urn=school.urn,
        school_created=created,
        school_updated=updated,
        files=names,
        counts=counts,
        ignored_files=ignored,
        settings_changed=changed,
        encodings=roster.encodings,
        ehc_changed=ehc_changed,
        law_notice=timescales.ehc_rules_not_applied(nation_of(school.nation)),
        channel_notes=notes,
    )
    audit.record(
        session,
        at=clock.now(),
        actor_kind=actor_kind,
        actor_id=actor_id,
        action="roster.import",
        object_type="school",
        object_id=school.id,
        school_id=school.id,
        details=report.as_details(),
    )
    return report
