"""A parent's message rendered for staff in a fresh process: the first render must read the
message from its encrypted row, not fail until a retry (the registry is an explicit table,
complete as soon as it is imported)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from sqlalchemy import select
    from sendbot.store.db import make_engine, session_factory, upgrade
    from sendbot.store.models import Guardian, GuardianPupil, Outbox
    from sendbot.services import SESSION_HOOKS, parents
    from sendbot.messages import registry
    from tests.factories import build_small_school

    url = "sqlite:///" + sys.argv[1]
    upgrade(url)
    sessions = session_factory(make_engine(url), *SESSION_HOOKS)
    school = build_small_school(sessions)
    now = datetime(2026, 11, 24, 10, 15, tzinfo=timezone.utc)
    with sessions() as session, session.begin():
        guardian = Guardian(school_id=school.school_id, external_id="G-1", first_name="Anna",
                            last_name="W", preferred_language="pl")
        session.add(guardian)
        session.flush()
        session.add(GuardianPupil(guardian_id=guardian.id, pupil_id=school.pupils["zoe"]))
        session.flush()
        parents.message_school(session, guardian.id, school.pupils["zoe"], "Dzien dobry", "pl", now)
    with sessions() as session:
        row = session.scalars(select(Outbox).where(Outbox.template == "parent.message_notice")).first()
        params = {**row.params, "_timezone": "Europe/London", "_now": now.isoformat()}
        print(registry.render(row.template, params, "en_GB", session).text)
    """
)


def test_the_first_parent_message_notice_renders_in_a_fresh_process(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "fresh.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SENDBOT_")},
            "PYTHONPATH": str(root),
        },
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Written in Polish:\nDzien dobry" in done.stdout
