"""The built wheel works on its own: installed (not editable) into a fresh venv and run from
a folder far from the checkout, it finds its catalogs and migrations with no extra setting.

The venv borrows this suite's installed dependencies through a .pth file, so the test pays for
building and installing sendbot itself, not for installing its dependencies a second time."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_the_wheel_runs_the_walkthrough_from_a_fresh_venv(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENDBOT_")}
    env.pop("PYTHONPATH", None)
    wheels = tmp_path / "wheels"
    built = _run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("sendbot-*.whl")

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    purelib = _run(
        python,
        "-c",
        "import sysconfig; print(sysconfig.get_path('purelib'))",
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    borrowed = [p for p in site.getsitepackages() if "site-packages" in p]
    (Path(purelib) / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n")
    installed = _run(
        python, "-m", "pip", "install", "-q", "--no-deps", wheel, cwd=tmp_path, env=env
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "import sendbot; print(sendbot.__file__)", cwd=elsewhere, env=env)
    assert str(fresh) in where.stdout, "the test must run the installed copy, not the checkout"

    tour = _run(
        fresh / "bin" / "sendbot", "demo", "--walkthrough", "--database", elsewhere / "tour.db",
        cwd=elsewhere, env=env,
    )  # fmt: skip
    assert tour.returncode == 0, tour.stdout[-2000:] + tour.stderr[-2000:]
    # The packaged migrations built the tour's database, and its first concern was saved.
    assert "Saved as concern #1. The SENCO has been told. Thank you." in tour.stdout
    assert (elsewhere / "tour.db").stat().st_size > 0
    checked = _run(fresh / "bin" / "python", "-m", "sendbot.i18n", "status", cwd=elsewhere, env=env)
    assert checked.returncode == 0, checked.stderr
    assert "pa_Guru" in checked.stdout
