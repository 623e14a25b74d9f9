"""A flow filled in as a form: every answer checked at once, follow-ups only when they apply."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sendbot.clock import FrozenClock
from sendbot.conversations.flow import FlowRegistry
from sendbot.conversations.forms import NOT_VISIBLE, REQUIRED, Forms
from sendbot.conversations.log_concern import DANGER_FIRST, DSL_ALERTED, LOG_CONCERN
from sendbot.services.actors import staff_actor_by_id
from sendbot.store.models import Concern
from tests.factories import NOW


@pytest.fixture
def forms(sessions) -> Forms:
    return Forms(sessions, FlowRegistry(flows=(LOG_CONCERN,)), FrozenClock(NOW))


def actor(sessions, school, who):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return staff_actor_by_id(session, school.staff[who])


def raw(school, **changes):  # type: ignore[no-untyped-def]
    answers = {
        "pupil": str(school.pupils["zoe"]),
        "narrative": "Zoë cried at lunch.",
        "source": "staff",
        "area": "semh",
        "safeguarding": "no",
    }
    answers.update(changes)
    return answers


def test_every_problem_is_reported_against_its_own_question(sessions, school, forms):
    teacher = actor(sessions, school, "teacher")
    result = forms.submit(teacher, LOG_CONCERN, raw(school, pupil="", narrative="  ", area="maths"))
    assert not result.done
    assert result.errors == {
        "pupil": REQUIRED,
        "narrative": REQUIRED,
        "area": "Please choose one of the options: type its number or its name.",
    }


def test_the_follow_up_applies_only_when_safeguarding_is_yes(sessions, school, forms):
    teacher = actor(sessions, school, "teacher")
    no = forms.preview(teacher, LOG_CONCERN, raw(school))
    assert "immediate_danger" not in no.names
    yes = forms.preview(
        teacher, LOG_CONCERN, raw(school, safeguarding="yes", immediate_danger="yes")
    )
    assert yes.names[-4:] == ["immediate_danger", "category", "action_taken", "told"]
    assert "category" not in no.names
    assert list(yes.notes) == ["immediate_danger"]  # and the DSL has been alerted
    assert yes.notes["immediate_danger"].startswith(f"{DANGER_FIRST}\n\n{DSL_ALERTED}")
    missing = forms.submit(teacher, LOG_CONCERN, raw(school, safeguarding="yes"))
    assert missing.errors == {"immediate_danger": REQUIRED}


def test_a_pupil_of_another_school_is_refused_like_an_unknown_one(sessions, school, forms):
    teacher = actor(sessions, school, "teacher")
    hidden = forms.submit(teacher, LOG_CONCERN, raw(school, pupil=str(school.pupils["stone"])))
    unknown = forms.submit(teacher, LOG_CONCERN, raw(school, pupil="999999"))
    assert hidden.errors == unknown.errors == {"pupil": NOT_VISIBLE}
    with sessions() as session:
        assert session.scalars(select(Concern)).all() == []


def test_a_teacher_reports_on_a_pupil_of_another_class_in_the_form(sessions, school, forms):
    teacher = actor(sessions, school, "teacher")
    result = forms.submit(teacher, LOG_CONCERN, raw(school, pupil=str(school.pupils["kacper"])))
    assert result.done
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert concern.pupil_id == school.pupils["kacper"]


def test_a_complete_form_saves_through_the_flows_own_submit(sessions, school, forms):
    ta = actor(sessions, school, "ta")
    result = forms.submit(ta, LOG_CONCERN, raw(school, safeguarding="yes", immediate_danger="no"))
    assert result.done
    with sessions() as session:
        concern = session.scalars(select(Concern)).one()
        assert (concern.safeguarding, concern.immediate_danger) == (True, False)
    assert result.confirmation.startswith(f"Saved as safeguarding concern #{concern.id}.")


def test_a_dropped_follow_up_answer_is_not_saved(sessions, school, forms):
    teacher = actor(sessions, school, "teacher")
    checked = forms.preview(teacher, LOG_CONCERN, raw(school, immediate_danger="yes"))
    assert "immediate_danger" not in checked.answers
