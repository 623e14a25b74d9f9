"""The languages sendbot writes to parents in, and how a guardian's stored choice maps to one.

The list follows domain/LANGUAGES.md: the home languages most spoken by pupils' families in
English schools, plus Romanian (now far more common than the 2015 census table shows),
Spanish and Ukrainian. Script matters as much as language: Panjabi is shipped in Gurmukhi
only, so a family who reads Shahmukhi gets English plus an interpreter offer rather than
a script they may not read.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale


@dataclass(frozen=True)
class Language:
    code: str  # catalog folder under locales/ and the Babel locale
    english_name: str
    native_name: str
    rtl: bool
    translator_code: str  # the code a LibreTranslate server uses

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)


ENGLISH = Language("en_GB", "English", "English", False, "en")

PARENT_LANGUAGES: tuple[Language, ...] = (
    Language("pl", "Polish", "polski", False, "pl"),
    Language("ro", "Romanian", "română", False, "ro"),
    Language("ur", "Urdu", "اردو", True, "ur"),
    Language("pa_Guru", "Panjabi (Gurmukhi)", "ਪੰਜਾਬੀ (ਗੁਰਮੁਖੀ)", False, "pa"),
    Language("bn", "Bengali", "বাংলা", False, "bn"),
    Language("ar", "Arabic", "العربية", True, "ar"),
    Language("so", "Somali", "Soomaali", False, "so"),
    Language("pt_PT", "Portuguese", "português", False, "pt"),
    Language("es", "Spanish", "español", False, "es"),
    Language("uk", "Ukrainian", "українська", False, "uk"),
    Language("gu", "Gujarati", "ગુજરાતી", False, "gu"),
    Language("ta", "Tamil", "தமிழ்", False, "ta"),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in (ENGLISH, *PARENT_LANGUAGES)}

# What a roster export or a language picker may store in Guardian.preferred_language.
_ALIASES: dict[str, str] = {
    "en": "en_GB",
    "english": "en_GB",
    "polish": "pl",
    "romanian": "ro",
    "urdu": "ur",
    "pa": "pa_Guru",
    "panjabi": "pa_Guru",
    "punjabi": "pa_Guru",
    "bengali": "bn",
    "bangla": "bn",
    # domain/LANGUAGES.md: Sylheti speakers usually read Bengali.
    "syl": "bn",
    "sylheti": "bn",
    "arabic": "ar",
    "somali": "so",
    "pt": "pt_PT",
    "pt_br": "pt_PT",
    "portuguese": "pt_PT",
    "spanish": "es",
    "ukrainian": "uk",
    "gujarati": "gu",
    "tamil": "ta",
}

_ARABIC_SCRIPT = {"arab", "shahmukhi", "perso-arabic"}


def resolve(language: str | None, script: str | None = None) -> Language:
    """The shipped language to write in; English when we have no catalog for this choice.

    Never guesses a script: Panjabi asked for in Shahmukhi (Arabic script) falls back to
    English, because sending Gurmukhi to someone who reads Shahmukhi helps nobody.
    """
    if not language:
        return ENGLISH
    key = language.strip().replace("-", "_")
    low = key.lower()
    parts = low.split("_")
    if parts[0] == "pa" or low in {"panjabi", "punjabi"}:
        wanted = (script or (parts[1] if len(parts) > 1 else "")).lower()
        if wanted in _ARABIC_SCRIPT:
            return ENGLISH
        return BY_CODE["pa_Guru"]
    for candidate in (key, _ALIASES.get(low), _ALIASES.get(parts[0]), parts[0]):
        if candidate and candidate in BY_CODE:
            return BY_CODE[candidate]
    return ENGLISH


def lacks_catalog(language: str | None, script: str | None = None) -> bool:
    """The guardian asked for a language (or script) we have no catalog for, so they are
    written to in plain English; False for English itself and for no choice at all."""
    if not language or not language.strip() or resolve(language, script) is not ENGLISH:
        return False
    return language.strip().replace("-", "_").lower().split("_")[0] not in {"en", "english"}


def shipped_codes() -> list[str]:
    """Catalog codes for parents, in the order a language picker should offer them."""
    return [lang.code for lang in PARENT_LANGUAGES]
