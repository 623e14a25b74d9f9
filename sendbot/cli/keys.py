"""`sendbot keys`: the encryption keys that protect narratives and notes at rest."""

from __future__ import annotations

import typer

from sendbot.cli.common import console, database_url, err_console
from sendbot.services.keys import rotate_keys
from sendbot.store import crypto
from sendbot.store.db import make_engine, upgrade
from sendbot.store.key_check import check_keys
from sendbot.store.models import Base

app = typer.Typer(help="Make, rotate and check the encryption keys.", no_args_is_help=True)


@app.command()
def generate() -> None:
    """Print a new random key. Put it first in SENDBOT_ENCRYPTION_KEYS (or the key file),
    keep the old keys after it, then run `sendbot keys rotate`."""
    typer.echo(crypto.generate_key())


@app.command()
def rotate(
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
    batch_size: int = typer.Option(500, min=1, help="Rows re-encrypted per transaction"),
) -> None:
    """Re-encrypt every narrative and note under the newest key. Safe to run again."""
    url = database_url(database)
    try:
        keyring = crypto.keyring_from_settings(url)
        upgrade(url)
        engine = make_engine(url, keyring=keyring)
        # The new key first and a key this database knows after it; else refused here.
        check_keys(engine, keyring)
    except crypto.KeyringError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        report = rotate_keys(engine, keyring, batch_size=batch_size)
    except crypto.DecryptionError as exc:
        err_console.print(f"Stopped, nothing more was changed: {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    for col in report.columns:
        if col.reencrypted or col.encrypted_plaintext:
            console.print(
                f"{col.table}.{col.column}: {col.reencrypted} re-encrypted, "
                f"{col.encrypted_plaintext} encrypted for the first time (of {col.seen})"
            )
    console.print(
        f"All encrypted text is now under key {report.newest_key} "
        f"({report.changed} values changed). Recorded as audit event {report.audit_event_id}. "
        "Older keys can be removed from configuration once every copy of the service "
        "runs with the new one."
    )


@app.command()
def status(
    database: str | None = typer.Option(None, help="Database URL (default SENDBOT_DATABASE_URL)"),
) -> None:
    """How many encrypted values each key wrote, by fingerprint, read without decrypting.
    Exits 1 when some were written with a key that is not configured (they cannot be read)."""
    url = database_url(database)
    try:
        keyring = crypto.keyring_from_settings(url)
        upgrade(url)
        engine = make_engine(url, keyring=keyring)
    except crypto.KeyringError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    try:
        counts = crypto.count_by_key(engine, crypto.encrypted_columns(Base.metadata))
    finally:
        engine.dispose()
    for line in _status_lines(keyring, counts):
        console.print(line, markup=False, soft_wrap=True)
    if set(counts) - set(keyring.fingerprints) - {crypto.NO_FINGERPRINT, crypto.NOT_ENCRYPTED}:
        raise typer.Exit(1)


def _status_lines(keyring: crypto.Keyring, counts: dict[str, int]) -> list[str]:
    """One line per key (the configured ones in order, then any others), then the rest."""
    unnamed = {crypto.NO_FINGERPRINT, crypto.NOT_ENCRYPTED}
    others = sorted(set(counts) - set(keyring.fingerprints) - unnamed)
    lines = []
    for number, key in enumerate(keyring.fingerprints):
        role = "configured, newest: encrypts" if number == 0 else "configured"
        lines.append(f"key {key} ({role}): {_values(counts.get(key, 0))}")
    lines += [f"key {k} (NOT configured: cannot be read): {_values(counts[k])}" for k in others]
    if counts.get(crypto.NO_FINGERPRINT):
        lines.append(
            "no fingerprint (written before fingerprints were stored): "
            f"{_values(counts[crypto.NO_FINGERPRINT])}; `sendbot keys rotate` adds one"
        )
    if counts.get(crypto.NOT_ENCRYPTED):
        lines.append(
            "not encrypted (written before encryption was turned on): "
            f"{_values(counts[crypto.NOT_ENCRYPTED])}; `sendbot keys rotate` encrypts them"
        )
    return lines


def _values(number: int) -> str:
    return f"{number} value" if number == 1 else f"{number} values"
