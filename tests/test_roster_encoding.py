"""Roster files in an encoding that cannot be told for certain stop the import, naming the
file; UTF-8 (with or without Excel's byte order mark) is read as it always was.

The bytes are real: the sample roster re-encoded as an MIS or an older Excel would write it.
Polish names are the hard case: in Central European Windows (cp1250) and in Western European
(cp1252) the same byte is "ń" or "ñ", and both readings look like names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sendbot.cli import roster as roster_cli
from sendbot.services.roster import RosterError, import_roster
from sendbot.store.db import transaction
from sendbot.store.models import Guardian, Pupil, Staff
from tests.test_roster_import import CLOCK, EXAMPLES, run_import

Sessions = sessionmaker[Session]
SAVE_AS = 'Save it as UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and import it again.'


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    dest = tmp_path / "roster"
    shutil.copytree(EXAMPLES, dest)
    return dest


def reencode(path: Path, encoding: str) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


def import_errors(sessions: Sessions, *paths: Path) -> list[str]:
    with pytest.raises(RosterError) as caught, transaction(sessions) as session:
        import_roster(session, list(paths), clock=CLOCK)
    return caught.value.errors


def nothing_imported(sessions: Sessions) -> bool:
    with sessions() as session:
        return not any(
            session.scalar(select(func.count()).select_from(model))
            for model in (Pupil, Guardian, Staff)
        )


def test_polish_names_in_cp1250_stop_the_import_and_ask_for_utf8(
    sessions: Sessions, roster: Path
) -> None:
    reencode(roster / "guardians.csv", "cp1250")
    (error,) = import_errors(sessions, roster)
    assert error.startswith(
        "guardians.csv is not saved as UTF-8, and its encoding cannot be told for certain: "
        "line 3 reads 'G002,Mrs,Ewa,Kami"
    )
    # Both readings are shown, so the school can see why it is asked, and which is right.
    assert (
        "'G002,Mrs,Ewa,Kamińska,ewa.kaminska@family.example,07700 900102,pl,Y' in cp1250" in error
    )
    assert (
        "'G002,Mrs,Ewa,Kamiñska,ewa.kaminska@family.example,07700 900102,pl,Y' in cp1252" in error
    )
    assert error.endswith(SAVE_AS)
    assert nothing_imported(sessions)


def test_every_file_not_in_utf8_is_named_at_once(sessions: Sessions, roster: Path) -> None:
    reencode(roster / "pupils.csv", "cp1250")
    reencode(roster / "guardians.csv", "iso8859_2")
    errors = import_errors(sessions, roster)
    assert [line.split(" is not saved as UTF-8")[0] for line in errors] == [
        "pupils.csv",
        "guardians.csv",
    ]
    assert all(line.endswith(SAVE_AS) for line in errors)


def test_western_european_accents_in_cp1252_are_not_guessed_either(
    sessions: Sessions, roster: Path
) -> None:
    path = roster / "staff.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("Corbett", "Noël Dupré").encode("cp1252"))
    (error,) = import_errors(sessions, roster / "school.csv", path)
    assert error.startswith("staff.csv is not saved as UTF-8, and its encoding cannot be told")
    assert "Noël Dupré" in error
    assert nothing_imported(sessions)


def test_utf8_with_and_without_the_byte_order_mark_is_read_as_written(
    sessions: Sessions, roster: Path
) -> None:
    path = roster / "guardians.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = run_import(sessions, roster)
    assert report.encodings == {}
    with sessions() as session:
        names = set(session.scalars(select(Guardian.last_name)))
        pupils = set(session.scalars(select(Pupil.last_name)))
    assert "Kamińska" in names and "Kamińska" in pupils


def test_a_file_marked_as_utf16_is_read_and_the_summary_says_so(
    sessions: Sessions, db_url: str, roster: Path
) -> None:
    reencode(roster / "guardians.csv", "utf-16")  # with its byte order mark: certain
    result = CliRunner().invoke(roster_cli.app, ["roster", str(roster), "--database", db_url])
    assert result.exit_code == 0, result.output
    assert "guardians.csv was not UTF-8: read as utf_16." in result.output
    with sessions() as session:
        assert "Kamińska" in set(session.scalars(select(Guardian.last_name)))


def test_a_file_with_nul_characters_is_refused_before_anything_is_stored(
    sessions: Sessions, roster: Path
) -> None:
    reencode(roster / "guardians.csv", "utf-16-le")  # "Unicode text" without its mark
    assert import_errors(sessions, roster) == [
        f"guardians.csv holds NUL characters, so it is not a CSV text file. {SAVE_AS}"
    ]
    assert nothing_imported(sessions)
