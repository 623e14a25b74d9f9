"""A translated text message keeps its machine-translation notice and its link when it is cut
to three parts: the body is cut, the notice stays (its short form from the catalog), and the
cost counted before a bulk send is what is sent, notice included."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sendbot.delivery import keys
from sendbot.delivery.contract import OutgoingMessage
from sendbot.delivery.sms import ELLIPSIS, MAX_FRAGMENTS, sms_text
from sendbot.domain.sms_length import measure, plain
from sendbot.i18n.catalogs import po_path, read_catalog
from sendbot.i18n.languages import shipped_codes
from sendbot.messages import registry
from sendbot.messages.parents.honest import MACHINE_NOTICE, SMS_NOTICE
from sendbot.services import sms_cost

CODES = shipped_codes()
LINK = "https://school.example/p/" + "A" * 22
SHORT = "Thank you for your message. We will call you on Monday."
LONG = " ".join(
    [
        "Thank you for your message about the speech and language therapy sessions.",
        "The therapist will see Zoe on Monday and Thursday mornings this half term,",
        "and the class teacher will send home the word cards each Friday so that you",
        "can practise them together at home. The review will be on Tuesday at 3:30pm.",
        "Please bring the home practice book, and any letters from the clinic or the",
        "hospital, so that we can plan the next steps together. If Tuesday does not",
        "suit you, tell the office and we will find another day that week or the next.",
    ]
)


def catalog(code: str, msgid: str) -> str:
    found = read_catalog(po_path(code), locale=code).get(msgid)
    assert found is not None and found.string, (code, msgid)
    return plain(str(found.string))


def reply(code: str, text: str) -> OutgoingMessage:
    params = {"text": text, "staff_name": "Ms Patel", "school_name": "Oakfield", "_now": None}
    message = registry.render(keys.PARENT_STAFF_REPLY, params, code)
    assert message is not None
    return replace(message, link=LINK)


@pytest.mark.parametrize("code", CODES)
def test_a_cut_text_message_keeps_its_short_notice_and_its_link(code: str) -> None:
    message = reply(code, LONG)
    sent = sms_text(message)
    assert measure(sent).fragments <= MAX_FRAGMENTS
    assert sent.endswith(f"\n\n{catalog(code, SMS_NOTICE)}\n\n{LINK}"), code
    assert ELLIPSIS in sent
    # An isolate the cut left open (staff's English in Urdu) is closed before the notice.
    assert sent.count("\u2069") == sum(sent.count(c) for c in "\u2066\u2067\u2068")
    assert catalog(code, MACHINE_NOTICE) not in sent  # the long form would not fit


@pytest.mark.parametrize("code", ["pl", "so", "ur"])
def test_a_text_message_that_fits_keeps_the_whole_notice(code: str) -> None:
    sent = sms_text(reply(code, SHORT), max_fragments=10)
    assert sent.endswith(f"\n\n{catalog(code, MACHINE_NOTICE)}\n\n{LINK}")
    assert ELLIPSIS not in sent


@pytest.mark.parametrize("code", CODES)
def test_the_short_notice_is_unreviewed_machine_translation_in_every_catalog(code: str) -> None:
    found = read_catalog(po_path(code), locale=code).get(SMS_NOTICE)
    assert found is not None and found.string and found.string != SMS_NOTICE
    assert not any("reviewed-by" in c for c in found.user_comments)


def test_the_cost_counts_what_is_sent_notice_included() -> None:
    notice = catalog("so", MACHINE_NOTICE)
    short = OutgoingMessage(
        text=f"{SHORT}\n\n{notice}",
        language="so",
        link=LINK,
        notice=notice,
        short_notice=catalog("so", SMS_NOTICE),
    )
    messages = [short, reply("ur", LONG)]
    cost = sms_cost.estimate(messages)
    assert cost.fragments == sum(measure(sms_text(m)).fragments for m in messages)
    # The short one fits whole, so its whole notice is paid for: two parts, not one.
    assert cost.by_language["so"].fragments == measure(f"{SHORT}\n\n{notice}\n\n{LINK}").fragments
    assert cost.by_language["so"].fragments == 2 > measure(f"{SHORT}\n\n{LINK}").fragments
    assert cost.by_language["ur"].fragments == MAX_FRAGMENTS
