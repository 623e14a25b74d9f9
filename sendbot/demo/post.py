"""The demo's post to parents: email written as `.eml` files, text messages printed, and the
one-tap web page each carries, opened as a browser would.

Email goes through the real email sender (`FileEmailSender`, the same composing code as the
school's relay) into a folder beside the demo database, readable by its owner only; text
messages are printed as the phone shows them (`delivery/sms.py`'s layout). Every email and
text message to a parent carries the link to their page on `sendbot serve` at the demo's
web address, so the user can open the links after the tour by serving the demo database.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from sendbot.clock import Clock, FrozenClock
from sendbot.config import Settings
from sendbot.handlers.email.compose import From
from sendbot.handlers.email.plugin import FILE_FROM
from sendbot.handlers.email.sender import FileEmailSender
from sendbot.scheduling.fastforward import Delivered, FastForward, TranscriptSender
from sendbot.scheduling.worker import OutboxWorker, PlatformLimit, Prepared, WorkerConfig
from sendbot.serving.app import build_app
from sendbot.serving.core import build_core
from sendbot.web.app import web_plugin

# `sendbot serve` listens on port 8080; the links name this address, so serving the demo
# database there opens them.
DEMO_WEB_URL = "http://localhost:8080"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def mail_folder(database: Path) -> Path:
    """The folder of `.eml` files beside the demo database: `sendbot-demo-mail/` for
    `sendbot-demo.db`."""
    return database.parent / f"{database.stem}-mail"


@dataclass(frozen=True)
class DemoPost:
    database_url: str
    mail_dir: Path
    web_url: str = DEMO_WEB_URL
    school_name: str | None = None

    def mailbox(self, clock: Clock) -> FileEmailSender:
        """The real email sender, writing into the folder (made readable by its owner only:
        an email to a parent names their child)."""
        self.mail_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.mail_dir.chmod(0o700)
        return FileEmailSender(self.mail_dir, From(FILE_FROM, self.school_name), clock)

    def forward(self, sessions: sessionmaker[Session], clock: FrozenClock) -> FastForward:
        """The scheduler's jobs and the outbox worker on the demo's clock, parents' email
        into the folder and every parent's email and text message with its link."""
        passes = {"email": self.mailbox(clock)}
        return FastForward(sessions, clock, web_url=self.web_url, passes=passes)

    def eml_of(self, item: Delivered) -> Path | None:
        """The `.eml` file an email was written to."""
        if item.recipient.platform != "email" or not item.platform_id:
            return None
        written = sorted(
            self.mail_dir.glob(f"*-{_UNSAFE.sub('_', item.platform_id.strip('<>'))}.eml")
        )
        return written[-1] if written else None


class _ByEmailOrText(OutboxWorker):
    """The outbox worker for email and text messages only: a row for anyone else (staff, a
    parent on Telegram) is put back untouched, as if this worker had not looked."""

    def prepare(
        self, ids: list[int], skip_identities: Mapping[int, tuple[int, ...]] | None = None
    ) -> list[Prepared]:
        prepared = super().prepare(ids, skip_identities)
        for item in prepared:
            if item.decision == "no_channel":
                self._release(item.outbox_id, 0)
        return [item for item in prepared if item.decision != "no_channel"]


ROUNDS = 5  # batches a turn of the interactive demo sends at most


class ParentsPost:
    """The interactive demo's post: after each line typed, what the outbox has for parents
    by email or text message goes (email into the folder, both printed with their links);
    everything else stays in the outbox, as before."""

    def __init__(
        self, post: DemoPost, sessions: sessionmaker[Session], clock: Clock, out: TextIO
    ) -> None:
        self.post, self.out = post, out
        passes = {"email": post.mailbox(clock)}
        self.transcript = TranscriptSender("console", clock, sessions, stream=out, passes=passes)
        config = WorkerConfig(
            web_url=post.web_url, limits={p: PlatformLimit(None, 0.0) for p in ("email", "sms")}
        )
        senders = {"email": self.transcript, "sms": self.transcript}
        self.worker = _ByEmailOrText(sessions, clock, senders, worker_id="demo-post", config=config)

    def deliver(self) -> None:
        start, held = len(self.transcript.delivered), 0
        for _ in range(ROUNDS):
            report = asyncio.run(self.worker.run_once())
            held += report.held
            if not report.sent:
                break
        for item in self.transcript.delivered[start:]:
            eml = self.post.eml_of(item)
            if eml is not None:
                self.out.write(f"(the email to {item.name} as sent: {eml})\n")
        if held:
            self.out.write(
                f"({held} message{'s' if held != 1 else ''} to parents by email or text wait "
                "for the end of the school's quiet hours, as they would.)\n"
            )
        self.out.flush()


@dataclass(frozen=True)
class Visit:
    """What the browser saw: the page's heading, its answer buttons, and the page after
    the answer (its first notice)."""

    title: str
    buttons: list[str]
    after: str


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


async def answer_by_web(post: DemoPost, clock: FrozenClock, link: str, choice: str) -> Visit:
    """Open a parent's link and answer its invitation, as a browser would: `sendbot serve`'s
    own app, served for the moment on a free port of this machine, a GET of the page and a
    POST of its form (with the form's token), following the redirect."""
    settings = Settings(database_url=post.database_url, web_url=post.web_url)
    core = build_core(settings, clock)
    runner = web.AppRunner(build_app(core, [web_plugin(settings)]), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        page_url = f"http://127.0.0.1:{port}{urlsplit(link).path}"
        async with aiohttp.ClientSession() as browser:
            async with browser.get(page_url) as response:
                response.raise_for_status()
                page = await response.text()
            found = _CSRF.search(page)
            if found is None:
                raise RuntimeError("the parent's page has no answer form")
            form = {"csrf": found.group(1), "choice": choice}
            async with browser.post(f"{page_url}/answer", data=form) as response:
                response.raise_for_status()
                after = await response.text()
    finally:
        await runner.cleanup()
        core.db.dispose()
    title = re.search(r"<h1>(.*?)</h1>", page, re.S)
    buttons = re.findall(r'<button type="submit" name="choice"[^>]*>(.*?)</button>', page, re.S)
    notices = re.findall(r'<p class="notice" role="status">(.*?)</p>', after, re.S)
    return Visit(
        _text(title.group(1)) if title else "",
        [_text(b) for b in buttons],
        _text(notices[0]) if notices else "",
    )
