"""Run the collector from the command line until Ctrl-C or SIGTERM.

    python -m devtools.collector --port 0 --token T --db collector.sqlite3 [--redact email,phone]

Prints, on stdout, one ``NAME=value`` line per setting a client needs (the names are the layer's
environment variables), the inspector page's address, then ``READY``::

    BOTANALYTICS_API_URL=https://127.0.0.1:PORT/v1/
    BOTANALYTICS_CA_BUNDLE=/path/of/the/test/ca.pem
    BOTANALYTICS_INSPECTOR_URL=http://127.0.0.1:PORT2/
    READY

The token is never printed. On exit, the counters go to stderr.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
from typing import List, Optional

from .core import Collector


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.collector",
        description="A local Botanalytics-compatible API on 127.0.0.1 (HTTPS with a test CA).",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one; default)")
    parser.add_argument(
        "--token",
        default=os.environ.get("BOTANALYTICS_TOKEN"),
        help="the API token clients must send (default: $BOTANALYTICS_TOKEN)",
    )
    parser.add_argument("--db", default=None, help="SQLite file to store into (default: a temporary one)")
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument("--ca-out", default=None, help="also copy the test CA bundle to this path")
    parser.add_argument("--inspector-port", type=int, default=0,
                        help="port of the inspector page on 127.0.0.1 (0: a free one; default)")
    parser.add_argument("--no-inspector", action="store_true", help="do not serve the inspector page")
    parser.add_argument(
        "--redact",
        default=os.environ.get("BOTANALYTICS_REDACT"),
        help="mask personal data on the inspector page like the layer's BOTANALYTICS_REDACT "
        "(e.g. 'email,phone,card,field:ssn'; default: $BOTANALYTICS_REDACT)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("a token is required: --token or BOTANALYTICS_TOKEN")
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="collector: %(message)s",
        stream=sys.stderr,
    )
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    collector = Collector(
        token=args.token,
        tls=not args.no_tls,
        db_path=args.db,
        port=args.port,
        inspector=not args.no_inspector,
        inspector_port=args.inspector_port,
        redact=args.redact,
    ).start()
    try:
        print("BOTANALYTICS_API_URL=%s" % collector.url)
        if collector.ca_file is not None:
            ca_file = collector.ca_file
            if args.ca_out:
                shutil.copyfile(ca_file, args.ca_out)
                ca_file = args.ca_out
            print("BOTANALYTICS_CA_BUNDLE=%s" % ca_file)
        if collector.inspector_url is not None:
            print("BOTANALYTICS_INSPECTOR_URL=%s" % collector.inspector_url)
        print("READY", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        collector.stop()
        print("collector stopped: %s" % collector.stats(), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
