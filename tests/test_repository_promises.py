"""Promises the repository makes to a new user: documented settings and a true README."""

from __future__ import annotations

import re
from pathlib import Path

from sendbot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(
        re.findall(r"^#?\s*(SENDBOT_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    expected = {f"SENDBOT_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "add these to .env.example"
    assert documented - expected == set(), "these are in .env.example but not in Settings"


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:sh|bash)\n(.*?)\n```", text, re.S)[:2]


def test_the_readme_opens_with_the_demo_and_the_test_commands() -> None:
    demo, tests = _readme_commands()
    assert demo.rstrip().endswith("sendbot demo")
    assert "pip install" in demo and "pip install" in tests
    assert tests.rstrip().endswith("python -m pytest")


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    _, tests = _readme_commands()
    command = [line for line in tests.splitlines() if not line.startswith("#")][-1]
    assert command.replace(" -q", "") in (ROOT / ".ci/run").read_text().replace(" -q", "")
