"""A command given no database says so in one line, and leaves no file behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.config import get_settings

NO_DATABASE = (
    "No database given: set SENDBOT_DATABASE_URL (for example sqlite:///sendbot.db) "
    "or pass --database."
)


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("SENDBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here either
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["chat", "--as", "teacher@brookfield.example"],
        ["import", "roster", "examples/roster"],
        ["serve", "--port", "0"],
    ],
)
def test_a_command_with_no_database_says_so_and_creates_nothing(
    empty_folder: Path, command: list[str]
) -> None:
    result = CliRunner().invoke(app, command, input="")
    assert result.exit_code == 2, result.output
    assert result.output.strip().replace("\n", " ") == NO_DATABASE
    assert list(empty_folder.iterdir()) == []


def test_the_demo_needs_no_database_setting(empty_folder: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--walkthrough"])
    assert result.exit_code == 0, result.output
    assert list(empty_folder.iterdir()) == [], "the tour keeps its database in a temporary folder"
