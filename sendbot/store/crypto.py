"""Encryption at rest for the free text that carries a child's story.

Every `*_text` column holds a Fernet token (AES-128-CBC with HMAC-SHA256, base64) instead of
the words a member of staff or a parent typed, so a copied database file, a backup left on a
laptop or a careless `SELECT *` shows nothing of what happened to a child. The storage type
stays `Text`, so the schema does not change.

Keys come from configuration, newest first; the newest encrypts, every key decrypts, so a
school can add a new key, run `sendbot keys rotate`, and only then retire the old one.
Each engine carries its own keyring (set by `make_engine`), so one process can talk to two
databases with different keys, and a test can read the same file with the wrong key.

Encryption is randomised (a fresh IV every time), so the same words never give the same
token: an encrypted column cannot be searched or compared in SQL, only read back.

Every value written carries the fingerprint of the key that wrote it, in front of the token:
`k1.<fingerprint>.<Fernet token>` (`k1` is the form's version; the fingerprint is 12 hex
digits). A Fernet token is URL-safe base64, which has no `.`, and always starts `gAAAAA`, so
the two forms cannot be taken for each other. The fingerprint is readable without any key, so
start-up and `sendbot keys status` can tell which key wrote what without decrypting. Values
written before fingerprints were stored (a bare token) still read, by trying every key;
`sendbot keys rotate` rewrites them in the new form. Only the key a value names is tried: a
value that names a configured key and does not decrypt with it was altered or damaged, and
says so (TamperedValue). The fingerprint is a label, not signed: changing it cannot make a
value read as other words (the token's HMAC sees to that), only make it unreadable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import (
    Engine,
    Integer,
    Text,
    case,
    column,
    func,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator

from sendbot.config import get_settings
from sendbot.domain.text import storable

log = logging.getLogger("sendbot.crypto")

KEYS_ENV = "SENDBOT_ENCRYPTION_KEYS"
KEY_FILE_ENV = "SENDBOT_ENCRYPTION_KEY_FILE"
_TOKEN_VERSION = 0x80
_MIN_TOKEN_BYTES = 1 + 8 + 16 + 16 + 32  # version, time, IV, one cipher block, HMAC
ENVELOPE = "k1"  # the form `k1.<fingerprint>.<token>`; a new form gets a new version
_FINGERPRINT_LENGTH = 12
_HEX = frozenset("0123456789abcdef")


class KeyringError(RuntimeError):
    """Keys are missing or unusable; the message tells the operator what to set."""


class DecryptionError(RuntimeError):
    """Stored text cannot be read with the configured keys: never shown as garbage."""


class TamperedValue(DecryptionError):
    """A value names a configured key but does not decrypt with it: altered or damaged."""


def generate_key() -> str:
    """A new random key, as text to paste into configuration or a key file."""
    return Fernet.generate_key().decode("ascii")


def fingerprint(key: str) -> str:
    """A short name for a key that reveals nothing about it, for logs and the audit trail."""
    return hashlib.sha256(key.strip().encode("ascii")).hexdigest()[:_FINGERPRINT_LENGTH]


def seal(key_fingerprint: str, token: str) -> str:
    """A token with the fingerprint of the key that wrote it in front: `k1.<fp>.<token>`."""
    return f"{ENVELOPE}.{key_fingerprint}.{token}"


def unseal(value: str) -> tuple[str | None, str]:
    """(fingerprint, token) of a stored value; (None, value) for a bare token or plaintext."""
    version, _, rest = value.partition(".")
    key_fingerprint, _, token = rest.partition(".")
    if (
        version == ENVELOPE
        and len(key_fingerprint) == _FINGERPRINT_LENGTH
        and set(key_fingerprint) <= _HEX
        and token
    ):
        return key_fingerprint, token
    return None, value


def written_with(value: str) -> str | None:
    """The fingerprint of the key that wrote a stored value, read without decrypting it;
    None for a value written before fingerprints were stored (or never encrypted)."""
    return unseal(value)[0]


def looks_like_token(value: str) -> bool:
    """True when a stored value is encrypted (fingerprinted or a bare Fernet token), so is
    not text stored before encryption was turned on."""
    value = unseal(value)[1]
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    return len(raw) >= _MIN_TOKEN_BYTES and raw[0] == _TOKEN_VERSION


@dataclass(frozen=True)
class Keyring:
    """Keys newest first: the first encrypts, all of them decrypt."""

    keys: tuple[str, ...]
    source: str = "configuration"
    _fernet: MultiFernet = field(init=False, repr=False, compare=False)
    _newest: Fernet = field(init=False, repr=False, compare=False)
    _each: tuple[Fernet, ...] = field(init=False, repr=False, compare=False)
    _by_fingerprint: dict[str, Fernet] = field(init=False, repr=False, compare=False)
    _newest_name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError(f"No encryption keys found in {self.source}.")
        fernets: list[Fernet] = []
        for number, key in enumerate(self.keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
                raise KeyringError(
                    f"Encryption key {number} in {self.source} is not a valid key: each key is "
                    "44 characters of URL-safe base64, as `sendbot keys generate` prints."
                ) from exc
        object.__setattr__(self, "_fernet", MultiFernet(fernets))
        object.__setattr__(self, "_newest", fernets[0])
        object.__setattr__(self, "_each", tuple(fernets))
        by_fingerprint: dict[str, Fernet] = {}
        for key, fernet in zip(self.keys, fernets, strict=True):
            by_fingerprint.setdefault(fingerprint(key), fernet)
        object.__setattr__(self, "_by_fingerprint", by_fingerprint)
        object.__setattr__(self, "_newest_name", fingerprint(self.keys[0]))

    @classmethod
    def parse(cls, text: str, source: str) -> Keyring:
        """Keys separated by commas or new lines; blank lines and `#` comments are ignored."""
        keys: list[str] = []
        for line in text.splitlines():
            for word in line.split("#", 1)[0].split(","):
                if word.strip():
                    keys.append(word.strip())
        return cls(tuple(keys), source)

    @property
    def newest_fingerprint(self) -> str:
        return self._newest_name

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(fingerprint(key) for key in self.keys)

    def opener(self, token: str) -> str | None:
        """The fingerprint of the configured key that wrote this value; None if none did.

        A fingerprinted value names its key (and is not decrypted); a bare token is tried
        with every key."""
        named = written_with(token)
        if named is not None:
            return named if named in self._by_fingerprint else None
        for key, fernet in zip(self.keys, self._each, strict=True):
            try:
                fernet.decrypt(token.encode("ascii"))
            except (InvalidToken, UnicodeEncodeError):
                continue
            return fingerprint(key)
        return None

    def encrypt(self, plaintext: str) -> str:
        return self.encrypt_bytes(plaintext.encode("utf-8"))

    def encrypt_bytes(self, plain: bytes) -> str:
        return seal(self._newest_name, self._newest.encrypt(plain).decode("ascii"))

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token).decode("utf-8")

    def reencrypt(self, token: str) -> str:
        """The same content under the newest key, never decoded as text (so bytes survive)."""
        return self.encrypt_bytes(self.decrypt_bytes(token))

    def decrypt_bytes(self, token: str) -> bytes:
        named, bare = unseal(token)
        if named is not None:
            return self._open_named(named, bare)
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as exc:
            if not looks_like_token(token):
                raise DecryptionError(
                    "Stored text is not encrypted (it was written before encryption was "
                    "turned on). Run `sendbot keys rotate` to encrypt it."
                ) from exc
            raise DecryptionError(
                "Stored text cannot be decrypted with the configured encryption keys "
                f"({', '.join(self.fingerprints)}). The key it was written "
                f"with is missing from {self.source}: add it back (after the newest key)."
            ) from exc

    def _open_named(self, named: str, token: str) -> bytes:
        """A fingerprinted value: only the key it names is tried."""
        fernet = self._by_fingerprint.get(named)
        if fernet is None:
            raise DecryptionError(
                "Stored text cannot be decrypted with the configured encryption keys "
                f"({', '.join(self.fingerprints)}): it was written with key {named}, which is "
                f"missing from {self.source}. Add it back (after the newest key)."
            )
        try:
            return fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise TamperedValue(
                f"Stored text says it was written with key {named}, which is configured, but "
                "it does not decrypt with that key: the value has been altered or damaged "
                "(tampering or corruption), not written with another key. Restore it from a "
                "backup."
            ) from exc

    def is_current(self, token: str) -> bool:
        """Written with the newest key, in the fingerprinted form, so rotation can leave it
        alone. A value naming the newest key that does not decrypt stops rotation."""
        if written_with(token) != self.newest_fingerprint:
            return False
        self.decrypt_bytes(token)
        return True


# --- which keyring an engine uses ------------------------------------------------------------

_BY_DIALECT: weakref.WeakKeyDictionary[Dialect, Keyring] = weakref.WeakKeyDictionary()


def attach(engine: Engine, keyring: Keyring) -> Engine:
    """Use this keyring for every encrypted column read or written through this engine."""
    _BY_DIALECT[engine.dialect] = keyring
    return engine


def keyring_of(dialect: Dialect) -> Keyring:
    try:
        return _BY_DIALECT[dialect]
    except KeyError:
        raise KeyringError(
            "This database connection has no encryption keys: open it with "
            "sendbot.store.db.make_engine, which loads them from configuration."
        ) from None


def sqlite_file(url: str) -> Path | None:
    """The database file an SQLite URL names; None for memory or a server database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def default_key_file(url: str) -> Path | None:
    """Beside an SQLite database file: `sendbot.db` keeps its keys in `sendbot.db.key`."""
    path = sqlite_file(url)
    return path.with_name(path.name + ".key") if path else None


def _create_key_file(path: Path) -> None:
    """Write a new key readable by this user only; if another process won the race, use theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write("# sendbot encryption keys, newest first. Back this file up apart from\n")
        handle.write("# the database: without it the encrypted text cannot be read.\n")
        handle.write(generate_key() + "\n")
    log.warning(
        "Created a new encryption key file %s (readable by this user only). Back it up "
        "separately from the database: without it the encrypted text cannot be read.",
        path,
    )


def read_key_file(path: Path) -> Keyring:
    """Keys from a file; a file others on the server can read is used, with a warning."""
    try:
        if path.stat().st_mode & 0o077:
            log.warning(
                "The encryption key file %s can be read by other users on this server; "
                "make it readable by the sendbot user only (chmod 600).",
                path,
            )
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyringError(f"The encryption key file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyringError(f"The encryption key file {path} cannot be read: {exc}") from exc
    return Keyring.parse(text, f"the key file {path}")


def load_keyring(url: str, keys: str | None = None, key_file: Path | None = None) -> Keyring:
    """Configured keys, else a configured key file, else (SQLite only) a key file beside it.

    A server database (PostgreSQL) never gets an invented key: a key made up on one machine
    would leave the other workers unable to read what it wrote, so it refuses instead.
    """
    if keys and keys.strip():
        return Keyring.parse(keys, KEYS_ENV)
    if key_file is not None:
        return read_key_file(key_file)
    if sqlite_file(url) is None and make_url(url).drivername.startswith("sqlite"):
        log.info("In-memory database: using a throwaway encryption key for this process")
        return Keyring((generate_key(),), "a throwaway key for an in-memory database")
    beside = default_key_file(url)
    if beside is None:
        raise KeyringError(
            "No encryption key is configured, and sendbot will not start against a server "
            f"database without one. Set {KEYS_ENV} (keys separated by commas, newest first) or "
            f"{KEY_FILE_ENV} (a file with one key per line, newest first). Make a key with "
            "`sendbot keys generate`, and keep it somewhere other than the database's backups."
        )
    if not beside.exists():
        _create_key_file(beside)
    return read_key_file(beside)


def keyring_from_settings(url: str) -> Keyring:
    settings = get_settings()
    keys = settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
    return load_keyring(url, keys, settings.encryption_key_file)


# --- the column type -------------------------------------------------------------------------


class EncryptedText(TypeDecorator[str]):
    """Text in Python, a Fernet token in the database; the key follows the engine."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        # The last line of defence: text that reached the store uncleaned (half an emoji
        # cannot be encoded) is cleaned rather than failing the whole transaction.
        return keyring_of(dialect).encrypt(storable(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(value)


class EncryptedJSON(EncryptedText):
    """JSON in Python, a Fernet token in the database.

    For the half-finished answers of a conversation (a concern's narrative typed but not yet
    saved): the same keys, the same rotation, and nothing readable in the raw row.
    """

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return super().process_bind_param(
            json.dumps(value, ensure_ascii=False, separators=(",", ":")), dialect
        )

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        plain = super().process_result_value(value, dialect)
        return None if plain is None else json.loads(plain)


class EncryptedBytes(EncryptedText):
    """Bytes in Python (a photo of a written note, a body map), a Fernet token in the
    database: the same keys, rotation and key check as the text beside it. The token is
    base64, so a stored image is a third larger than the file."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt_bytes(bytes(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return keyring_of(dialect).decrypt_bytes(value)


def encrypted_columns(metadata: Any) -> Iterator[tuple[str, str]]:
    """(table, column) of every encrypted column, so rotation can never miss a new one."""
    for tbl in metadata.sorted_tables:
        for col in tbl.columns:
            if isinstance(col.type, EncryptedText):
                yield tbl.name, col.name


# --- rotation --------------------------------------------------------------------------------


@dataclass
class ColumnRotation:
    table: str
    column: str
    seen: int = 0
    reencrypted: int = 0
    encrypted_plaintext: int = 0


def _raw(table_name: str, column_name: str) -> Any:
    """The column as plain Text, so values pass through without the type's encryption."""
    return table(table_name, column("id", Integer), column(column_name, Text))


def rotate(
    engine: Engine,
    keyring: Keyring,
    columns: Iterable[tuple[str, str]],
    batch_size: int = 500,
) -> list[ColumnRotation]:
    """Re-encrypt every value under the newest key, one transaction per batch.

    Values already under the newest key, with its fingerprint, are left alone, so a second
    run (or a run resumed after a crash) does nothing more; a bare token from before
    fingerprints were stored is rewritten with one, even under the newest key. An update only lands if the value is still the one
    read, so a change written meanwhile by the bot is never overwritten. Text stored before
    encryption was turned on is encrypted. A token no configured key opens stops the run
    rather than being encrypted twice.
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    report: list[ColumnRotation] = []
    for table_name, column_name in columns:
        raw = _raw(table_name, column_name)
        value_col = raw.c[column_name]
        done = ColumnRotation(table_name, column_name)
        last_id = 0
        while True:
            with engine.begin() as conn:
                rows: Sequence[Any] = conn.execute(
                    select(raw.c.id, value_col)
                    .where(raw.c.id > last_id, value_col.is_not(None))
                    .order_by(raw.c.id)
                    .limit(batch_size)
                ).all()
                for row_id, stored in rows:
                    done.seen += 1
                    if keyring.is_current(stored):
                        continue
                    if looks_like_token(stored):
                        fresh = keyring.reencrypt(stored)
                        done.reencrypted += 1
                    else:
                        fresh = keyring.encrypt(stored)
                        done.encrypted_plaintext += 1
                    conn.execute(
                        update(raw)
                        .where(raw.c.id == row_id, value_col == stored)
                        .values({column_name: fresh})
                    )
            if len(rows) < batch_size:
                break
            last_id = rows[-1][0]
        report.append(done)
    return report


# --- which key wrote what --------------------------------------------------------------------

NO_FINGERPRINT = "bare"  # a Fernet token written before fingerprints were stored
NOT_ENCRYPTED = "plain"  # text stored before encryption was turned on


def count_by_key(engine: Engine, columns: Iterable[tuple[str, str]]) -> dict[str, int]:
    """How many stored values each key wrote, by fingerprint, read without decrypting.

    Counted in the database (only the prefix is read, never a photo), so it is quick on a
    large store. NO_FINGERPRINT and NOT_ENCRYPTED count the values that name no key."""
    start = len(ENVELOPE) + 2
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table_name, column_name in columns:
            value = _raw(table_name, column_name).c[column_name]
            label = case(
                (value.like(f"{ENVELOPE}.%"), func.substr(value, start, _FINGERPRINT_LENGTH)),
                (value.like("gAAAAA%"), literal_column(f"'{NO_FINGERPRINT}'")),
                else_=literal_column(f"'{NOT_ENCRYPTED}'"),
            ).label("key")
            written = select(label).where(value.is_not(None)).subquery()
            rows = conn.execute(select(written.c.key, func.count()).group_by(written.c.key)).all()
            for key_fingerprint, number in rows:
                counts[key_fingerprint] = counts.get(key_fingerprint, 0) + number
    return counts
