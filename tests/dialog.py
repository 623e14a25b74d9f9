"""Dialog tests that read like the conversation: the person says X, sendbot replies Y."""

from __future__ import annotations

from dataclasses import dataclass, field

from sendbot.conversations.engine import ChatRef, Engine, Reply
from sendbot.services.actors import StaffActor


@dataclass
class Dialog:
    engine: Engine
    actor: StaffActor
    chat: ChatRef
    transcript: list[tuple[str, Reply]] = field(default_factory=list)

    def says(self, text: str) -> Reply:
        reply = self.engine.handle(self.chat, self.actor, text)
        self.transcript.append((text, reply))
        return reply

    def verify(self, script: list[tuple[str, str]]) -> None:
        """Each person's line gets exactly the reply given (compared in full)."""
        for said, expected in script:
            reply = self.says(said)
            assert reply.text == expected, f"after {said!r}:\n{reply.text}\n!=\n{expected}"
