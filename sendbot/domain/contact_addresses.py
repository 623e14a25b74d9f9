"""Email addresses and phone numbers as a school's MIS exports them, made exact.

An email address is kept lower-cased and stripped (the same address typed twice is one
address). A phone number is read the way people write UK numbers: `07700 900123`,
`+44 (0)7700 900-123`, `0044 7700 900123`, `(01632) 960 001`; it becomes E.164
(`+447700900123`). Only a UK mobile number can take a text message: a landline, or a
non-geographic or premium number, is kept for staff to call but gets no texts, and so is a
number abroad (`+48 ...`: texts abroad cost more and Notify sends them only when asked).

Numbering from Ofcom's National Telephone Numbering Plan: UK numbers are ten digits after
the leading 0 (a few old area codes have nine); mobiles are 071-075 and 077-079, and
07624 (the Isle of Man's mobiles); 070 (personal numbers) and 076 (pagers) are not mobiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_PHONE_CHARACTERS = re.compile(r"[0-9 ()\-.+]+")
_MOBILE = re.compile(r"7(?:[1-57-9]\d{8}|624\d{6})")


def normalise_email(text: str) -> str:
    """The address lower-cased and stripped; ValueError if it is not one address."""
    value = text.strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("is not an email address")
    return value


@dataclass(frozen=True)
class PhoneNumber:
    e164: str  # +447700900123
    mobile: bool  # a UK mobile: can take a text message
    uk: bool = True

    @property
    def why_no_texts(self) -> str | None:
        """Why this number gets no text messages; None for a UK mobile."""
        if self.mobile:
            return None
        if not self.uk:
            return "is not a UK number"
        return "is not a mobile number"


def parse_uk_phone(text: str) -> PhoneNumber:
    """A UK phone number in E.164, and whether it is a mobile; ValueError if it is not one."""
    value = text.strip()
    if not value or not _PHONE_CHARACTERS.fullmatch(value) or value.count("+") > 1:
        raise ValueError("is not a phone number")
    if "+" in value and not value.startswith("+"):
        raise ValueError("is not a phone number")
    digits = re.sub(r"\D", "", value)
    if value.startswith("+") or digits.startswith("00"):
        # "+44 (0)7700 900123": the (0) is dialled only from inside the UK.
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("44"):
            if not 8 <= len(digits) <= 15 or digits.startswith("0"):
                raise ValueError("is not a phone number (after + come 8 to 15 digits)")
            return PhoneNumber("+" + digits, mobile=False, uk=False)
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        raise ValueError("is not a UK phone number (it should start 0 or +44)")
    if value.startswith("+") or value.startswith("00"):
        national = national.removeprefix("0")  # "+44 07700 ...": a common slip, still clear
    if national.startswith("7") and len(national) != 10:
        raise ValueError("is not a UK mobile number (11 digits, such as 07700 900123)")
    if national.startswith("0") or not 9 <= len(national) <= 10:
        raise ValueError(
            "is not a UK phone number (11 digits starting 0, such as 07700 900123, "
            "or +44 then 10 digits)"
        )
    return PhoneNumber("+44" + national, bool(_MOBILE.fullmatch(national)))
