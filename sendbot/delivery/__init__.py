"""Getting outbox messages to people: the contract every platform's sender keeps.

The outbox worker (scheduling) renders a row into an `OutgoingMessage` in the recipient's
language, picks the recipient's platform identity, and hands both to that platform's
`Sender`. Senders live in `sendbot/handlers/<platform>/` (the only code that may import a
platform library) and report back a `SendOutcome` the worker understands without knowing
which platform it was.
"""
