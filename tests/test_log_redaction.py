"""What the serving process's log filter blanks (the end-to-end check is in
tests/test_logs_carry_no_personal_data.py)."""

from __future__ import annotations

import io
import logging

from sendbot.serving.logs import RedactPersonalData, redact


def test_redaction_blanks_emails_phones_and_the_fields_of_payloads() -> None:
    said = redact(
        '{"user": {"real_name": "Grace Okafor", "profile": {"email": "senco@oakfield.example"}}}'
        " user_name=grace&text=concern&team_id=T0 call 07700 900123 or +44 7700 900123"
    )
    assert said == (
        '{"user": {"real_name": \'[redacted]\', "profile": {"email": \'[redacted]\'}}}'
        " user_name=[redacted]&text=[redacted]&team_id=T0 call [phone] or [phone]"
    )


def test_the_staff_pages_sign_in_tokens_and_openid_codes_never_reach_the_access_log() -> None:
    assert redact('"GET /staff/sign-in/Xq3-_a9 HTTP/1.1" 200') == (
        '"GET /staff/sign-in/[redacted] HTTP/1.1" 200'
    )
    assert redact('"GET /staff/oidc/callback?code=c0de&state=st4te HTTP/1.1" 303') == (
        '"GET /staff/oidc/callback?code=[redacted]&state=[redacted] HTTP/1.1" 303'
    )


def test_a_payload_loggers_debug_record_is_dropped_and_a_traceback_redacted() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactPersonalData())
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    ours = logging.getLogger("sendbot.test_log_redaction")
    for logger in (bolt, ours):
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        bolt.debug("body: %s", {"first_name": "Anna"})
        try:
            raise ValueError("no guardian with email anna@family.example")
        except ValueError:
            ours.exception("lookup failed for %s", "anna@family.example")
    finally:
        for logger in (bolt, ours):
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
    written = out.getvalue()
    assert "Anna" not in written and "anna@family.example" not in written
    assert "lookup failed for [email]" in written
    assert "ValueError: no guardian with email [email]" in written
