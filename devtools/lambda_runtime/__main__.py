"""CLI: ``python -m devtools.lambda_runtime --handler app.lambda_handler --code-dir DIR --event FILE``.

Prints one line per invocation with the caller-facing time (response_ms) and the billed time
(completion_ms), then how the environment shut down.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Optional, Sequence

from .local import LocalLambda


def _env_pair(text: str) -> tuple:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.lambda_runtime", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handler", required=True, help="module.function, as Lambda's Handler setting")
    parser.add_argument("--code-dir", required=True, help="the function's code folder (LAMBDA_TASK_ROOT)")
    parser.add_argument("--event", help="JSON file with the event (default: {})")
    parser.add_argument("--repeat", type=int, default=1, help="invoke N times (default 1)")
    parser.add_argument("--pause-ms", type=float, default=0.0, help="pause between invocations")
    parser.add_argument("--timeout", type=float, default=3.0, help="function timeout in seconds")
    parser.add_argument("--memory", type=int, default=128, help="memory size in MB (reported only)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has awslambdaric")
    parser.add_argument("--layer", action="append", default=[], help="extra PYTHONPATH entry (repeatable)")
    parser.add_argument("--env", action="append", type=_env_pair, default=[], help="NAME=VALUE (repeatable)")
    parser.add_argument("--no-freeze", action="store_true", help="do not SIGSTOP between invocations")
    parser.add_argument("--show-response", action="store_true", help="print each response or error")
    parser.add_argument("--show-logs", action="store_true", help="print the function's output")
    args = parser.parse_args(argv)

    event = {}
    if args.event:
        with open(args.event, encoding="utf-8") as f:
            event = json.load(f)
    failures = 0
    with LocalLambda(handler=args.handler, code_dir=args.code_dir, python=args.python, timeout_s=args.timeout,
                     memory_mb=args.memory, env=dict(args.env), freeze=not args.no_freeze,
                     extra_pythonpath=args.layer) as fn:
        for i in range(1, args.repeat + 1):
            if i > 1 and args.pause_ms:
                time.sleep(args.pause_ms / 1000.0)
            inv = fn.invoke(event)
            failures += inv.status != "ok"
            cold = f" init_ms={inv.init_ms:.1f}" if inv.init_ms is not None else ""
            resp = f"{inv.response_ms:.2f}" if inv.response_ms is not None else "-"
            done = f"{inv.completion_ms:.2f}" if inv.completion_ms is not None else "-"
            print(f"#{i} {inv.status:<7} response_ms={resp} completion_ms={done}{cold} request_id={inv.request_id}")
            if args.show_response:
                print("   ", json.dumps(inv.response if inv.error is None else inv.error))
            if args.show_logs and inv.logs:
                print("   " + inv.logs.rstrip().replace("\n", "\n    "))
        info = fn.shutdown()
        exited = f"{info.exited_in_ms:.1f} ms" if info.exited_in_ms is not None else "-"
        print(f"shutdown: {info.reason} (sigterm_sent={info.sigterm_sent}, exited_in={exited})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
