"""``make demo``: the local collector plus the reference bots on the sample events.

Starts the collector (HTTPS on 127.0.0.1 with a fresh test CA), points the layer at it through the
same ``BOTANALYTICS_*`` variables a user sets on Lambda, imports the reference bots from ``handlers/``
and drives each through its sample events from ``events/``, interleaving calls of the bare handler
(``__wrapped__``) and the wrapped one so that the added latency is measured in the same run. Prints,
per bot, the invocations, the added latency and the records delivered; then what the collector stored.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
DEMO_TOKEN = "demo-token-0000"

#: (bot module in handlers/, the sample-event folders it answers)
BOTS: List[Tuple[str, Tuple[str, ...]]] = [
    ("alexa_skill", ("alexa",)),
    ("lex_bot", ("lex",)),
    ("webchat", ("generic",)),
]


class DemoContext:
    def __init__(self, timeout_s: float = 3.0) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "demo"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:demo"
        self.memory_limit_in_mb = 128
        self.function_version = "$LATEST"
        self.log_group_name = "/aws/lambda/demo"
        self.log_stream_name = "demo"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_events(folder: str) -> List[Tuple[str, Dict[str, Any]]]:
    out = []
    for path in sorted((EVENTS / folder).glob("*.json")):
        with open(path, encoding="utf-8") as handle:
            out.append((f"{folder}/{path.stem}", json.load(handle)))
    return out


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_bot(module_name: str, folders: Tuple[str, ...], rounds: int, collector: Any) -> Dict[str, Any]:
    module = importlib.import_module(module_name)
    wrapped = getattr(module, "lambda_handler", None) or getattr(module, "handler")
    bare = wrapped.__wrapped__
    cases = [case for folder in folders for case in load_events(folder)]
    before = len(collector.records())
    added: List[float] = []
    for _ in range(rounds):
        for _name, case in cases:
            t0 = time.perf_counter()
            bare(case["event"], DemoContext())
            t1 = time.perf_counter()
            wrapped(case["event"], DemoContext())
            t2 = time.perf_counter()
            added.append(((t2 - t1) - (t1 - t0)) * 1000)
    return {
        "bot": module_name,
        "invocations": len(added),
        "added_p50_ms": statistics.median(added),
        "added_p99_ms": percentile(added, 0.99),
        "delivered": len(collector.records()) - before,
    }


def run_bot_in_lambda(module_name: str, folders: Tuple[str, ...], rounds: int, env: Dict[str, str]) -> Dict[str, Any]:
    """The same bot through the local Lambda (real awslambdaric, frozen between invocations): with the
    layer (post-response delivery through the internal extension) and with the layer switched off
    (``BOTANALYTICS_ENABLED=false``), invocations alternating so that noise hits both alike."""
    from devtools.lambda_runtime import LocalLambda

    cases = [case for folder in folders for _name, case in load_events(folder)]
    common = dict(code_dir=str(ROOT / "handlers"), extra_pythonpath=[str(ROOT / "layer" / "python")],
                  timeout_s=3.0)
    tracked = LocalLambda(f"{module_name}.lambda_handler", env=env, **common)
    bare = LocalLambda(f"{module_name}.lambda_handler", env=dict(env, BOTANALYTICS_ENABLED="false"), **common)
    caller_tracked: List[float] = []
    caller_bare: List[float] = []
    post_response: List[float] = []
    init_ms = {"tracked": 0.0, "bare": 0.0}
    try:
        for _ in range(rounds):
            for case in cases:
                for fn, caller, key in ((bare, caller_bare, "bare"), (tracked, caller_tracked, "tracked")):
                    inv = fn.invoke(case["event"])
                    if inv.status != "ok":
                        raise RuntimeError(f"{module_name} through the local Lambda: {inv.status} {inv.error}")
                    if inv.init_ms:
                        init_ms[key] = inv.init_ms
                        continue  # the first invocation pays init: not part of the per-invocation figures
                    caller.append(inv.response_ms)
                    if fn is tracked:
                        post_response.append(inv.completion_ms - inv.response_ms)
    finally:
        tracked.close()
        bare.close()
    return {
        "bot": module_name,
        "invocations": len(caller_tracked),
        "added_p50_ms": statistics.median(caller_tracked) - statistics.median(caller_bare),
        "added_p99_ms": percentile(caller_tracked, 0.99) - percentile(caller_bare, 0.99),
        "post_p50_ms": statistics.median(post_response),
        "post_p99_ms": percentile(post_response, 0.99),
        "init_added_ms": init_ms["tracked"] - init_ms["bare"],
    }


def main(argv: List[str] = None) -> int:  # type: ignore[assignment]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over each bot's sample events")
    parser.add_argument("--serve", action="store_true",
                        help="keep the collector and its inspector page running until Ctrl-C")
    parser.add_argument("--no-lambda", action="store_true", help="skip the run through the local Lambda")
    parser.add_argument("--inspector-port", type=int, default=0,
                        help="port of the inspector page on 127.0.0.1 (0: a free one; default)")
    parser.add_argument("--redact", default=None,
                        help="mask personal data on the inspector page (BOTANALYTICS_REDACT syntax)")
    args = parser.parse_args(argv)

    sys.path[:0] = [str(ROOT / "layer" / "python"), str(ROOT / "handlers")]
    from devtools.collector import Collector

    workdir = Path(tempfile.mkdtemp(prefix="botanalytics-demo-"))
    collector = Collector(token=DEMO_TOKEN, inspector=True, inspector_port=args.inspector_port,
                          redact=args.redact).start()
    os.environ.update({
        "BOTANALYTICS_TOKEN": DEMO_TOKEN,
        "BOTANALYTICS_API_URL": collector.url,
        "BOTANALYTICS_CA_BUNDLE": str(collector.ca_file),
        "BOTANALYTICS_SPOOL_DIR": str(workdir / "spool"),
        "POWERTOOLS_SERVICE_NAME": "demo",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    })
    print(f"collector: {collector.url} (CA {collector.ca_file})")
    print(f"inspector: {collector.inspector_url} (refreshes while the demo runs)", flush=True)
    import botanalytics

    results: List[Dict[str, Any]] = []
    for name, folders in BOTS:
        results.append(run_bot(name, folders, args.rounds, collector))
        collector.set_demo_report({"rounds": args.rounds, "bots": results, "layer": botanalytics.stats()})
    botanalytics.flush(5.0)
    collector.set_demo_report({"rounds": args.rounds, "bots": results, "layer": botanalytics.stats()})

    print()
    print("in-process (the handler called as a function; the wrapper waits for delivery in the handler):")
    print(f"{'bot':<14}{'invocations':>12}{'added p50 ms':>14}{'added p99 ms':>14}{'records':>9}")
    for r in results:
        print(f"{r['bot']:<14}{r['invocations']:>12}{r['added_p50_ms']:>14.2f}{r['added_p99_ms']:>14.2f}{r['delivered']:>9}")

    if not args.no_lambda:
        print()
        print("through the local Lambda (awslambdaric, frozen between invocations; delivery after the response):")
        lambda_env = {k: v for k, v in os.environ.items()
                      if k.startswith(("BOTANALYTICS_", "POWERTOOLS_")) and k != "BOTANALYTICS_SPOOL_DIR"}
        before = len(collector.records())
        in_lambda = [run_bot_in_lambda(name, folders, args.rounds, lambda_env) for name, folders in BOTS]
        print(f"{'bot':<14}{'invocations':>12}{'caller added p50/p99 ms':>26}{'post-response p50/p99 ms':>27}"
              f"{'init added ms':>15}")
        for r in in_lambda:
            print(f"{r['bot']:<14}{r['invocations']:>12}{r['added_p50_ms']:>14.2f} /{r['added_p99_ms']:>7.2f}"
                  f"{r['post_p50_ms']:>17.2f} /{r['post_p99_ms']:>7.2f}{r['init_added_ms']:>15.1f}")
        print(f"  records delivered from the local Lambda: {len(collector.records()) - before}")
    print()
    print("stored by the collector, per path:")
    counts: Dict[str, int] = {}
    for record in collector.records():
        counts[record.path] = counts.get(record.path, 0) + 1
    for path, n in sorted(counts.items()):
        print(f"  /v1/{path:<34}{n:>6}")
    rejected = collector.rejections()
    print(f"  rejected: {len(rejected)}   layer counters: {json.dumps(botanalytics.stats(), sort_keys=True)}")
    print()
    print("a few stored turns:")
    for record in collector.records()[:3]:
        print("  " + json.dumps(record.body)[:150])
    print()
    if args.serve:
        print("collector and inspector still running; Ctrl-C to stop")
        print(f"inspector: {collector.inspector_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    else:
        print("the collector stops now; run with --serve to keep the page open")
        print(f"inspector: {collector.inspector_url}", flush=True)
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
