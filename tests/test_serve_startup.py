"""`sendbot serve` at start-up: a server database with no key is refused in one line, and the
parent catalogs are compiled before the first message needs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from sendbot.cli import serve as serve_command
from sendbot.config import get_settings

# Port 9 (discard) on this machine: nothing listens, and nothing may be reached anyway.
NO_SERVER = "postgresql+psycopg://sendbot@127.0.0.1:9/sendbot"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDBOT_")}
    env.update(extra)
    return env


def test_serve_refuses_a_server_database_with_no_key_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from sendbot.cli import app; app()", "serve", "--port", "0"],
        cwd=tmp_path,  # no .env from the checkout
        env=_env(SENDBOT_DATABASE_URL=NO_SERVER),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("No encryption key is configured")
    assert "SENDBOT_ENCRYPTION_KEYS" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


def test_serve_warms_the_catalogs_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENDBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    for name in ("SENDBOT_SLACK_BOT_TOKEN", "SENDBOT_TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    order: list[str] = []

    def warm_up() -> list[str]:
        order.append("warm_up")
        return ["pl"]

    def run_app(app: object, **kw: object) -> None:
        order.append("run_app")
        raise typer.Exit(0)  # stop here: serving for real is tested elsewhere

    monkeypatch.setattr(serve_command.catalogs, "warm_up", warm_up)
    monkeypatch.setattr(serve_command.web, "run_app", run_app)
    try:
        with pytest.raises(typer.Exit):
            serve_command.serve(host="127.0.0.1", port=0, migrate=True)
    finally:
        get_settings.cache_clear()
    assert order == ["warm_up", "run_app"]
