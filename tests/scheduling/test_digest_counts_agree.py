"""The headteacher's weekly counts are of the very items the SENCO's digest lists: a review
the SENCO sees overdue by 4 days is counted overdue for the headteacher too."""

from __future__ import annotations

import re
from datetime import date

from sendbot.services import digests
from tests.factories import build_small_school
from tests.scheduling.helpers import plan_with_a_target, utc

MONDAY = date(2026, 11, 30)


def test_headteacher_and_senco_digests_agree_on_what_is_overdue(sessions) -> None:
    school = build_small_school(sessions)
    with sessions() as session, session.begin():
        plan_with_a_target(
            session,
            school.pupils["amelia"],
            review_on=date(2026, 11, 26),
            target="Counts on in tens from any number",
            parent="Counts on in tens",
            due_on=date(2026, 11, 27),
        )

    with sessions() as session:
        senco = digests.build(session, school.school_id, "senco", MONDAY, utc(2026, 11, 30, 7, 30))
        head = digests.build(
            session, school.school_id, "headteacher", MONDAY, utc(2026, 11, 30, 7, 30)
        )
    senco_text, head_text = senco.text(), head.text()

    assert "Amelia Khan: SEN support plan review, OVERDUE by 4 days (was due Thu 26 Nov)" in (
        senco_text
    )
    listed = senco_text.count("OVERDUE by")
    assert listed == 2  # the review and the target
    counted = re.search(r"overdue: (\d+);", head_text)
    assert counted is not None, head_text
    assert int(counted.group(1)) == listed
    due_soon = re.search(r"due in the next 14 days: (\d+)", head_text)
    assert due_soon is not None
    coming = [
        line for line in senco_text.splitlines() if line.startswith("- ") and ", due " in line
    ]
    assert int(due_soon.group(1)) == len(coming)
