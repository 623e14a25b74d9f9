"""Talk to the engine in a terminal; works the same with stdin piped in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from sendbot.conversations.engine import ChatRef, Engine, Reply
from sendbot.services.actors import StaffActor

PLATFORM = "console"
QUIT = ("quit", "exit", "/quit", "/exit")


def render(reply: Reply) -> str:
    lines = [reply.text]
    if reply.numbered:
        lines += [f"  {i}. {option.label}" for i, option in enumerate(reply.options, start=1)]
    else:  # the options carry their own numbers ("Concern 12"): type that number
        lines += [f"  - {option.label}" for option in reply.options]
    return "\n".join(lines)


def chat_ref(actor: StaffActor) -> ChatRef:
    return ChatRef(PLATFORM, f"staff:{actor.staff_id}")


def run(engine: Engine, actor: StaffActor, lines: Iterable[str], out: TextIO, echo: bool) -> None:
    """One reply per line read; echo the typed line when input is not a terminal."""
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
        out.write(render(engine.handle(chat, actor, text)) + "\n")
        out.flush()
