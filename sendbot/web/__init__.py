"""The staff web pages served by `sendbot serve` under /staff/ (docs/web.md)."""
