"""The serving process's logs carry no personal data, at any level.

Two layers. The platform libraries (slack_sdk, Bolt, python-telegram-bot, the HTTP clients)
dump whole request and response bodies at DEBUG: users' names and emails from
`users.lookupByEmail`, what a parent typed, a modal's answers. Those loggers never go below
INFO, whatever level sendbot runs at. Then every record that reaches sendbot's handlers,
from any library or from sendbot itself, passes `RedactPersonalData`, which blanks email
addresses, phone numbers, the fields of a payload that hold names or typed text, and the
staff pages' sign-in tokens, the parents' link tokens and OpenID codes in the access log's
request lines.
Failed SQL statements are logged without their values (`hide_parameters` on the engine).
"""

from __future__ import annotations

import logging
import re
from typing import IO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that write whole payloads at DEBUG; kept at INFO or above.
PAYLOAD_LOGGERS = (
    "slack_sdk",
    "slack_bolt",
    "telegram",
    "httpx",
    "httpcore",
    "aiohttp.client",
    "urllib3",
    "sqlalchemy",
)
REDACTED = "[redacted]"
# Payload fields that hold a person's name, contact details or what they typed.
_PERSONAL_KEYS = (
    "name|real_name|display_name|real_name_normalized|display_name_normalized|first_name|"
    "last_name|full_name|username|user_name|email|phone|text|value|initial_value|title|"
    "narrative|body|body_text|caption|question|data"
)
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"
_PATTERNS = (
    # "first_name": "Anna" in JSON, 'first_name': 'Anna' in a Python repr
    (re.compile(rf"([\"'])({_PERSONAL_KEYS})\1(\s*:\s*)(?:{_QUOTED})"), rf"\1\2\1\3'{REDACTED}'"),
    # user_name=anna&text=... in a form-encoded body
    (re.compile(rf"\b({_PERSONAL_KEYS})=[^&\s]*"), rf"\1={REDACTED}"),
    # the staff pages' one-time links and the OpenID provider's answer, in the access log
    (re.compile(r"(/sign-in/)[\w-]+"), rf"\1{REDACTED}"),
    # a parent's one-tap link (/p/<token>), in the access log's request line
    (re.compile(r"(/p/)[\w%-]+"), rf"\1{REDACTED}"),
    (re.compile(r"\b(code|state|nonce|code_verifier|id_token)=[^&\s\"]*"), rf"\1={REDACTED}"),
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w.])(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,9}\b"), "[phone]"),
)


def redact(text: str) -> str:
    """`text` with emails, phone numbers and payload fields holding personal data blanked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    """On a handler: every record it writes is redacted, its traceback included, and the
    payload loggers' DEBUG records are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and record.name.startswith(PAYLOAD_LOGGERS):
            return False  # a library that set its own logger's level from the root's (Bolt)
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure(level: str | int, stream: IO[str] | None = None) -> None:
    """The serving process's logging: `level` for sendbot, never DEBUG for the payload
    loggers, and the handler it sets up redacting what it writes.

    Levels are only ever raised (SQLAlchemy keeps its own WARNING), and handlers someone
    else installed before (a test runner's) are left as they are.
    """
    root = logging.getLogger()
    before = set(root.handlers)
    logging.basicConfig(level=level, format=FORMAT, stream=stream)
    for handler in root.handlers:
        if handler not in before:
            handler.addFilter(RedactPersonalData())
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))
