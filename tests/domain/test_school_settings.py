"""School scheduling settings: defaults, the school's choices, and mistakes said plainly."""

from __future__ import annotations

from datetime import time

from sendbot.domain.school_settings import from_stored as scheduling_settings
from sendbot.domain.school_settings import stored_problems as problems


def test_defaults_when_nothing_is_set() -> None:
    s = scheduling_settings(None)
    assert s.reminder_offsets == (28, 14, 7, 2, 0)
    assert s.escalation_minutes == (15, 60)
    assert s.school_hours == (time(8), time(18))
    assert s.digest_days == frozenset(range(5)) and s.headteacher_digest_weekday == 0
    assert (s.cumulative_count, s.cumulative_days) == (3, 14)
    assert s.out_of_hours == "same" and s.empty_digest == "one_line"
    assert problems({}) == []


def test_a_schools_choices_and_its_mistakes() -> None:
    chosen = {
        "reminder_offsets_days": [10, 3, 0],
        "escalation_minutes": [60, 10],
        "school_hours": {"start": "07:45", "end": "16:30"},
        "digest_days": [],
        "headteacher_digest_weekday": None,
        "cumulative_concerns": {"count": 4, "days": 28},
    }
    s = scheduling_settings(chosen)
    assert s.reminder_offsets == (10, 3, 0) and s.escalation_minutes == (10, 60)
    assert s.school_hours == (time(7, 45), time(16, 30))
    assert s.digest_days == frozenset() and s.headteacher_digest_weekday is None
    assert (s.cumulative_count, s.cumulative_days) == (4, 28)
    assert problems(chosen) == []
    wrong = {
        "out_of_hours": "sometimes",
        "escalation_minutes": "soon",
        "reminder_time": "half seven",
    }
    s = scheduling_settings(wrong)
    assert s.out_of_hours == "same" and s.escalation_minutes == (15, 60) and s.reminder_time is None
    said = "\n".join(problems(wrong))
    assert "out_of_hours: 'sometimes'" in said and "escalation_minutes: 'soon'" in said
    assert "reminder_time: 'half seven'" in said
    assert "on_call_staff_ids is empty" in "\n".join(problems({"out_of_hours": "on_call"}))
