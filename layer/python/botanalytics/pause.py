"""Live person takeover (hybrid mode): keep the bot silent while a human agent talks to a user.

Botanalytics' live chat posts ``{"userId": "<PSID>", "paused": true|false}`` to the pause webhook you
registered with the livechat settings call. This module gives you that webhook, ready to deploy as its own
Lambda handler (Function URL, HTTP API, REST API or ALB), and the check your bot makes before answering.
The paused state lives in DynamoDB, so every container of every function sees it.

Configuration (environment)
    ``BOTANALYTICS_PAUSE_TABLE``          table name; partition key ``user_id`` (string). Items hold
                                          ``paused`` (bool) and ``updated_ms`` (number).
    ``BOTANALYTICS_PAUSE_SECRET``         optional: when set, the webhook answers 403 unless the request
                                          carries it as ``?secret=`` in the URL or an
                                          ``X-Botanalytics-Pause-Secret`` header (put it in the URL you
                                          register as ``webhook_url``).
    ``BOTANALYTICS_DYNAMODB_ENDPOINT``    optional endpoint override (a local DynamoDB for tests).

Example::

    # pause.py, deployed with a Function URL whose address is the livechat webhook_url
    from botanalytics.pause import pause_webhook_handler as handler

    # bot.py
    import botanalytics
    from botanalytics.pause import skip_when_paused

    @botanalytics.track                 # the user's message is still recorded while paused
    @skip_when_paused()                 # Messenger: the PSIDs are read from the webhook itself
    def handler(event, context):
        ...

Reads are cached in the container for :data:`CACHE_SECONDS` so that the guard and the handler do not each
pay a round-trip for the same message. boto3 is imported only when the state is first read or written.
Nothing here raises into the bot: a store error reads as "not paused" (the bot answers) and is logged.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, TypeVar

logger = logging.getLogger("botanalytics")

TABLE_ENV = "BOTANALYTICS_PAUSE_TABLE"
SECRET_ENV = "BOTANALYTICS_PAUSE_SECRET"
ENDPOINT_ENV = "BOTANALYTICS_DYNAMODB_ENDPOINT"
SECRET_HEADER = "x-botanalytics-pause-secret"

#: How long a read of the paused state is trusted in this container.
CACHE_SECONDS = 1.0
#: Longest user id accepted (PSIDs are ~16 digits; DynamoDB keys may be up to 2048 bytes).
MAX_USER_ID = 256

F = TypeVar("F", bound=Callable[..., Any])


class PauseStoreError(Exception):
    """The paused state could not be read or written (no table configured, DynamoDB error)."""


# ----------------------------------------------------------------------------------- the store

_lock = threading.Lock()
_cache: Dict[str, Tuple[bool, float]] = {}
_clients: Dict[Tuple[Optional[str], Optional[str]], Any] = {}
_warned: Dict[str, bool] = {}


def _warn_once(key: str, message: str, *args: Any) -> None:
    if not _warned.get(key):
        _warned[key] = True
        logger.warning(message, *args)


def _table() -> str:
    name = os.environ.get(TABLE_ENV, "").strip()
    if not name:
        raise PauseStoreError(f"{TABLE_ENV} is not set")
    return name


def _client() -> Any:
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip() or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    key = (endpoint, region)
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # boto3 is in every Lambda Python runtime; not always outside it
        raise PauseStoreError("boto3 is not installed") from exc
    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region or "us-east-1", config=config)
    with _lock:
        _clients.setdefault(key, client)
        return _clients[key]


def _user_key(user_id: Any) -> str:
    if isinstance(user_id, bool) or not isinstance(user_id, (str, int)):
        raise ValueError("userId must be a string")
    key = str(user_id)
    if not key or len(key) > MAX_USER_ID:
        raise ValueError("userId must be a non-empty string of at most %d characters" % MAX_USER_ID)
    return key


def set_paused(user_id: Any, paused: bool) -> None:
    """Store the paused state of ``user_id``. Raises :class:`PauseStoreError` (or ``ValueError`` for a bad
    id): this is the webhook's write path, where failing loudly lets Botanalytics retry."""
    key = _user_key(user_id)
    now = int(time.time() * 1000)
    try:
        _client().put_item(
            TableName=_table(),
            Item={"user_id": {"S": key}, "paused": {"BOOL": bool(paused)}, "updated_ms": {"N": str(now)}},
            # a late, re-ordered delivery of an older webhook call must not undo a newer one
            ConditionExpression="attribute_not_exists(updated_ms) OR updated_ms <= :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except PauseStoreError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "ConditionalCheckFailedException" or "ConditionalCheckFailed" in str(exc):
            logger.info("botanalytics: pause state for a user was newer than this update; kept it")
            with _lock:
                _cache.pop(key, None)
            return
        else:
            raise PauseStoreError(f"could not store the paused state: {type(exc).__name__}") from exc
    with _lock:
        _cache[key] = (bool(paused), time.monotonic() + CACHE_SECONDS)


def is_paused(user_id: Any) -> bool:
    """True when a human has taken over the conversation with ``user_id``. Never raises: an unknown user,
    a bad id or a store error read as False (the bot answers), and the error is logged."""
    try:
        key = _user_key(user_id)
    except ValueError:
        return False
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    try:
        reply = _client().get_item(
            TableName=_table(),
            Key={"user_id": {"S": key}},
            ProjectionExpression="paused",
            ConsistentRead=True,
        )
        paused = bool(reply.get("Item", {}).get("paused", {}).get("BOOL", False))
    except PauseStoreError as exc:
        _warn_once(str(exc), "botanalytics: pause state unavailable (%s); the bot is not paused", exc)
        return False
    except Exception as exc:
        logger.warning("botanalytics: could not read pause state (%s); the bot is not paused", type(exc).__name__)
        return False
    with _lock:
        if len(_cache) > 4096:
            _cache.clear()
        _cache[key] = (paused, time.monotonic() + CACHE_SECONDS)
    return paused


def clear_cache() -> None:
    """Forget every cached read (tests; or after changing the state out of band)."""
    with _lock:
        _cache.clear()


# ----------------------------------------------------------------------------------- the webhook


def _error(status: int, message: str) -> Dict[str, Any]:
    from .platforms._helpers import proxy_response

    return proxy_response(status, json.dumps({"error_message": message}), "application/json")


def _parse_paused(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def _webhook_body(event: Any) -> Tuple[Optional[Dict[str, Any]], Any]:
    """(body, http request or None): the HTTP body of an AWS proxy event, or the event itself when the
    function is invoked directly with ``{"userId": …, "paused": …}``."""
    from .platforms._helpers import read_http

    http = read_http(event)
    if http is None:
        if isinstance(event, dict) and "userId" in event:
            return event, None
        return None, None
    data: Any = http.json()
    if data is None and http.content_type == "application/x-www-form-urlencoded":
        data = http.form()
    return (data if isinstance(data, dict) else None), http


def _secret_ok(http: Any) -> bool:
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        return True
    if http is None:
        return True  # a direct invoke is authorised by IAM, not by the shared secret
    import hmac

    given = str(http.query.get("secret") or http.headers.get(SECRET_HEADER) or "")
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def pause_webhook_handler(event: Any, context: Any = None) -> Dict[str, Any]:
    """The pause webhook, as a Lambda handler: ``{"userId": "...", "paused": true}`` → 200 ``ok``.

    400 (JSON ``error_message``) for a body that is not that, 403 when a shared secret is configured and
    missing, 405 for another method than POST, 500 when the state cannot be stored (Botanalytics may then
    retry). Never raises.
    """
    try:
        body, http = _webhook_body(event)
        if http is not None and http.method not in ("POST", "PUT"):
            return _error(405, "use POST")
        if not _secret_ok(http):
            return _error(403, "forbidden")
        if body is None:
            return _error(400, "body must be a JSON object with userId and paused")
        paused = _parse_paused(body.get("paused"))
        if paused is None:
            return _error(400, "paused must be a boolean")
        try:
            _user_key(body.get("userId"))
        except ValueError as exc:
            return _error(400, str(exc))
        try:
            set_paused(body.get("userId"), paused)
        except PauseStoreError as exc:
            logger.error("botanalytics: pause webhook: %s", exc)
            return _error(500, "could not store the paused state")
        from .platforms._helpers import proxy_response

        return proxy_response(200, "ok")
    except Exception:
        logger.exception("botanalytics: pause webhook failed")
        return _error(500, "internal error")


# ----------------------------------------------------------------------------------- the guard


def messenger_user_ids(event: Any) -> List[str]:
    """The PSIDs of the users who wrote in a Messenger webhook event (any AWS HTTP envelope)."""
    from .platforms._helpers import read_http
    from .platforms.messenger import sender_ids

    http = read_http(event)
    if http is None:
        return sender_ids(event) if isinstance(event, dict) else []
    return sender_ids(http.json())


def _as_ids(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v)]
    return []


def paused_users(user_ids: Iterable[Any]) -> List[str]:
    """Which of ``user_ids`` are paused (never raises)."""
    return [uid for uid in _as_ids(list(user_ids)) if is_paused(uid)]


def skip_when_paused(
    user_id_from: Optional[Callable[[Any], Any]] = None,
    response: Any = None,
) -> Callable[[F], F]:
    """Decorator: answer without running the handler when every user in the event is paused.

    ``user_id_from(event)`` returns a user id or a list of them; by default the Messenger PSIDs are read
    from the webhook itself. ``response`` is what the skipped invocation returns (default: an empty
    200 proxy response, which every platform accepts as "received"; a callable gets the event).
    When the event names no user, or only some of its users are paused (a batched Messenger webhook),
    the handler runs: check :func:`is_paused` per message there. Errors in the guard never stop the bot.

    Put it *inside* ``@botanalytics.track`` so the user's message is still recorded while a human answers.
    """

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        def wrapper(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
            skip = False
            try:
                ids = _as_ids(user_id_from(event) if user_id_from else messenger_user_ids(event))
                skip = bool(ids) and all(is_paused(uid) for uid in ids)
            except Exception:
                logger.warning("botanalytics: pause guard failed; the bot answers", exc_info=True)
                skip = False
            if not skip:
                return handler(event, context, *args, **kwargs)
            logger.debug("botanalytics: user paused (live person takeover); handler skipped")
            if callable(response):
                return response(event)
            if response is not None:
                return response
            from .platforms._helpers import proxy_response

            return proxy_response(200, "")

        return wrapper  # type: ignore[return-value]

    return decorate


__all__ = [
    "CACHE_SECONDS",
    "PauseStoreError",
    "clear_cache",
    "is_paused",
    "messenger_user_ids",
    "pause_webhook_handler",
    "paused_users",
    "set_paused",
    "skip_when_paused",
]
