"""A school's settings: defaults, the school's choices, and mistakes said plainly."""

from __future__ import annotations

from dataclasses import fields
from datetime import time

import pytest

from sendbot.domain.school_settings import (
    BY_KEY,
    SETTINGS,
    SchoolSettings,
    SettingError,
    check,
    describe,
    find,
    from_stored,
    stored_problems,
    to_store,
)
from sendbot.scheduling.worker import in_quiet_hours


def test_defaults_when_nothing_is_set() -> None:
    s = from_stored(None)
    assert s.reminder_offsets == (28, 14, 7, 2, 0)
    assert s.escalation_minutes == (15, 60)
    assert s.school_hours == (time(8), time(18))
    assert s.digest_days == frozenset(range(5)) and s.headteacher_digest_weekday == 0
    assert (s.cumulative_count, s.cumulative_days) == (3, 14)
    assert s.out_of_hours == "same" and s.empty_digest == "one_line"
    assert stored_problems({}) == []


def test_a_schools_choices_and_its_mistakes() -> None:
    chosen = {
        "reminder_offsets_days": [10, 3, 0],
        "escalation_minutes": [60, 10],
        "school_hours": {"start": "07:45", "end": "16:30"},
        "digest_days": [],
        "headteacher_digest_weekday": None,
        "cumulative_concerns": {"count": 4, "days": 28},
    }
    s = from_stored(chosen)
    assert s.reminder_offsets == (10, 3, 0) and s.escalation_minutes == (10, 60)
    assert s.school_hours == (time(7, 45), time(16, 30))
    assert s.digest_days == frozenset() and s.headteacher_digest_weekday is None
    assert (s.cumulative_count, s.cumulative_days) == (4, 28)
    assert stored_problems(chosen) == []
    wrong = {
        "out_of_hours": "sometimes",
        "escalation_minutes": "soon",
        "reminder_time": "half seven",
    }
    s = from_stored(wrong)
    assert s.out_of_hours == "same" and s.escalation_minutes == (15, 60) and s.reminder_time is None
    said = "\n".join(stored_problems(wrong))
    assert "out_of_hours: 'sometimes'" in said and "escalation_minutes: 'soon'" in said
    assert "reminder_time: 'half seven'" in said
    assert "on_call_staff_ids is empty" in "\n".join(stored_problems({"out_of_hours": "on_call"}))


# One good text (and the value it means) and one bad text for every setting, every kind.
GOOD_AND_BAD: dict[str, tuple[str, object, str]] = {
    "digest_time": ("7:05", time(7, 5), "7.30pm"),
    "quiet_hours_start": ("21:30", time(21, 30), "25:00"),
    "quiet_hours_end": ("06:45", time(6, 45), "7am"),
    "reminder_offsets_days": ("14, 7, 0", (14, 7, 0), "14, soon"),
    "reminder_time": ("none", None, "half seven"),
    "digest_days": ("mon, wed; Fri", frozenset({0, 2, 4}), "mon, funday"),
    "empty_digest": ("none", "none", "silent"),
    "headteacher_digest_weekday": ("Friday", 4, "t"),  # tuesday or thursday?
    "dsl_digest_to_deputies": ("yes", True, "maybe"),
    "digests_on_closed_days": ("yes", True, "sometimes"),
    "escalation_minutes": ("[60, 10]", (10, 60), "0, 10"),
    "school_hours.start": ("08:15", time(8, 15), "8"),
    "school_hours.end": ("17:00", time(17, 0), "17:60"),
    "out_of_hours": ("Next_School_Day", "next_school_day", "sometimes"),
    "on_call_staff_ids": ("12, 15, 12", (12, 15), "Mrs Smith"),
    "dsl_holiday_cover": ("7, 9", (7, 9), "the deputy"),
    "dsl_holiday_cover_copies_dsl": ("yes", True, "if needed"),
    "referral_chase_working_days": ("2", 2, "11"),
    "lado_contact": ("01632 960 000, lado@la.example", "01632 960 000, lado@la.example", "x" * 201),
    "cumulative_concerns.count": ("4", 4, "1"),
    "cumulative_concerns.days": ("28", 28, "a month"),
    "office_hours.start": ("08:30", time(8, 30), "half eight"),
    "office_hours.end": ("15:30", time(15, 30), "15h30"),
    "send_levels.monitoring.name": ("Tier 2", "Tier 2", "  "),
    "send_levels.monitoring.plan_name": ("Learning Plan", "Learning Plan", "x" * 61),
    "send_levels.monitoring.review": ("half_termly", "half_termly", "weekly"),
    "send_levels.sen_support.name": ("Tier 3", "Tier 3", ""),
    "send_levels.sen_support.plan_name": ("My Plan", "My Plan", " "),
    "send_levels.sen_support.review": ("Half_Termly", "half_termly", "yearly"),
    "send_levels.ehc_plan.name": ("EHCP", "EHCP", ""),
    "send_levels.ehc_plan.plan_name": ("EHC plan", "EHC plan", ""),
    "send_levels.ehc_plan.review": ("termly", "termly", "never"),
    "no_send_name": ("Universal", "Universal", ""),
    "last_year_group": ("2", 2, "15"),
    "retention.records_until_age": ("30", 30, "0"),
    "retention.safeguarding_until_age": ("none", None, "18"),
    "retention.conversation_state_days": ("5", 5, "-1"),
    "retention.processed_event_days": ("14", 14, "two weeks"),
    "retention.outbox_sent_days": ("365", 365, "1.5"),
}


def test_every_setting_has_a_good_and_a_bad_example_here() -> None:
    assert set(GOOD_AND_BAD) == set(BY_KEY)


def test_the_model_has_one_field_per_setting_with_the_same_default() -> None:
    assert {f.name for f in fields(SchoolSettings)} - {"problems"} == {s.attr for s in SETTINGS}
    assert all(getattr(SchoolSettings(), s.attr) == s.default for s in SETTINGS)


@pytest.mark.parametrize("key", list(GOOD_AND_BAD))
def test_a_good_value_is_read_and_stored_and_read_back(key: str) -> None:
    text, meant, _bad = GOOD_AND_BAD[key]
    settings = check(SchoolSettings(), {key: text})
    assert settings.value(key) == meant
    stored, columns = to_store({}, settings, [key])
    assert from_stored(stored, columns).value(key) == meant
    assert stored_problems(stored, columns) == []


@pytest.mark.parametrize("key", list(GOOD_AND_BAD))
def test_a_bad_value_is_refused_saying_what_would_be_right(key: str) -> None:
    _text, _meant, bad = GOOD_AND_BAD[key]
    with pytest.raises(SettingError) as refused:
        check(SchoolSettings(), {key: bad})
    said = str(refused.value)
    assert said == f"{key} must be {find(key).rule}, not '{bad.strip()}'"
    assert "\n" not in said


def test_the_messages_an_admin_reads() -> None:
    def refusal(key: str, value: str) -> str:
        with pytest.raises(SettingError) as refused:
            check(SchoolSettings(), {key: value})
        return str(refused.value)

    assert refusal("digest_time", "7.30pm") == (
        "digest_time must be a time of day like 07:30, not '7.30pm'"
    )
    assert refusal("quiet_hours_start", "25:00") == (
        "quiet_hours_start must be a time of day like 20:00, not '25:00'"
    )
    assert refusal("escalation_minutes", "soon") == (
        "escalation_minutes must be whole numbers of minutes from 1 to 1440, separated by "
        "commas, like 15, 60, not 'soon'"
    )
    assert refusal("school_hours.start", "19:00") == (
        "school_hours.start (19:00) must be before school_hours.end (18:00): school hours "
        "cannot run past midnight"
    )


def test_unknown_settings_are_refused_kindly() -> None:
    with pytest.raises(SettingError) as refused:
        check(SchoolSettings(), {"quiet_hour_start": "21:00"})
    assert str(refused.value) == (
        "There is no setting called 'quiet_hour_start'. Did you mean quiet_hours_start or "
        "quiet_hours_end? `sendbot school show` lists them all."
    )
    with pytest.raises(SettingError, match="no setting called 'colour'. `sendbot school show`"):
        find("colour")


def test_defaults_are_the_ones_the_school_always_had() -> None:
    settings = from_stored(None)
    assert settings == SchoolSettings()
    assert (settings.digest_time, settings.quiet_hours) == (time(7, 30), (time(20), time(7)))
    assert settings.office_hours == (time(8), time(16, 30))
    assert settings.referral_chase_working_days == 1
    assert settings.level("sen_support").name == "SEN support"
    assert settings.level("ehc_plan").review == "termly"
    assert settings.no_send_name == "No SEND"
    assert settings.retention_safeguarding_until_age == 25
    shown = describe(settings)
    assert [row.key for row in shown] == [s.key for s in SETTINGS]
    assert all(row.is_default and row.meaning for row in shown)


def test_quiet_hours_may_run_past_midnight() -> None:
    settings = check(SchoolSettings(), {"quiet_hours_start": "21:00", "quiet_hours_end": "06:30"})
    start, end = settings.quiet_hours
    assert in_quiet_hours(time(23, 59), start, end) and in_quiet_hours(time(0, 0), start, end)
    assert in_quiet_hours(time(6, 29), start, end) and not in_quiet_hours(time(6, 30), start, end)
    assert not in_quiet_hours(time(12, 0), start, end)
    daytime = check(settings, {"quiet_hours_start": "12:00", "quiet_hours_end": "13:00"})
    assert in_quiet_hours(time(12, 30), *daytime.quiet_hours)
    assert not in_quiet_hours(time(23, 0), *daytime.quiet_hours)


def test_school_and_office_hours_may_not_run_past_midnight() -> None:
    with pytest.raises(SettingError, match="office hours cannot run past midnight"):
        check(SchoolSettings(), {"office_hours.start": "17:00"})
    later = check(SchoolSettings(), {"office_hours.end": "18:00", "office_hours.start": "17:00"})
    assert later.office_hours == (time(17), time(18))
    assert check(SchoolSettings(), {"school_hours.start": "07:00"}).school_hours[0] == time(7)


def test_a_schools_other_settings_are_kept_when_one_is_written() -> None:
    stored = {"send_levels": {"monitoring": {"name": "Tier 2"}}, "some_other_part": {"x": 1}}
    settings = check(from_stored(stored), {"send_levels.monitoring.review": "half_termly"})
    written, columns = to_store(stored, settings, ["send_levels.monitoring.review"])
    assert written == {
        "send_levels": {"monitoring": {"name": "Tier 2", "review": "half_termly"}},
        "some_other_part": {"x": 1},
    }
    assert columns == {}
    assert stored == {
        "send_levels": {"monitoring": {"name": "Tier 2"}},
        "some_other_part": {"x": 1},
    }
    _, columns = to_store({}, check(settings, {"quiet_hours_end": "06:00"}), ["quiet_hours_end"])
    assert columns == {"quiet_end": time(6)}


def test_malformed_names_and_retention_are_named_for_the_services_that_refuse_them() -> None:
    settings = from_stored(
        {"send_levels": {"tier9": {}}, "retention": {"outbox_sent_days": 0}, "out_of_hours": 3}
    )
    assert settings.problems_in(["send_levels", "no_send_name"]) == [
        "send_levels: 'tier9' is not a level (monitoring, sen_support, ehc_plan)"
    ]
    assert settings.problems_in(["retention"]) == [
        "retention.outbox_sent_days must be a whole number of at least 1"
    ]
    assert settings.retention_outbox_sent_days == 90 and settings.out_of_hours == "same"


def test_yes_and_no_written_by_hand_are_understood() -> None:
    assert from_stored({"dsl_digest_to_deputies": 1}).dsl_digest_to_deputies is True
    assert from_stored({"dsl_digest_to_deputies": "no"}).dsl_digest_to_deputies is False
    assert from_stored({"dsl_digest_to_deputies": "perhaps"}).problems == (
        "dsl_digest_to_deputies: 'perhaps' is not understood; no is used",
    )
