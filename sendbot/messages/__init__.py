"""Message builders: plain data in, platform-neutral `OutgoingMessage` out."""
