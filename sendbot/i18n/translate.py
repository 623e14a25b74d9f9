"""Machine translation of staff free text, through a service the school chooses and trusts.

Catalogs cover everything sendbot itself says; target wording and notes written by staff
cannot come from a catalog. A school may plug in its own LibreTranslate server. Every
failure (not configured, time-out, HTTP error, an answer that makes no sense) becomes
`TranslationUnavailable`, and the caller then says plainly that the text is in English:
sendbot never pretends text was translated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import httpx

from sendbot.config import get_settings

log = logging.getLogger(__name__)

MAX_CHARS = 5000  # longer text is not sent: notes to parents are short; this is a guard


class TranslationUnavailable(Exception):
    """The text could not be translated now; show the original and say so."""


@dataclass(frozen=True)
class Translation:
    text: str
    source: str
    target: str
    engine: str  # e.g. "libretranslate", for the "translated automatically" note and audit


@dataclass(frozen=True)
class Detected:
    language: str
    confidence: float  # 0..100, as LibreTranslate reports it


class Translator(Protocol):
    name: str

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        """Translate or raise TranslationUnavailable; never returns the input as if done."""
        ...

    def detect(self, text: str) -> Detected | None:
        """The language a text is probably in, or None when unsure or unavailable."""
        ...


class LibreTranslate:
    """The /translate and /detect API of a (school's self-hosted) LibreTranslate server."""

    name = "libretranslate"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds), transport=transport, follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, payload: dict[str, object]) -> object:
        if self._api_key:
            payload["api_key"] = self._api_key
        try:
            response = self._client.post(f"{self.base_url}{path}", json=payload)
        except httpx.TimeoutException as exc:
            raise TranslationUnavailable("the translation server took too long") from exc
        except httpx.HTTPError as exc:
            raise TranslationUnavailable(f"could not reach the translation server: {exc}") from exc
        if response.status_code != 200:
            raise TranslationUnavailable(
                f"translation server said {response.status_code}: {_error_text(response)}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise TranslationUnavailable(
                "translation server sent something that is not JSON"
            ) from exc

    def translate(self, text: str, *, source: str, target: str) -> Translation:
        if not text.strip():
            return Translation(text, source, target, self.name)
        if len(text) > MAX_CHARS:
            raise TranslationUnavailable("text too long to send for translation")
        body = self._post(
            "/translate", {"q": text, "source": source, "target": target, "format": "text"}
        )
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationUnavailable("translation server sent no translated text")
        if len(translated) > 10 * len(text) + 200:
            raise TranslationUnavailable("translation server sent an implausibly long answer")
        return Translation(translated, source, target, self.name)

    def detect(self, text: str) -> Detected | None:
        try:
            body = self._post("/detect", {"q": text})
        except TranslationUnavailable as exc:
            log.info("language detection unavailable: %s", exc)
            return None
        if not isinstance(body, list) or not body or not isinstance(body[0], dict):
            return None
        language, confidence = body[0].get("language"), body[0].get("confidence")
        if not isinstance(language, str) or not isinstance(confidence, int | float):
            return None
        return Detected(language, float(confidence))


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"][:200]
    return str(body)[:200]


def translator_from_settings() -> Translator | None:
    """The school's configured translator, or None when none is configured (one per process)."""
    settings = get_settings()
    key = getattr(settings, "translator_api_key", None)
    if key is not None and hasattr(key, "get_secret_value"):
        key = key.get_secret_value()
    return _translator_for(
        getattr(settings, "translator_url", None),
        key or None,
        float(getattr(settings, "translator_timeout_seconds", 10.0)),
    )


@lru_cache(maxsize=4)
def _translator_for(url: str | None, key: str | None, timeout: float) -> Translator | None:
    return LibreTranslate(url, key, timeout) if url else None
