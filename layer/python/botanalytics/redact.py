"""The privacy setting: mask personal data in a record body before it leaves the function.

``Redactor(emails=True, phones=True, cards=True, fields=("ssn",))`` or
``Redactor.from_setting("email,phone,card,field:ssn,field:dob")`` (the value of ``BOTANALYTICS_REDACT``;
``all`` means the three kinds; ``none``/``off``/empty means nothing). ``redact(body)`` returns a new body:
JSON values are copied (dicts, lists; tuples become lists), the input is never modified.

What is masked, in string values only (numbers are never touched, so integer timestamps and ids
survive; dict keys are kept):

* **e-mail addresses** → ``[email]``.
* **card numbers**: 13–19 digits, optionally grouped by single spaces or hyphens, that pass the Luhn
  check and have an issuer's length and leading digits (13: Visa ``4``; 14: Diners ``30/36/38``; 15:
  Amex ``34/37``; 16–19: ``2``–``6``) → ``[card]``. The issuer rule keeps 13-digit millisecond
  timestamps (``1…``–``3…`` until the year 2096) and snowflake ids from being taken for cards when their
  digits happen to pass Luhn.
* **phone numbers** → ``[phone]``: ``+`` followed by 8–15 digits (E.164, separators allowed:
  ``+1 (415) 555-2671``, ``+442079460958``), and national formats written with separators, 9–15
  digits in at least two groups (``(415) 555-2671``, ``415-555-2671``, ``415.555.2671``,
  ``020 7946 0958``, ``01 23 45 67 89``). Not masked: runs of digits without ``+`` or separators
  (ids, epoch timestamps), digit groups inside a larger token (a UUID such as a Lambda request id,
  ``c0ffee00-0000-4000-8000-000000000001``), dates, IP addresses, decimals (``1704110400.123``).
* **listed fields**: the value under a key named in ``fields`` (case-insensitive, ``-`` and ``_``
  alike), at any depth and whatever its type → ``[redacted]``.

Recursion is bounded (``max_depth``; a deeper subtree is replaced by ``[redacted]`` rather than passed
unmasked) and nothing here raises: on an internal error the body is replaced by ``{"redacted": true}``
sooner than sent unmasked.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any, Iterable, List, Optional, Tuple

logger = logging.getLogger("botanalytics")

ENV = "BOTANALYTICS_REDACT"

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
FIELD_MASK = "[redacted]"

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}"
    r"[A-Za-z]{2,24}(?![\w\-])"
)
_CARD = re.compile(r"(?<![\w\-.+])\d(?:[ \-]?\d){12,18}(?![\w\-]|[.,]\d)")
_PHONE = re.compile(
    r"(?<![\w+\-./])(\+)?(\(?\d{1,15}\)?(?:(?:[ .\-]|\) ?| \()\(?\d{1,8}\)?){0,9})(?![\w\-]|[.,/:]\d)"
)
_DIGITS = re.compile(r"\d+")
_DATE_LIKE = re.compile(r"^\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|^\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_sub(match: "re.Match[str]") -> str:
    text = match.group(0)
    digits = text.replace(" ", "").replace("-", "")
    if _issuer_ok(digits) and luhn_ok(digits):
        return CARD_MASK
    return text


def _issuer_ok(digits: str) -> bool:
    """The lengths and leading digits that issuers use (Visa 13/16/19 from 4; Diners 14 from 30/36/38;
    Amex 15 from 34/37; 16-19 from 2-6: Mastercard, Mir, Discover, JCB, UnionPay, Maestro)."""
    size = len(digits)
    if size == 13:
        return digits[0] == "4"
    if size == 14:
        return digits[:2] in ("30", "36", "38")
    if size == 15:
        return digits[:2] in ("34", "37")
    return 16 <= size <= 19 and digits[0] in "23456"


def _is_phone(plus: bool, text: str) -> bool:
    groups = _DIGITS.findall(text)
    count = sum(len(g) for g in groups)
    if plus:
        return 8 <= count <= 15
    if len(groups) < 2 or not 9 <= count <= 15:
        return False
    if max(len(g) for g in groups) > 8 or any(len(g) < 2 for g in groups[1:]):
        return False
    if _DATE_LIKE.match(text):
        return False
    if "." in text:  # dotted: only the North-American 3.3.4 form (IPs, versions and decimals stay)
        return [len(g) for g in groups] == [3, 3, 4] and text.count(".") == 2
    return True


def _phone_sub(match: "re.Match[str]") -> str:
    text = match.group(0)
    plus = match.group(1) is not None
    if _is_phone(plus, match.group(2)):
        return PHONE_MASK
    # The run may hold several numbers ("+1 800 555 1234 1-800-555-1234"): take the longest leading
    # run of groups that is a phone number, then look again at the rest.
    ends = [m.end() for m in _DIGITS.finditer(text)]
    start = 1 if plus else 0
    cuts = [cut for cut in reversed(ends[1:-1]) if _is_phone(plus, text[start:cut])]
    # best: the rest is one phone number too, split where the writer put a space
    for cut in sorted(cuts, key=lambda c: text[c : c + 1] != " "):
        rest = text[cut:].lstrip(" .-")
        if rest and _is_phone(rest.startswith("+"), rest.lstrip("+")):
            return PHONE_MASK + _PHONE.sub(_phone_sub, text[cut:])
    if cuts:
        return PHONE_MASK + _PHONE.sub(_phone_sub, text[cuts[0] :])
    if len(ends) > 1:
        return text[: ends[0]] + _PHONE.sub(_phone_sub, text[ends[0] :])
    return text


def _norm_field(name: str) -> str:
    return name.strip().lower().replace("-", "_")


class Redactor:
    """Masks e-mail addresses, phone numbers, card numbers and listed fields (module docstring)."""

    MAX_DEPTH = 64

    def __init__(
        self,
        emails: bool = True,
        phones: bool = True,
        cards: bool = True,
        fields: Iterable[str] = (),
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.emails = bool(emails)
        self.phones = bool(phones)
        self.cards = bool(cards)
        names = [fields] if isinstance(fields, str) else list(fields or ())
        self.fields: Tuple[str, ...] = tuple(
            sorted({_norm_field(f) for f in names if isinstance(f, str) and f.strip()})
        )
        self._field_set = frozenset(self.fields)
        self.max_depth = max_depth if isinstance(max_depth, int) and max_depth > 0 else self.MAX_DEPTH

    def __repr__(self) -> str:
        return (
            f"Redactor(emails={self.emails}, phones={self.phones}, cards={self.cards}, "
            f"fields={self.fields!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Redactor):
            return NotImplemented
        return repr(self) == repr(other)

    @property
    def enabled(self) -> bool:
        return self.emails or self.phones or self.cards or bool(self.fields)

    @classmethod
    def from_setting(cls, setting: Optional[str]) -> "Redactor":
        """``"email,phone,card,field:ssn,field:dob"``, ``"all"``, ``"all,field:password"``, ``"none"``.

        Unknown words are logged once (without their value) and ignored; this never raises.
        """
        emails = phones = cards = False
        fields: List[str] = []
        for raw in str(setting or "").replace(";", ",").split(","):
            word = raw.strip()
            low = word.lower()
            if not low or low in ("none", "off", "false", "0", "no"):
                continue
            if low in ("all", "true", "1", "yes", "on"):
                emails = phones = cards = True
            elif low in ("email", "emails", "e-mail", "mail"):
                emails = True
            elif low in ("phone", "phones", "tel", "msisdn"):
                phones = True
            elif low in ("card", "cards", "pan", "credit_card", "credit-card"):
                cards = True
            elif low.startswith(("field:", "fields:")):
                fields.extend(n for n in word.split(":", 1)[1].split("|") if n.strip())
            else:
                logger.warning(
                    "botanalytics: %s has an unknown item (ignored); known: all, email, phone, "
                    "card, field:<name>",
                    ENV,
                )
        return cls(emails=emails, phones=phones, cards=cards, fields=fields)

    @classmethod
    def from_env(cls) -> "Redactor":
        return cls.from_setting(os.environ.get(ENV, ""))

    # ---------------------------------------------------------------------------------- redaction

    def redact_text(self, text: str) -> str:
        try:
            if self.emails and "@" in text:
                text = _EMAIL.sub(EMAIL_MASK, text)
            if self.cards:
                text = _CARD.sub(_card_sub, text)
            if self.phones:
                text = _PHONE.sub(_phone_sub, text)
            return text
        except Exception:
            return FIELD_MASK

    def redact(self, body: Any) -> Any:
        """A copy of ``body`` with personal data masked (``body`` itself when nothing is enabled)."""
        if not self.enabled:
            return body
        try:
            return self._walk(body, 0)
        except Exception:  # RecursionError, a hostile __str__, ...: never send it unmasked
            logger.debug("botanalytics: redaction failed; the body is dropped", exc_info=True)
            return {"redacted": True}

    def _walk(self, value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            if depth >= self.max_depth:
                return FIELD_MASK
            out = {}
            for key, item in value.items():
                if self._field_set and isinstance(key, str) and _norm_field(key) in self._field_set:
                    out[key] = FIELD_MASK
                else:
                    out[key] = self._walk(item, depth + 1)
            return out
        if isinstance(value, (list, tuple)):
            if depth >= self.max_depth:
                return FIELD_MASK
            return [self._walk(item, depth + 1) for item in value]
        return value


def redact(body: Any, setting: Optional[str] = None) -> Any:
    """One-off: ``Redactor.from_setting(setting or $BOTANALYTICS_REDACT).redact(body)``."""
    redactor = Redactor.from_setting(setting) if setting is not None else Redactor.from_env()
    return redactor.redact(body)


__all__ = ["ENV", "Redactor", "luhn_ok", "redact"]
