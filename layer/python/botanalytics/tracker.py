"""``@botanalytics.track``: wraps a Lambda handler and reports each conversation turn.

Flow of one invocation: detect the platform, submit what is already known (the user's message) so the
delivery thread sends it while the handler runs, call the handler (outside any guard), submit what the
response adds, then wait for delivery until the deadline = min(start + budget, Lambda deadline - reserve).
The handler's return value is returned as the same object; its exceptions propagate unchanged.
"""
from __future__ import annotations

import functools
import os
import threading
import time

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, overload

    Handler = TypeVar("Handler", bound=Callable[..., Any])
else:
    def overload(function):  # the typed signatures below are for type checkers; the last def wins
        return function

from ._log import DEBUG, INFO, WARNING, get_logger
from . import platforms
from .config import Config
from .dispatcher import Dispatcher, for_config
from .guard import count, guarded, log_once
from .record import Record
from .retry import Deadline

logger = get_logger("botanalytics")
WRAPPED_MARKER = "__botanalytics_wrapped__"
_inside = threading.local()  # .active while a tracked handler runs on this thread


class Tracker:
    """The per-handler state behind a wrapped handler."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.dispatcher: Optional[Dispatcher] = None
        if not config.enabled:
            log_once("disabled", INFO, "botanalytics: disabled by configuration")
        elif not config.has_token_source:
            log_once("no-token", WARNING,
                     "botanalytics: no token (set BOTANALYTICS_TOKEN or BOTANALYTICS_TOKEN_SECRET_ARN); "
                     "sending is disabled and the bot is unaffected")
        else:
            self.dispatcher = for_config(config)
            if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # frozen between invocations: send only in one
                self.dispatcher.hold_between_invocations = True
            self.dispatcher.start()  # warms the connection during init, in parallel with user imports
            with guarded("extension registration"):
                from . import extension

                extension.ensure_registered(config.mode)  # synchronously, while the module is imported
            with guarded("shutdown hook"):
                from . import shutdown

                shutdown.install()  # SIGTERM (Python 3.12+ runtimes): one last bounded flush
            # (the capture of outgoing replies hooks http.client at the first turn of a webhook platform)
        if config.debug:
            logger.setLevel(DEBUG)

    @property
    def active(self) -> bool:
        return self.dispatcher is not None

    def deadline_for(self, context: Any, started: float) -> Deadline:
        """min(started + budget, Lambda deadline - reserve)."""
        deadline = Deadline(started + self.config.budget_ms / 1000.0)
        remaining_ms = _remaining_ms(context)
        if remaining_ms is not None:
            lambda_deadline = Deadline(time.monotonic() + (remaining_ms - self.config.reserve_ms) / 1000.0)
            deadline = deadline.earliest(lambda_deadline)
        return deadline

    def invoke(self, handler: Callable[..., Any], event: Any, context: Any, args: Tuple[Any, ...],
                kwargs: Dict[str, Any]) -> Any:
        if self.dispatcher is None or getattr(_inside, "active", False):
            # Not sending, or already inside a tracked call (a second wrapper that the marker did not
            # reveal, e.g. under a decorator that does not copy attributes): report each turn once.
            return handler(event, context, *args, **kwargs)
        _inside.active = True
        try:
            return self._invoke(handler, event, context, args, kwargs)
        finally:
            _inside.active = False

    def _invoke(self, handler: Callable[..., Any], event: Any, context: Any, args: Tuple[Any, ...],
                kwargs: Dict[str, Any]) -> Any:
        assert self.dispatcher is not None
        started = time.monotonic()
        turn = None
        with guarded("before handler"):
            turn = self._before(event, context, started)
        try:
            response = handler(event, context, *args, **kwargs)
        except BaseException:
            with guarded("after handler error"):
                self._after(turn, context, started, None)  # what the turn had (e.g. the user's message)
            raise
        with guarded("after handler"):
            self._after(turn, context, started, response)
        return response

    # -- steps ------------------------------------------------------------------------------------
    def _before(self, event: Any, context: Any, started: float) -> Optional["_TurnState"]:
        assert self.dispatcher is not None
        if self.config.sample_rate < 1.0 and _random() >= self.config.sample_rate:
            count("sampled_out")
            return None
        from . import capture, envelope, extension

        if not extension.active():  # after-response mode sends nothing while the caller waits
            self.dispatcher.begin_invocation(self.deadline_for(context, started))

        request_id = _request_id(context)
        turn = platforms.Turn(event, envelope.read_request(event), request_id, context)
        platform = platforms.detect(turn, only=self.config.platform)
        state = _TurnState(turn, platform)
        capture.begin(platform if self.config.capture_outgoing else None, state.captured)
        if platform is None:
            count("not_bot_traffic")
            return state
        self.dispatcher.submit(_stamp(platform.incoming(turn), request_id))
        return state

    def _after(self, state: Optional["_TurnState"], context: Any, started: float, response: Any) -> None:
        records: List[Record] = []
        if state is not None and state.platform is not None:
            with guarded("platform outgoing"):  # a platform bug must not skip the handover below
                from . import envelope

                http = state.turn.http
                http_response = envelope.read_response(response, source=http.source) if http is not None else None
                records = _stamp(state.platform.outgoing(state.turn, response, http_response), state.turn.request_id)
        self._finish(state, context, started, records)

    def _finish(self, state: Optional["_TurnState"], context: Any, started: float, records: List[Record]) -> None:
        assert self.dispatcher is not None
        from . import capture, extension

        capture.end()
        if state is not None:
            records = records + _stamp(state.captured, state.turn.request_id)
            if records:
                self.dispatcher.submit(records)
        # Post-response mode: the budget starts now, when the caller is about to get the response.
        post_deadline = self.deadline_for(context, time.monotonic())
        if extension.deliver_after_response(self.dispatcher, post_deadline, _request_id(context)):
            return  # the internal extension waits after the response has gone (always handed over)
        if state is not None:
            deadline = self.deadline_for(context, started)
            self.dispatcher.begin_invocation(deadline)  # (opened already, unless after-response mode failed)
            if not self.dispatcher.wait(deadline):
                count("deferred_invocations")
                self.dispatcher.persist_pending()
        self.dispatcher.end_invocation()


class _TurnState:
    __slots__ = ("turn", "platform", "captured")

    def __init__(self, turn: platforms.Turn, platform: Optional[platforms.Platform]) -> None:
        self.turn = turn
        self.platform = platform
        self.captured: List[Record] = []


def _stamp(records: List[Record], request_id: Optional[str]) -> List[Record]:
    if not request_id:
        return list(records)
    return [
        r if r.request_id else Record(r.path, r.body, r.method, r.record_id, request_id, r.created_ms)
        for r in records
    ]


def _random() -> float:
    import random  # only when sampling is configured

    return random.random()


def _request_id(context: Any) -> Optional[str]:
    try:
        value = getattr(context, "aws_request_id", None)
    except Exception:  # noqa: BLE001 - a user-made context object
        return None
    return value if isinstance(value, str) else None


def _remaining_ms(context: Any) -> Optional[float]:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return None
    try:
        value = getter()
        return float(value) if value is not None else None
    except Exception:  # noqa: BLE001 - a user-made context object
        return None


@overload
def track(handler: Handler) -> Handler: ...


@overload
def track(handler: None = None, **options: Any) -> Callable[[Handler], Handler]: ...


def track(handler: Optional[Handler] = None, **options: Any) -> Any:
    """Report every conversation turn of a Lambda handler to Botanalytics.

    Example::

        import botanalytics

        @botanalytics.track
        def lambda_handler(event, context):
            ...

        @botanalytics.track(budget_ms=300, platform="alexa")
        def lambda_handler(event, context):
            ...

    Options are the fields of ``Config`` (unknown names raise ``TypeError`` here, at decoration time);
    everything else comes from ``BOTANALYTICS_*`` environment variables.
    """
    Config.check_options(options)

    def decorate(fn: Handler) -> Handler:
        if getattr(fn, WRAPPED_MARKER, False):
            return fn  # never wrap twice (decorator plus zero-code attach)
        config = Config.from_env(**options)
        tracker = Tracker(config)

        @functools.wraps(fn)
        def wrapper(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
            return tracker.invoke(fn, event, context, args, kwargs)

        setattr(wrapper, WRAPPED_MARKER, True)
        wrapper.botanalytics_tracker = tracker  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    if handler is not None:
        if not callable(handler):
            raise TypeError("botanalytics.track: use @track or @track(option=value, ...)")
        return decorate(handler)
    return decorate
