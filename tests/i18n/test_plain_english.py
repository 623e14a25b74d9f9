"""Every parent-facing English message is plain: short sentences, easy to read, no jargon
without its meaning. The checks must also catch what they are there to catch."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.parent_params import MEETING_KINDS
from sendbot.i18n import plain
from sendbot.i18n.catalogs import read_catalog, template_path
from sendbot.i18n.writer import Writer
from sendbot.messages.parents import render
from sendbot.messages.parents.freetext import FreeText
from sendbot.messages.parents.honest import MACHINE_NOTICE
from sendbot.messages.parents.invitation import ics_description, meeting_title
from sendbot.messages.parents.render import (
    MEETING_INVITATION,
    REVIEW_SUMMARY,
    TEMPLATES,
    TERM_PROGRESS,
)
from tests.i18n import samples


def _english_messages() -> dict[str, str]:
    """Every parent template in English, over the variants its data can take."""
    texts: dict[str, str] = {}
    for kind in MEETING_KINDS:
        for video in (None, "https://meet.example/abc"):
            data = samples.invitation(kind, video_link=video)
            message = render(MEETING_INVITATION, data.to_params(), "en")
            texts[f"invitation/{kind}/{bool(video)}"] = message.text
            w = Writer()
            texts[f"ics/{kind}/{bool(video)}"] = (
                meeting_title(w, kind, "Amelia") + "\n" + (ics_description(w, data))
            )
    variants = {
        "full": samples.review(),
        "no-new": samples.review(new_targets=()),
        "one-new": samples.review(new_targets=("Read 40 words",)),
        "no-date": samples.review(next_review_on=None, next_steps=None),
        "reply-button": samples.review(reply_action_id="opaque-reply"),
        "no-parent-name": samples.review(parent_name=None),
    }
    for name, data in variants.items():
        texts[f"review/{name}"] = render(REVIEW_SUMMARY, data.to_params(), "en").text
    for name, data in {
        "full": samples.term_progress(),
        "no-targets": samples.term_progress(targets=(), next_steps=None),
        "spring": samples.term_progress(term="2027-spring", next_review_on=None),
    }.items():
        texts[f"term/{name}"] = render(TERM_PROGRESS, data.to_params(), "en").text
    # The notes about free text only appear in other languages: check their English too.
    free = FreeText(Writer())
    free.translated.append(("x", "y"))
    free.left_in_english.append("x")
    texts["notes"] = "\n\n".join([*free.notes(), free.english_originals()])
    # The machine-translation notice is only shown in other languages: check its English.
    texts["notice"] = MACHINE_NOTICE
    return texts


ENGLISH = _english_messages()


def test_every_template_is_covered() -> None:
    covered = {key.split("/")[0] for key in ENGLISH}
    assert {"invitation", "review", "term"} <= covered
    assert set(TEMPLATES) == {MEETING_INVITATION, REVIEW_SUMMARY, TERM_PROGRESS}


@pytest.mark.parametrize("name", sorted(ENGLISH))
def test_rendered_english_is_plain(name: str) -> None:
    assert plain.check(ENGLISH[name]) == []


def _source_messages() -> list[str]:
    texts = []
    for message in read_catalog(template_path()):
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts += [str(i) for i in ids]
    return texts


@pytest.mark.parametrize("msgid", _source_messages())
def test_each_catalog_message_is_short_and_free_of_jargon(msgid: str) -> None:
    assert plain.check(msgid, reading_ease_floor=None) == []


def test_planted_long_sentence_fails() -> None:
    long = (
        "In accordance with the arrangements that have been agreed between the school and the "
        "local services, your child will continue to receive support which will be reviewed at "
        "regular intervals throughout the year."
    )
    text = ENGLISH["review/full"] + "\n\n" + long
    kinds = {p.kind for p in plain.check(text)}
    assert "long-sentence" in kinds


def test_planted_unexplained_senco_fails() -> None:
    text = ENGLISH["invitation/annual_review/False"] + "\n\nThe SENCO will be there."
    problems = plain.check(text)
    assert [p.detail for p in problems if p.kind == "jargon"] == ["SENCO is not explained"]
    explained = text.replace("The SENCO", "The special educational needs co-ordinator (SENCO)")
    assert plain.check(explained) == []


def test_planted_hard_words_fail_reading_ease() -> None:
    hard = (
        "Comprehensive multidisciplinary evaluation necessitates considerable institutional "
        "coordination. Consequently, administrative documentation accompanies individualised "
        "educational recommendations."
    )
    assert "reading-ease" in {p.kind for p in plain.check(hard)}


def test_planted_message_in_a_template_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite notices a bad sentence added to a real builder, not only to sample text."""
    from sendbot.messages.parents import summaries

    original = summaries._next_review

    def with_jargon(w: Writer, when: object) -> str:
        return original(w, when) + " The SENCO and the LA will decide."

    monkeypatch.setattr(summaries, "_next_review", with_jargon)
    text = render(REVIEW_SUMMARY, samples.review().to_params(), "en").text
    details = {p.detail for p in plain.check(text)}
    assert {"SENCO is not explained", "LA is not explained"} <= details


@pytest.mark.parametrize(
    ("staff", "parent"),
    [
        ("The EP will visit.", "The educational psychologist (EP) will visit."),
        ("EP visit next week.", "Educational psychologist (EP) visit next week."),
        (
            "We asked an SLT to see her.",
            "We asked a speech and language therapist (SLT) to see her.",
        ),
        ("A OT report came.", "An occupational therapist (OT) report came."),
        (
            "The EP and the EP's report.",
            "The educational psychologist (EP) and the EP's report.",
        ),
        (
            "Ask the SENCO or the DSL.",
            "Ask the special educational needs co-ordinator (SENCO) or "
            "the designated safeguarding lead (DSL).",
        ),
        ("Stepped reading in class.", "Stepped reading in class."),  # "EP" inside a word
        (
            "The educational psychologist (EP) came.",
            "The educational psychologist (EP) came.",
        ),
        (
            "CAMHS referral made.",
            "Child and Adolescent Mental Health Services (CAMHS) referral made.",
        ),
    ],
)
def test_jargon_expanded_on_first_use(staff: str, parent: str) -> None:
    assert plain.expand_jargon(staff) == parent


def test_staff_see_what_the_parent_will_read() -> None:
    preview = plain.preview_for_parent("The EP will see Amelia. The TA will help.")
    assert preview.parent_text == (
        "The educational psychologist (EP) will see Amelia. The teaching assistant (TA) will help."
    )
    assert set(preview.expanded) == {"EP", "TA"}
    assert preview.problems == ()
    long = plain.preview_for_parent(" ".join(["word"] * 30) + ".")
    assert [p.kind for p in long.problems] == ["long-sentence"]


def test_free_text_reaches_parents_expanded() -> None:
    message: OutgoingMessage = render(REVIEW_SUMMARY, samples.review().to_params(), "en")
    assert "The teaching assistant (TA) will read with Amelia" in message.text
    assert "The educational psychologist (EP) will visit" in message.text


def test_sample_data_is_realistic() -> None:
    data = replace(samples.review(), next_steps="The SENCO will call.")
    text = render(REVIEW_SUMMARY, data.to_params(), "en").text
    assert "special educational needs co-ordinator (SENCO)" in text
