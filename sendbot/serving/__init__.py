"""`sendbot serve`: one asyncio process for the HTTP endpoints, the clock and delivery."""
