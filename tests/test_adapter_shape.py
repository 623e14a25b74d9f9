"""The platform adapters stay thin: small files, and no SQL of their own.

An adapter turns a platform's payloads into calls on the core and the answers into the
platform's replies; the queries and the decisions live in services (docs/slack-setup.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import sendbot

PACKAGE = Path(sendbot.__file__).parent
HANDLERS = PACKAGE / "handlers"
LONGEST = 400
# A query built, a statement run, or the tables themselves reached for.
SQL = re.compile(r"\bselect\(|\bsession\.execute\b|\.query\(|\bsendbot\.store\.models\b")


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_no_file_of_the_slack_adapter_is_over_400_lines() -> None:
    files = _sources(HANDLERS / "slack")
    assert len(files) > 5
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST
    }
    assert long == {}


def test_the_handlers_hold_no_sql() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _sources(HANDLERS)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert found == []


def test_the_sql_check_sees_what_it_looks_for() -> None:
    caught = [
        "rows = session.execute(statement).all()",
        "found = select(Staff).where(Staff.active)",
        "session.query(Staff)",
        "from sendbot.store.models import Staff",
    ]
    assert all(SQL.search(line) for line in caught)
    assert not SQL.search("await client.views_open(trigger_id=trigger_id, view=view)")
