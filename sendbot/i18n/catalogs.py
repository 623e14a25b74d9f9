"""Loading the parent catalogs: compiled from the .po files in memory at first use.

`*.mo` files are git-ignored, so a fresh clone or an editable install must work with no
extra build step; compiling from the .po each time a process starts (and again whenever a
.po file changes on disk) also means a stale compiled catalog can never be served.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from gettext import GNUTranslations, NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sendbot.i18n.languages import PARENT_LANGUAGES

log = logging.getLogger(__name__)

DOMAIN = "parents"
# A message a fluent speaker has checked carries a translator comment starting with this.
REVIEWED_MARK = "reviewed-by:"


def locales_dir() -> Path:
    """`locales/` inside the package, in a checkout and an installed wheel alike, unless configured."""
    configured = os.environ.get("SENDBOT_LOCALES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "locales"


def template_path(base: Path | None = None) -> Path:
    return (base or locales_dir()) / f"{DOMAIN}.pot"


def po_path(code: str, base: Path | None = None) -> Path:
    return (base or locales_dir()) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


@dataclass
class _Loaded:
    mtime_ns: int
    translations: NullTranslations
    # Msgids (the singular for a plural) translated here that no fluent speaker has checked:
    # a message using one of them tells the parent a computer translated it.
    unreviewed: frozenset[str] = frozenset()


_cache: dict[str, _Loaded] = {}
_lock = threading.Lock()


def is_reviewed(message: Message) -> bool:
    """A fluent speaker checked it: a `# reviewed-by: ...` translator comment, not fuzzy."""
    return not message.fuzzy and any(
        c.strip().lower().startswith(REVIEWED_MARK) for c in message.user_comments
    )


def is_translated(message: Message) -> bool:
    """Used for parents: not fuzzy, and every form has words."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(f and f.strip() for f in forms)


def _singular(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def _compile(path: Path, code: str, mtime: int) -> _Loaded:
    catalog = read_catalog(path, locale=code)
    buffer = BytesIO()
    # Fuzzy entries are left out on purpose: an unsure translation falls back to English.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    unreviewed = frozenset(
        _singular(m) for m in catalog if m.id and is_translated(m) and not is_reviewed(m)
    )
    return _Loaded(mtime, GNUTranslations(buffer), unreviewed)


_NONE = _Loaded(0, NullTranslations())


def _loaded(code: str) -> _Loaded:
    path = po_path(code)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return _NONE
    key = str(path)
    with _lock:
        loaded = _cache.get(key)
        if loaded is None or loaded.mtime_ns != mtime:
            try:
                loaded = _compile(path, code, mtime)
            except Exception:  # a broken catalog must not stop English messages going out
                log.exception("could not compile the %s catalog; writing English", code)
                loaded = _Loaded(mtime, NullTranslations())
            _cache[key] = loaded
        return loaded


def translations(code: str) -> NullTranslations:
    """The compiled catalog for a language code; English (the msgids) when there is none."""
    return _loaded(code).translations


def unreviewed(code: str) -> frozenset[str]:
    """The msgids this catalog translates that no fluent speaker has marked reviewed yet."""
    return _loaded(code).unreviewed


def warm_up() -> list[str]:
    """Compile every parent catalog now (call at start-up); returns the codes that loaded."""
    ok = []
    for lang in PARENT_LANGUAGES:
        if isinstance(translations(lang.code), GNUTranslations):
            ok.append(lang.code)
        else:
            log.warning("no usable catalog for %s: parents will get English", lang.code)
    return ok
