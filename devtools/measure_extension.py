"""Measure what ``@botanalytics.track`` costs through the local Lambda, with the local collector as the API.

    python -m devtools.measure_extension [--n 1000] [--python 3.13] [--budget-ms 100] [--json]

Three functions run side by side, each in its own frozen-between-invocations sandbox: the same toy Alexa
bot without the layer and with ``@botanalytics.track`` (post-response delivery through the internal
extension). Invocations alternate between them so that machine noise hits both alike. Reported:

* caller-facing time (``response_ms``: event delivered -> runtime posted the response), median and p99,
  for each function, and the added latency (difference of the medians and of the p99s); a third function,
  the bare bot plus a do-nothing internal extension, shows what any internal extension costs here;
* post-response time (``completion_ms - response_ms``: billed after the caller had its answer) of the
  tracked bot, with the API healthy: that is what each send costs in billed time;
* the same with the API black-holed: the largest post-response time against the budget (the breaker
  should keep most invocations near zero and none beyond the budget).

The toy functions are written to a temporary folder; nothing here depends on the tests. Reusable: the
``measure()`` function returns the numbers as a dict.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from devtools.collector.testing import running_collector
from devtools.lambda_runtime import LocalLambda, runtime_python

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layer" / "python"
EVENT = ROOT / "events" / "alexa" / "intent.json"

_BOT = """
def answer(event, context):
    return {"version": "1.0", "sessionAttributes": {"lambdaRequestId": context.aws_request_id},
            "response": {"outputSpeech": {"type": "PlainText", "text": "Your roses are ordered."},
                         "shouldEndSession": True}}
"""
_NOOP_EXTENSION = textwrap.dedent("""
    import http.client, json, os, threading

    def _call(method, path, headers, body=None):
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
        conn = http.client.HTTPConnection(host, int(port))
        conn.request(method, "/2020-01-01/extension/" + path, body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        conn.close()
        return reply

    _ID = _call("POST", "register", {"Lambda-Extension-Name": "noop"}, json.dumps({"events": ["INVOKE"]}))\
        .getheader("Lambda-Extension-Identifier")

    def _loop():
        while True:
            _call("GET", "event/next", {"Lambda-Extension-Identifier": _ID})

    threading.Thread(target=_loop, daemon=True).start()
    """)
FUNCTIONS = {
    "bare.py": _BOT + "\n\ndef handler(event, context):\n    return answer(event, context)\n",
    "noop_extension.py": _NOOP_EXTENSION
    + _BOT
    + "\n\ndef handler(event, context):\n    return answer(event, context)\n",
    "tracked.py": "import botanalytics\n"
    + _BOT
    + textwrap.dedent("""

        @botanalytics.track
        def handler(event, context):
            return answer(event, context)
        """),
}


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q / 100.0 * (len(ordered) - 1)))))
    return ordered[index]


def summary(values: List[float]) -> Dict[str, float]:
    return {
        "median": statistics.median(values),
        "p99": percentile(values, 99),
        "max": max(values),
        "n": len(values),
    }


def measure(
    n: int = 1000,
    python: str = sys.executable,
    budget_ms: int = 100,
    blackhole_n: int = 200,
    warmup: int = 20,
) -> Dict[str, Any]:
    event = json.loads(EVENT.read_text())["event"]
    with tempfile.TemporaryDirectory(prefix="measure-extension-") as code, running_collector() as api:
        for name, source in FUNCTIONS.items():
            Path(code, name).write_text(source)
        env = {
            "BOTANALYTICS_API_URL": api.url,
            "BOTANALYTICS_CA_BUNDLE": str(api.ca_file),
            "BOTANALYTICS_TOKEN": api.token,
            "BOTANALYTICS_BUDGET_MS": str(budget_ms),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        bare = LocalLambda("bare.handler", code, python=python, env=env, timeout_s=3.0)
        noop = LocalLambda("noop_extension.handler", code, python=python, env=env, timeout_s=3.0)
        tracked = LocalLambda(
            "tracked.handler", code, python=python, env=env, timeout_s=3.0, extra_pythonpath=[LAYER]
        )
        try:
            cold = {
                "bare_init_ms": bare.invoke(event).init_ms,
                "tracked_init_ms": tracked.invoke(event).init_ms,
            }
            for _ in range(warmup):
                for fn in (bare, noop, tracked):
                    fn.invoke(copy.deepcopy(event))
            stored_before = len(api.records())
            runs: Dict[str, List[Any]] = {"bare": [], "noop": [], "tracked": []}
            functions = [("bare", bare), ("noop", noop), ("tracked", tracked)]
            for i in range(n):
                for name, fn in functions[i % 3 :] + functions[: i % 3]:
                    inv = fn.invoke(event)
                    if inv.status != "ok":
                        raise RuntimeError(f"{name} invocation failed: {inv.status} {inv.error}")
                    runs[name].append(inv)
            delivered = len(api.records()) - stored_before
            healthy = {
                "bare_response_ms": summary([r.response_ms for r in runs["bare"]]),
                "tracked_response_ms": summary([r.response_ms for r in runs["tracked"]]),
                "noop_extension_response_ms": summary([r.response_ms for r in runs["noop"]]),
                "bare_post_response_ms": summary([r.post_response_ms for r in runs["bare"]]),
                "tracked_post_response_ms": summary([r.post_response_ms for r in runs["tracked"]]),
                "delivered_in_run": delivered,
            }
            healthy["added_median_ms"] = (
                healthy["tracked_response_ms"]["median"] - healthy["bare_response_ms"]["median"]
            )
            healthy["added_p99_ms"] = (
                healthy["tracked_response_ms"]["p99"] - healthy["bare_response_ms"]["p99"]
            )

            api.fault("blackhole")
            outage = [tracked.invoke(event) for _ in range(blackhole_n)]
            api.clear_fault()
            post = [r.post_response_ms for r in outage]
            blackholed = {
                "budget_ms": budget_ms,
                "post_response_ms": summary(post),
                "completion_ms": summary([r.completion_ms for r in outage]),
                "response_ms": summary([r.response_ms for r in outage]),
                "max_excess_over_budget_ms": max(post) - budget_ms,
                "invocations_paying_the_budget": sum(p >= budget_ms * 0.9 for p in post),
                "statuses": sorted({r.status for r in outage}),
            }
        finally:
            for fn in (bare, noop, tracked):
                fn.close()
    return {"python": python, "n": n, **cold, "healthy": healthy, "blackholed": blackholed}


def _print(result: Dict[str, Any]) -> None:
    h, b = result["healthy"], result["blackholed"]

    def row(label: str, s: Dict[str, float]) -> str:
        return (
            f"  {label:<34} median {s['median']:7.3f}  p99 {s['p99']:7.3f}  max {s['max']:8.3f}  (n={s['n']})"
        )

    print(f"python: {result['python']}   warm invocations per function: {result['n']}")
    print(f"cold start: bare {result['bare_init_ms']:.1f} ms, tracked {result['tracked_init_ms']:.1f} ms")
    print("API healthy:")
    print(row("caller-facing, bare (ms)", h["bare_response_ms"]))
    print(row("caller-facing, @track (ms)", h["tracked_response_ms"]))
    print(f"  added latency: median {h['added_median_ms']:+.3f} ms, p99 {h['added_p99_ms']:+.3f} ms")
    print(row("caller-facing, bare + no-op ext (ms)", h["noop_extension_response_ms"]))
    print(row("post-response (billed), bare (ms)", h["bare_post_response_ms"]))
    print(row("post-response (billed), @track (ms)", h["tracked_post_response_ms"]))
    print(f"  records delivered during the run: {h['delivered_in_run']}")
    print(f"API black-holed (budget {b['budget_ms']} ms):")
    print(row("post-response (billed) (ms)", b["post_response_ms"]))
    print(row("caller-facing (ms)", b["response_ms"]))
    print(
        f"  max excess over the budget: {b['max_excess_over_budget_ms']:+.3f} ms; invocations paying the "
        f"budget: {b['invocations_paying_the_budget']} of {b['post_response_ms']['n']}; statuses {b['statuses']}"
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="warm invocations per function (API healthy)")
    parser.add_argument(
        "--python", default=None, help="runtime Python version, e.g. 3.13 (default: this one)"
    )
    parser.add_argument("--budget-ms", type=int, default=100)
    parser.add_argument("--blackhole-n", type=int, default=200, help="invocations with the API black-holed")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    python = str(runtime_python(args.python)) if args.python else sys.executable
    started = time.monotonic()
    result = measure(n=args.n, python=python, budget_ms=args.budget_ms, blackhole_n=args.blackhole_n)
    result["python"] = args.python or "%d.%d" % sys.version_info[:2]
    result["wall_s"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
