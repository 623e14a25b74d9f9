"""Talk to the engine in a terminal; works the same with stdin piped in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from sendbot.conversations.engine import ChatRef, Engine, Reply
from sendbot.services.actors import StaffActor

PLATFORM = "console"
QUIT = ("quit", "exit", "/quit", "/exit")
ATTACH = "attach "  # 'attach note.jpg': a photo from a file, for the demo
READ_LIMIT = 10 * 1024 * 1024 + 1  # one byte past the limit is enough to refuse it


def read_photo(path_text: str) -> bytes | str:
    """The file's bytes (up to one past the limit), or a kind message why not."""
    path = Path(path_text.strip().strip("'\"")).expanduser()
    try:
        with path.open("rb") as handle:
            return handle.read(READ_LIMIT)
    except OSError:
        return f"I couldn't open '{path_text.strip()}'. Please check the file's name and folder."


def attach(engine: Engine, actor: StaffActor, path_text: str) -> Reply:
    data = read_photo(path_text)
    if isinstance(data, str):
        return Reply(data)
    return engine.photo(chat_ref(actor), actor, data)


def render(reply: Reply) -> str:
    lines = [reply.text]
    if reply.numbered:
        lines += [f"  {i}. {option.label}" for i, option in enumerate(reply.options, start=1)]
    else:  # the options carry their own numbers ("Concern 12"): type that number
        lines += [f"  - {option.label}" for option in reply.options]
    return "\n".join(lines)


def chat_ref(actor: StaffActor) -> ChatRef:
    return ChatRef(PLATFORM, f"staff:{actor.staff_id}")


def run(
    engine: Engine,
    actor: StaffActor,
    lines: Iterable[str],
    out: TextIO,
    echo: bool,
    after_each: Callable[[], None] | None = None,
) -> None:
    """One reply per line read; echo the typed line when input is not a terminal. Then
    `after_each`, if given (the demo sends its post to parents there)."""
    chat = chat_ref(actor)
    out.write(render(engine.resume(chat, actor)) + "\n")
    for line in lines:
        text = line.rstrip("\n")
        if echo:
            out.write(f"\n> {text}\n")
        if text.strip().lower() in QUIT:
            out.write("Goodbye. Anything unfinished is kept for next time.\n")
            return
        if not text.strip():
            continue
        if text.strip().lower().startswith(ATTACH):
            out.write(render(attach(engine, actor, text.strip()[len(ATTACH) :])) + "\n")
            continue
        out.write(render(engine.handle(chat, actor, text)) + "\n")
        out.flush()
        if after_each is not None:
            after_each()
