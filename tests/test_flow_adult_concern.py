"""Concerns and allegations about adults (KCSIE Part four), as staff would report them."""

from __future__ import annotations

from sendbot.clock import FrozenClock
from tests.factories import NOW, SmallSchool
from tests.staff_dialogs import dialog_for


def test_explore(sessions, school: SmallSchool) -> None:
    d = dialog_for(sessions, FrozenClock(NOW), school, "ta")
    for line in ["allegation", "1", "hannah", "She grabbed a child's arm hard.", "today", "1", "1"]:
        r = d.says(line)
        print(">>", line)
        print(r.text, [o.label for o in r.options])
    h = dialog_for(sessions, FrozenClock(NOW), school, "head")
    for line in ["adult concerns", "1", "lado", "1", "today", "No further action.", "1"]:
        r = h.says(line)
        print(">>", line)
        print(r.text, [o.label for o in r.options])
