"""One reading of the AWS envelopes a webhook arrives in, so that platform modules never see them.

``read_request(event)`` understands:

* API Gateway REST APIs (``"apigw-rest"``): ``httpMethod`` + ``requestContext`` (no ``elb``), with
  ``headers`` / ``multiValueHeaders`` and ``queryStringParameters`` / ``multiValueQueryStringParameters``.
  HTTP APIs that use payload format 1.0 send the same shape plus ``"version": "1.0"`` (``"apigw-http"``).
* API Gateway HTTP APIs, payload format 2.0 (``"apigw-http"``): ``"version": "2.0"`` and
  ``requestContext.http``; ``cookies`` and ``rawQueryString``.
* Lambda Function URLs (``"function-url"``): the 2.0 shape, told apart by ``requestContext.domainName``
  ending in ``.lambda-url.<region>.on.aws``.
* Application Load Balancer targets (``"alb"``): ``requestContext.elb``, single- or multi-value headers;
  the ALB passes query strings still percent-encoded, so they are decoded here.

Anything else (SQS, S3, SNS, EventBridge, DynamoDB/Kinesis streams, schedules, CloudFormation custom
resources, a direct invocation, ...) gives None. So does an envelope whose body cannot be read
(``isBase64Encoded`` with invalid base64, a body that is neither text nor JSON). Nothing here raises.

``read_response(response, source=None)`` reads what the handler returned for such a request.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, unquote_plus

from .webhook import HttpRequest, HttpResponse

logger = logging.getLogger("botanalytics")

APIGW_REST = "apigw-rest"
APIGW_HTTP = "apigw-http"
FUNCTION_URL = "function-url"
ALB = "alb"
SOURCES = (APIGW_REST, APIGW_HTTP, FUNCTION_URL, ALB)


def read_request(event: Any) -> Optional[HttpRequest]:
    """The webhook request carried by ``event``, or None when ``event`` is not an HTTP envelope."""
    try:
        return _read_request(event)
    except Exception:  # hostile input must never reach the handler as an exception
        logger.debug("botanalytics: could not read the HTTP envelope", exc_info=True)
        return None


def read_response(response: Any, source: Optional[str] = None) -> Optional[HttpResponse]:
    """The HTTP response a proxy-integration handler returned, or None when it cannot be read.

    A dict with ``statusCode`` is a proxy response (``headers`` / ``multiValueHeaders`` / ``cookies``,
    ``body``, ``isBase64Encoded``). Anything else is read as HTTP APIs and Function URLs read it: the value
    is the JSON body of a 200 response (a ``str`` is the body as it is). API Gateway REST APIs and ALBs
    reject such a response (the caller gets a 502), so with ``source`` set to ``"apigw-rest"`` or
    ``"alb"`` it gives None.
    """
    try:
        return _read_response(response, source)
    except Exception:
        logger.debug("botanalytics: could not read the HTTP response", exc_info=True)
        return None


# -- requests ------------------------------------------------------------------------------------------


def _read_request(event: Any) -> Optional[HttpRequest]:
    if not isinstance(event, dict):
        return None
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return None
    if isinstance(context.get("elb"), dict) and isinstance(event.get("httpMethod"), str):
        return _read_v1(event, ALB)
    if event.get("version") == "2.0" and isinstance(context.get("http"), dict):
        return _read_v2(event, context)
    if isinstance(event.get("httpMethod"), str) and ("resource" in event or "path" in event):
        return _read_v1(event, APIGW_HTTP if event.get("version") == "1.0" else APIGW_REST)
    return None


def _read_v1(event: Dict[str, Any], source: str) -> Optional[HttpRequest]:
    body = _body(event.get("body"), event.get("isBase64Encoded"))
    if body is None:
        return None
    decode: Callable[[str], str] = unquote_plus if source == ALB else _same
    headers = _headers(event.get("headers"), event.get("multiValueHeaders"))
    query = _query(event.get("queryStringParameters"), event.get("multiValueQueryStringParameters"), decode)
    path = event.get("path")
    return HttpRequest(
        headers=headers,
        body=body,
        method=str(event.get("httpMethod") or "POST").upper(),
        path=path if isinstance(path, str) and path else "/",
        query=query,
        source=source,
    )


def _read_v2(event: Dict[str, Any], context: Dict[str, Any]) -> Optional[HttpRequest]:
    body = _body(event.get("body"), event.get("isBase64Encoded"))
    if body is None:
        return None
    http = context["http"]
    headers = _headers(event.get("headers"), None)
    cookies = event.get("cookies")
    if isinstance(cookies, list):
        joined = "; ".join(c for c in cookies if isinstance(c, str))
        if joined:
            headers["cookie"] = joined
    raw_query = event.get("rawQueryString")
    if isinstance(raw_query, str) and raw_query:
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
    else:
        query = _query(event.get("queryStringParameters"), None, _same)
    path = event.get("rawPath")
    if not isinstance(path, str) or not path:
        path = http.get("path")
    domain = context.get("domainName")
    is_function_url = isinstance(domain, str) and ".lambda-url." in domain and domain.endswith(".on.aws")
    return HttpRequest(
        headers=headers,
        body=body,
        method=str(http.get("method") or "POST").upper(),
        path=path if isinstance(path, str) and path else "/",
        query=query,
        source=FUNCTION_URL if is_function_url else APIGW_HTTP,
    )


def _same(value: str) -> str:
    return value


def _body(body: Any, is_base64: Any) -> Optional[bytes]:
    """The body as bytes; None when it cannot be read (which makes the whole envelope unreadable)."""
    if body is None:
        return b""
    if isinstance(body, str):
        if is_base64 is True:
            try:
                return base64.b64decode(body.encode("ascii"), validate=True)
            except (binascii.Error, ValueError, UnicodeEncodeError):
                return None
        # "surrogatepass" keeps a lone surrogate (valid in JSON text) as bytes that are not UTF-8,
        # which HttpMessage.text() then reports as None instead of raising here.
        return body.encode("utf-8", "surrogatepass")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, (dict, list)):
        # Not what AWS sends, but what hand-written test events often contain.
        try:
            return json.dumps(body).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError, RecursionError):
            return None
    return None


def _headers(single: Any, multi: Any) -> Dict[str, str]:
    """Lower-cased names; repeated headers joined with ", ". Multi-value headers win when present."""
    out: Dict[str, str] = {}
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            if not isinstance(name, str):
                continue
            key = name.lower()
            texts = _strings(values if isinstance(values, list) else [values])
            out[key] = _join(out.get(key), ", ".join(texts))
        return out
    if isinstance(single, dict):
        for name, value in single.items():
            if not isinstance(name, str):
                continue
            texts = _strings([value])
            if texts:
                out[name.lower()] = _join(out.get(name.lower()), texts[0])
    return out


def _join(previous: Optional[str], value: str) -> str:
    return value if not previous else (previous + ", " + value if value else previous)


def _strings(values: Iterable[Any]) -> List[str]:
    out: List[str] = []
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(str(value))
    return out


def _query(single: Any, multi: Any, decode: Callable[[str], str]) -> Dict[str, str]:
    """Query parameters, last value wins (as ``HttpMessage.form`` does)."""
    out: Dict[str, str] = {}
    pairs: List[Tuple[Any, Any]] = []
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            for value in values if isinstance(values, list) else [values]:
                pairs.append((name, value))
    elif isinstance(single, dict):
        pairs = list(single.items())
    for name, value in pairs:
        if isinstance(name, str):
            texts = _strings([value])
            out[decode(name)] = decode(texts[0]) if texts else ""
    return out


# -- responses -----------------------------------------------------------------------------------------


def _read_response(response: Any, source: Optional[str]) -> Optional[HttpResponse]:
    if isinstance(response, dict) and "statusCode" in response:
        return _read_proxy_response(response)
    if source in (APIGW_REST, ALB) or response is None:
        return None
    if isinstance(response, str):
        body = response.encode("utf-8", "surrogatepass")
    else:
        try:
            body = json.dumps(response).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError, RecursionError):
            return None
    return HttpResponse(headers={"content-type": "application/json"}, body=body, status=200)


def _read_proxy_response(response: Mapping[str, Any]) -> Optional[HttpResponse]:
    status = response.get("statusCode")
    if isinstance(status, str) and status.strip().isdigit():
        status = int(status.strip())
    if not isinstance(status, int) or isinstance(status, bool):
        return None
    body = _body(response.get("body"), response.get("isBase64Encoded"))
    if body is None:
        return None
    headers = _headers(response.get("headers"), None)
    # As API Gateway does: where both name a header, the multi-value one wins.
    headers.update(_headers(None, response.get("multiValueHeaders")))
    cookies = response.get("cookies")
    if isinstance(cookies, list):
        joined = ", ".join(_strings(cookies))
        if joined:
            headers["set-cookie"] = _join(headers.get("set-cookie"), joined)
    return HttpResponse(headers=headers, body=body, status=status)


__all__ = ["ALB", "APIGW_HTTP", "APIGW_REST", "FUNCTION_URL", "SOURCES", "read_request", "read_response"]
