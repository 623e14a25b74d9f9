"""One email from one outgoing message: plain text and HTML, and its files attached.

The message is the registry's, already in the parent's language (DESIGN.md 7: one message,
many channels). Email only lays it out and adds the frame's few words (a link's label and a
footer, `messages.parents.email_frame`, translated like every parent message):

- `multipart/alternative`: the text as written, and HTML from a Jinja2 template that escapes
  everything, with `lang` and, for Arabic and Urdu, `dir="rtl"`. The Unicode isolates the
  `Writer` put around names, numbers and English words are kept as they are in both parts;
  the link's URL is shown left to right inside `<bdi>`.
- The subject is the message's first line (after a greeting), shortened.
- `message.link`, the parent's web page for this message, as a button in HTML and the plain
  URL in text. Buttons are not drawn: an email cannot be tapped; the page offers the answers.
- Attachments attached; a calendar file as a real invitation
  (`text/calendar; method=REQUEST`, or the file's own METHOD: CANCEL for a cancellation).
- Headers: From the school, Reply-To, Date, Message-ID, `Auto-Submitted: auto-generated`,
  `Content-Language`, and `List-Unsubscribe` (a mailto: to the school's reply address, and
  the web page when it is https; then `List-Unsubscribe-Post` as RFC 8058 asks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime, formataddr, make_msgid
from functools import lru_cache
from urllib.parse import quote

import jinja2

from sendbot.delivery.contract import Attachment, OutgoingMessage
from sendbot.i18n.languages import resolve
from sendbot.i18n.writer import FSI, LRI, PDI, Writer
from sendbot.messages.parents.email_frame import EmailFrame, email_frame

RLI = "\u2067"
SUBJECT_LIMIT = 78
_URL = re.compile(r"https?://[^\s<>\"\u2066-\u2069\u200e\u200f]+")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_TRAILING = ".,;:!?)]"
_METHOD = re.compile(rb"^METHOD:([A-Za-z-]+)\r?$", re.M)


@dataclass(frozen=True)
class From:
    """Who an email comes from: the school's address and name, and where replies go."""

    address: str
    name: str | None = None
    reply_to: str | None = None

    @property
    def replies_to(self) -> str:
        return self.reply_to or self.address

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "sendbot.invalid"


@dataclass(frozen=True)
class Piece:
    text: str
    url: str | None = None


class WrittenHeader(str):
    """A header value written out exactly as given; the generator calls `fold` for a header
    object that names itself, instead of refolding it.

    Three headers need it. A subject, or the school's name in From, in any script: the
    standard library's folding puts a space between two encoded words, where RFC 2047 says
    a reader must drop it, so "Królowej" folded became "Kr ólowej"; the legacy `Header`
    encodes it as the RFC asks. And a calendar part's `Content-Type`, written as calendar
    apps expect (`method=REQUEST; charset=UTF-8`, unquoted).
    """

    name: str
    address: str | None  # From: the words are the display name, then this address

    def __new__(cls, name: str, value: str, address: str | None = None) -> WrittenHeader:
        shown = formataddr((value, address)) if address else value
        header = super().__new__(cls, shown)
        header.name, header.address, header.words = name, address, value
        return header

    words: str

    def fold(self, *, policy: Policy) -> str:
        value = self.words
        if not value.isascii():
            value = Header(value, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        if self.address:
            value = f"{value} <{self.address}>"
        return f"{self.name}: {value}{policy.linesep}"


def _from_header(sender: From) -> str:
    if sender.name and not sender.name.isascii():
        return WrittenHeader("From", sender.name, sender.address)
    return formataddr((sender.name or "", sender.address))


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sendbot.handlers.email", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _balanced(text: str) -> str:
    """Close any isolate a cut left open, so the rest of a line keeps its direction."""
    opened = sum(text.count(c) for c in (FSI, LRI, RLI)) - text.count(PDI)
    return text + PDI * max(0, opened)


def _is_greeting(paragraph: str, greeting: tuple[str, str] | None) -> bool:
    if greeting is None or "\n" in paragraph or len(paragraph) > 80:
        return False
    before, after = greeting
    return paragraph.startswith(before) and paragraph.endswith(after)


def subject_of(
    text: str, greeting: tuple[str, str] | None = None, limit: int = SUBJECT_LIMIT
) -> str:
    """The first line of the message, after its greeting, shortened at a word.

    `greeting` is the words before and after the name in the parent's language ("Hello",
    ","), so "Hello Anna," is passed over and "A reply from Ms Shaw:" is not.
    """
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return ""
    first = paragraphs[0]
    if len(paragraphs) > 1 and _is_greeting(first, greeting):
        first = paragraphs[1]
    line = " ".join(first.splitlines()[0].split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return _balanced(cut.rstrip(" ,;:") + "…")


def pieces(line: str) -> list[Piece]:
    """A line as text and web addresses; the isolates stay outside the links."""
    out: list[Piece] = []
    at = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(url)
        if start > at:
            out.append(Piece(line[at:start]))
        out.append(Piece(url, url))
        at = end
    if at < len(line):
        out.append(Piece(line[at:]))
    return out


def html_body(
    message: OutgoingMessage, frame: EmailFrame, subject: str, lang: str, rtl: bool
) -> str:
    paragraphs = [
        [pieces(line) for line in paragraph.split("\n")]
        for paragraph in message.text.split("\n\n")
        if paragraph.strip()
    ]
    return (
        _templates()
        .get_template("email.html")
        .render(
            lang=lang,
            direction="rtl" if rtl else "ltr",
            subject=subject,
            paragraphs=paragraphs,
            link=message.link,
            link_label=frame.link_label,
            sent_by=frame.sent_by,
            how_to_stop=frame.how_to_stop,
        )
    )


def text_body(message: OutgoingMessage, frame: EmailFrame) -> str:
    parts = [message.text.strip()]
    if message.link:
        parts.append(f"{frame.link_label}:\n{message.link}")
    # "-- " starts a signature: mail apps show the footer apart from the message.
    parts.append(f"-- \n{frame.sent_by}\n{frame.how_to_stop}")
    return "\n\n".join(parts) + "\n"


def unsubscribe_headers(sender: From, link: str | None) -> dict[str, str]:
    """List-Unsubscribe: write to the school; and the parent's page when it is https."""
    mailto = f"<mailto:{quote(sender.replies_to, safe='@')}?subject=unsubscribe>"
    if link and link.startswith("https://"):
        return {
            "List-Unsubscribe": f"{mailto}, <{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return {"List-Unsubscribe": mailto}


def calendar_method(content: bytes) -> str | None:
    """The calendar file's METHOD (REQUEST, CANCEL...), upper case; None if it has none."""
    found = _METHOD.search(content)
    return found.group(1).decode("ascii").upper() if found else None


def _attach(email: EmailMessage, attachment: Attachment) -> None:
    maintype, _, subtype = attachment.mime_type.partition("/")
    if not subtype:
        maintype, subtype = "application", "octet-stream"
    email.add_attachment(
        attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
    )
    if attachment.mime_type != "text/calendar":
        return
    part = list(email.iter_attachments())[-1]
    method = calendar_method(attachment.content)
    # Mail apps offer "add to calendar / accept" for a calendar part carrying its method.
    kind = f"text/calendar; method={method}; charset=UTF-8" if method else "text/calendar"
    name = _UNSAFE_NAME.sub("_", attachment.filename)
    part.replace_header("Content-Type", WrittenHeader("Content-Type", f'{kind}; name="{name}"'))


def compose(
    to: str, message: OutgoingMessage, sender: From, now: datetime, message_id: str | None = None
) -> EmailMessage:
    """The email for `to`; raises ValueError for an address or header that cannot be written."""
    language = resolve(message.language)
    frame = email_frame(Writer(language), sender.name or sender.address)
    subject = subject_of(message.text, frame.greeting)
    email = EmailMessage()
    email["From"] = _from_header(sender)
    email["To"] = to
    if sender.reply_to:
        email["Reply-To"] = sender.reply_to
    email["Subject"] = subject if subject.isascii() else WrittenHeader("Subject", subject)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id or make_msgid(domain=sender.domain)
    email["Auto-Submitted"] = "auto-generated"
    for name, value in unsubscribe_headers(sender, message.link).items():
        email[name] = value
    email.set_content(text_body(message, frame), cte="quoted-printable")
    html = html_body(message, frame, subject, language.code.replace("_", "-"), language.rtl)
    email.add_alternative(html, subtype="html", cte="quoted-printable")
    for attachment in message.attachments:
        _attach(email, attachment)
    # After the parts are made: making them moves every Content- header into the first part.
    email["Content-Language"] = language.code.replace("_", "-")
    return email
