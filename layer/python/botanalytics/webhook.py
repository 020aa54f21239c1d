"""A webhook request as platform modules see it, whatever AWS envelope it arrived in.

``envelope.read_request(event)`` builds one of these from API Gateway REST (v1), HTTP API (v2),
Function URL and ALB events; ``envelope.read_response(response)`` reads the handler's proxy response.
"""
from __future__ import annotations

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

from ._value import Factory, ValueObject


class HttpMessage(ValueObject):
    """Headers are lower-cased; a header sent several times is joined with ``", "``."""
    # headers: Dict[str, str] = field(default_factory=dict)
    # body: bytes = b""
    __slots__ = ("headers", "body")
    _DEFAULTS = {"headers": Factory(dict), "body": b""}

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> Optional[str]:
        """The body as UTF-8 text, or None when it is not valid UTF-8."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        text = self.text()
        if not text:
            return None
        import json

        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return None

    def form(self) -> Dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (last value wins)."""
        text = self.text()
        if not text:
            return {}
        from urllib.parse import parse_qsl

        return dict(parse_qsl(text, keep_blank_values=True))


class HttpRequest(HttpMessage):
    # method: str = "POST"
    # path: str = "/"
    # query: Dict[str, str] = field(default_factory=dict)
    # source: str = ""  # which envelope: "apigw-rest", "apigw-http", "function-url", "alb"
    __slots__ = ("method", "path", "query", "source")
    _DEFAULTS = {"method": "POST", "path": "/", "query": Factory(dict), "source": ""}


class HttpResponse(HttpMessage):
    # status: int = 200
    __slots__ = ("status",)
    _DEFAULTS = {"status": 200}
