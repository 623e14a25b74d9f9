"""The outbox contract, below every package that writes, renders or sends a message.

Services and jobs write a template key (`keys`) and its params (`parent_params` for the
parent templates) into the outbox; `sendbot.messages` renders the row into an
`OutgoingMessage` (`contract`) in the recipient's language; each platform's `Sender` in
`sendbot/handlers/<platform>/` (the only code that may import a platform library) delivers
it and reports a `SendOutcome` the worker understands without knowing which platform it was.
"""
