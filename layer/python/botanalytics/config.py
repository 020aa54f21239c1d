"""Configuration: the environment first, keyword arguments override. One frozen value object.

A wrong keyword in code raises ``TypeError`` at decoration time (a programming error, found at once).
A bad environment value is logged once and the default used: configuration never stops the bot.
"""
from __future__ import annotations

import os
TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Mapping, Optional

from ._log import get_logger
from ._value import Factory, ValueObject
from .retry import RetryPolicy

logger = get_logger("botanalytics")

DEFAULT_API_URL = "https://api.botanalytics.co/v1/"
MODES = ("auto", "extension", "in-handler")


class Config(ValueObject):
    """Everything the layer needs to know. Build it with ``Config.from_env(**overrides)``.

    Fields (defaults in ``_DEFAULTS``): ``token`` (never shown by repr), ``token_secret_arn``,
    ``token_ssm_name``, ``api_url``, ``ca_bundle``; ``budget_ms`` (the most an invocation spends on
    delivery, counted from its start), ``reserve_ms`` (kept free before the Lambda deadline),
    ``send_timeout_ms`` (one whole send outside an invocation); ``enabled``, ``sample_rate``, ``debug``;
    ``platform`` (force one instead of detecting it); ``redact`` (e.g. ``"email,phone,card,field:ssn"``);
    ``capture_outgoing`` (observe the bot's calls to its platform's send API); ``mode`` (``"extension"``:
    deliver after the response, ``"in-handler"``, or ``"auto"``); ``spool_dir``; ``max_queue`` (records
    held in memory, the oldest dropped and counted beyond it); ``max_spool_files``; ``breaker_threshold``
    and ``breaker_cooldown_ms`` (the circuit breaker); ``retry`` (a ``RetryPolicy``).
    """

    __slots__ = (
        "token", "token_secret_arn", "token_ssm_name", "api_url", "ca_bundle", "budget_ms", "reserve_ms",
        "send_timeout_ms", "enabled", "sample_rate", "debug", "platform", "redact", "capture_outgoing", "mode",
        "spool_dir", "max_queue", "max_spool_files", "breaker_threshold", "breaker_cooldown_ms", "retry",
    )
    _DEFAULTS = {
        "token": None,
        "token_secret_arn": None,
        "token_ssm_name": None,
        "api_url": DEFAULT_API_URL,
        "ca_bundle": None,
        "budget_ms": 500,
        "reserve_ms": 50,
        "send_timeout_ms": 2000,
        "enabled": True,
        "sample_rate": 1.0,
        "debug": False,
        "platform": None,
        "redact": "",
        "capture_outgoing": True,
        "mode": "auto",
        "spool_dir": Factory(lambda: os.path.join(_temp_dir(), "botanalytics-spool")),
        "max_queue": 10000,
        "max_spool_files": 10000,
        "breaker_threshold": 3,
        "breaker_cooldown_ms": 1000,
        "retry": Factory(RetryPolicy),
    }

    def __repr__(self) -> str:  # the token never appears, not even masked by length
        shown = {name: getattr(self, name) for name in self._FIELDS if name != "token"}
        shown["token"] = "***" if self.token else None
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def has_token_source(self) -> bool:
        return bool(self.token or self.token_secret_arn or self.token_ssm_name)

    @classmethod
    def option_names(cls) -> frozenset:
        return frozenset(cls._FIELDS)

    @classmethod
    def check_options(cls, overrides: Mapping[str, Any]) -> None:
        unknown = sorted(set(overrides) - cls.option_names())
        if unknown:
            raise TypeError(
                f"botanalytics: unknown option(s) {', '.join(unknown)}; "
                f"valid options are {', '.join(sorted(cls.option_names()))}"
            )

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "Config":
        """Read ``BOTANALYTICS_*`` variables, then apply ``overrides`` (which must be valid names)."""
        cls.check_options(overrides)
        env = os.environ if environ is None else environ
        values: Dict[str, Any] = {}
        token = env.get("BOTANALYTICS_TOKEN") or env.get("BOTANALYTICS_API_TOKEN")
        if token:
            values["token"] = token.strip()
        for name, key in (
            ("token_secret_arn", "BOTANALYTICS_TOKEN_SECRET_ARN"),
            ("token_ssm_name", "BOTANALYTICS_TOKEN_SSM_NAME"),
            ("ca_bundle", "BOTANALYTICS_CA_BUNDLE"),
            ("platform", "BOTANALYTICS_PLATFORM"),
            ("redact", "BOTANALYTICS_REDACT"),
            ("spool_dir", "BOTANALYTICS_SPOOL_DIR"),
        ):
            if env.get(key):
                values[name] = env[key].strip()
        for name, key, parse in _PARSED_ENV:
            raw = env.get(key)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[name] = parse(raw.strip())
            except ValueError as exc:
                logger.warning("botanalytics: ignoring %s (%s); using the default", key, exc)
        if env.get("BOTANALYTICS_API_URL"):
            values["api_url"] = env["BOTANALYTICS_API_URL"].strip()
        values.update(overrides)
        return cls._checked(values, from_code=set(overrides))

    @classmethod
    def _checked(cls, values: Dict[str, Any], from_code: set) -> "Config":
        """Validate each value; a bad one from code raises, a bad one from the environment is logged."""
        defaults = cls()
        for name, check in _CHECKS.items():
            if name not in values:
                continue
            problem = check(values[name])
            if problem:
                if name in from_code:
                    raise ValueError(f"botanalytics: option {name}: {problem}")
                logger.warning("botanalytics: ignoring %s (%s); using the default", name, problem)
                values[name] = getattr(defaults, name)
        if "api_url" in values and not values["api_url"].endswith("/"):
            values["api_url"] += "/"
        return cls(**values)


def _temp_dir() -> str:
    """Where ``tempfile.gettempdir()`` would look first (TMPDIR on the local runtime), without importing
    ``tempfile``; ``/tmp`` on Lambda."""
    for name in ("TMPDIR", "TEMP", "TMP"):
        if os.environ.get(name):
            return os.environ[name]
    return "/tmp"


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(f"must be > 0, got {value}")
    return value


def _rate(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {value}")
    return value


_PARSED_ENV = (
    ("budget_ms", "BOTANALYTICS_BUDGET_MS", _positive_int),
    ("enabled", "BOTANALYTICS_ENABLED", _bool),
    ("sample_rate", "BOTANALYTICS_SAMPLE_RATE", _rate),
    ("debug", "BOTANALYTICS_DEBUG", _bool),
    ("capture_outgoing", "BOTANALYTICS_CAPTURE_OUTGOING", _bool),
    ("mode", "BOTANALYTICS_MODE", str),
    ("max_queue", "BOTANALYTICS_MAX_QUEUE", _positive_int),
)


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    import ipaddress  # only for a plain-http URL

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_api_url(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return "must be a URL string"
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if not parts.hostname:
        return f"not a URL: {value!r}"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return None
    return "HTTPS is required (plain http:// only for loopback addresses)"


def _check_range(low: float, high: float) -> Callable[[Any], Optional[str]]:
    def check(value: Any) -> Optional[str]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            return f"must be a number between {low} and {high}"
        return None

    return check


def _check_mode(value: Any) -> Optional[str]:
    return None if value in MODES else f"must be one of {', '.join(MODES)}"


_CHECKS: Dict[str, Callable[[Any], Optional[str]]] = {
    "api_url": _check_api_url,
    "budget_ms": _check_range(1, 900_000),
    "reserve_ms": _check_range(0, 900_000),
    "send_timeout_ms": _check_range(1, 900_000),
    "sample_rate": _check_range(0.0, 1.0),
    "max_queue": _check_range(1, 10_000_000),
    "max_spool_files": _check_range(0, 10_000_000),
    "mode": _check_mode,
}
