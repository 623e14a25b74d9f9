"""Every store-backed test runs twice: on a real SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sendbot.clock import FrozenClock
from sendbot.services import SESSION_HOOKS, guardian_channels
from sendbot.store.db import make_engine, session_factory, upgrade
from tests.factories import NOW, SmallSchool, build_small_school
from tests.pg import TemporaryPostgres, find_bin_dir
from tests.provision_factories import Provision, build_provision

_PG: TemporaryPostgres | None = None
_PG_URL: str | None = os.environ.get("SENDBOT_TEST_POSTGRES_URL")
_PG_REASON = ""


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if _PG_URL else ["sqlite"]


# Property tests (hypothesis). "ci", the default: derandomized (the same examples every run,
# so a failure reproduces and CI never flakes) and a small budget. "release": many more,
# random examples; run `python -m pytest tests/test_hostile_input.py tests/domain
# --hypothesis-profile=release` before a release (docs/testing.md). A test that sets
# its own max_examples keeps it. Flows need the database fixtures, which are safe to share
# across examples here (each example uses its own chat), hence the health check.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=12,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "release",
    max_examples=400,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("SENDBOT_HYPOTHESIS_PROFILE", "ci"))

# A fixed encryption key, so every engine the tests open can read what the others wrote,
# and no key from a developer's own environment or .env file ever reaches a test database.
TEST_ENCRYPTION_KEY = "c2VuZGJvdCB0ZXN0cyBvbmx5OyBuZXZlciByZWFsISE="


# Debian's Chromium for the browser tests (tests/web/test_browser.py), never a downloaded one.
CHROMIUM = Path(os.environ.get("SENDBOT_CHROMIUM", "/usr/bin/chromium"))
_NO_BROWSER = (
    f"no Chromium at {CHROMIUM} (.ci/run installs Debian's package; apt-get install chromium)"
)


def pytest_configure(config: pytest.Config) -> None:
    global _PG, _PG_URL, _PG_REASON
    os.environ["SENDBOT_ENCRYPTION_KEYS"] = TEST_ENCRYPTION_KEY
    if os.environ.get("CI") and not CHROMIUM.exists():
        raise pytest.UsageError("CI must run the browser tests: " + _NO_BROWSER)
    os.environ.pop("SENDBOT_ENCRYPTION_KEY_FILE", None)
    if _PG_URL or os.environ.get("SENDBOT_TEST_BACKENDS") == "sqlite":
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _PG_REASON = "no PostgreSQL server binaries on this machine (.ci/run installs them)"
        if os.environ.get("CI"):
            raise pytest.UsageError("CI must run the PostgreSQL leg: " + _PG_REASON)
        return
    _PG = TemporaryPostgres(bin_dir)
    _PG_URL = _PG.start()
    # Parallel workers (pytest-xdist) start after this and inherit the environment, so they
    # share this one server instead of starting their own.
    os.environ["SENDBOT_TEST_POSTGRES_URL"] = _PG_URL


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PG is not None:
        _PG.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [
        "database legs: sqlite, postgresql"
        if _PG_URL
        else f"database legs: sqlite only - PostgreSQL leg NOT run: {_PG_REASON}"
    ]
    if not CHROMIUM.exists():
        lines.append(f"browser tests NOT run (deselected): {_NO_BROWSER}")
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests are left out, as the PostgreSQL leg is without its
    server, and the header says so; CI refuses to start without either."""
    if CHROMIUM.exists():
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _backends(), scope="session")


@pytest.fixture(scope="session")
def template_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test copies, so migrations run once per leg."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    assert _PG_URL
    name = f"sendbot_tmpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    admin.dispose()


@pytest.fixture
def db_url(backend: str, template_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    if backend == "sqlite":
        src = make_url(template_url).database
        assert src
        dest = tmp_path / "sendbot.db"
        shutil.copy(src, dest)
        yield f"sqlite:///{dest}"
        return
    assert _PG_URL
    name = f"sendbot_t_{uuid.uuid4().hex[:12]}"
    tmpl = make_url(template_url).database
    admin = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"'))
    yield make_url(_PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):  # type: ignore[no-untyped-def]
    return session_factory(engine, *SESSION_HOOKS)


# --- the people, pupils and provision most dialog tests share ----------------------------


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture(autouse=True)
def every_channel_switched_on() -> Iterator[None]:
    """Tests send by every channel, as the console does; tests/test_channels_configured.py
    switches them on and off through the settings."""
    guardian_channels.send_by(guardian_channels.CHANNELS)
    yield
    guardian_channels.send_by(None)


@pytest.fixture
def school(sessions) -> SmallSchool:  # type: ignore[no-untyped-def]
    return build_small_school(sessions)


@pytest.fixture
def prov(sessions, school: SmallSchool) -> Provision:  # type: ignore[no-untyped-def]
    return build_provision(sessions, school)
