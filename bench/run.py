"""``python -m bench``: every scenario of issue 7 in one run, written to RESULTS.md and latency.png.

Scenarios (each comparison measured in this same run, interleaved where it matters):

1. caller-facing added latency per invocation (Alexa skill, web-chat webhook);
2. outage (API black-holed; API answering after 1 s) and what arrives once it recovers;
3. cold start: fresh-process import cost on Python 3.9 and 3.13, init phase through the local Lambda;
4. throughput of our dispatcher, and a burst of 10,000 records (peak memory, drops vs the bound);
5. footprint: layer zip size and RSS added to a process.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from . import coldstart, events, report
from .harness import VARIANTS, Api, Proc, WorkerError, start_variant
from .paths import BENCH_DIR, REPO_ROOT, SCRATCH
from .stats import summary


@dataclass
class Sizes:
    invocations: int = 2000  # scenario 1, per variant and app
    rounds: int = 10  # scenario 1 is run in this many interleaved rounds (drift hits every variant alike)
    warmup: int = 50
    context_invocations: Optional[int] = 500  # for CONTEXT_VARIANTS (None: as many as the others)
    outage: int = 10  # scenario 2, invocations per variant while the API is down
    outage_cap_s: float = 2.5  # the harness stops waiting for a blocked official-SDK call after this
    delay_s: float = 1.0  # scenario 2, "API answering after 1 s"
    outage_hold_s: float = 1.0  # the fault stays on this long after the last outage invocation
    recovery: int = 10  # at most this many invocations after the API recovers (ours stops when all arrived)
    recovery_gap_s: float = 0.3  # pause between them
    settle_s: float = 10.0
    quiet_s: float = 1.5  # "nothing new arrived" for this long ends a wait for the collector
    cold_runs: int = 15
    init_runs: int = 5
    throughput: int = 2000
    burst: int = 10000
    overflow_queue: Optional[int] = 2000  # BOTANALYTICS_MAX_QUEUE for the overflow case (None: the default)
    overflow_extra: int = 1000
    footprint_invocations: int = 200


FULL = Sizes()
QUICK = Sizes(invocations=30, context_invocations=None, rounds=2, warmup=3, outage=2, outage_cap_s=1.0, delay_s=0.2, outage_hold_s=0.3, recovery=4, recovery_gap_s=0.1,
              settle_s=3.0, quiet_s=0.4, cold_runs=2, init_runs=1, throughput=50, burst=200, overflow_queue=100,
              overflow_extra=50, footprint_invocations=10)

S1_VARIANTS = ["bare", "official_sync", "official_async", "ours",
               "bare_rt", "official_sync_rt", "official_async_rt", "ours_rt"]
#: the official SDK through the local Lambda: context for the runtime rows, run with fewer invocations
CONTEXT_VARIANTS = ("official_sync_rt", "official_async_rt")
S2_VARIANTS = ["bare", "official_sync", "official_async", "ours", "bare_rt", "ours_rt"]


@dataclass
class Results:
    sizes: Sizes
    quick: bool
    started: float = field(default_factory=time.time)
    notes: List[str] = field(default_factory=list)
    api_kind: str = ""
    event_sources: Dict[str, str] = field(default_factory=dict)
    s1: Dict[str, Any] = field(default_factory=dict)
    s2: Dict[str, Any] = field(default_factory=dict)
    s3: Dict[str, Any] = field(default_factory=dict)
    s4: Dict[str, Any] = field(default_factory=dict)
    s5: Dict[str, Any] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- scenario 1 ---------------------------------------------------------------------------------------

def scenario_latency(res: Results, app: str, template: Dict[str, Any]) -> None:
    sz = res.sizes
    api = Api()
    res.api_kind = api.kind
    out: Dict[str, Any] = {"variants": {}, "skipped": {}}
    procs: Dict[str, Proc] = {}
    try:
        for key in S1_VARIANTS:
            proc, answer = start_variant(VARIANTS[key], app, api, template, label=f"s1-{app}-{key}")
            if proc is None:
                out["skipped"][key] = answer.get("why", "not available")
                log(f"  {app}/{key}: not run: {out['skipped'][key]}")
                continue
            procs[key] = proc
            warm = proc.call(cmd="run", n=sz.warmup, phase="w")
            info: Dict[str, Any] = {"ms": [], "completion_ms": [], "errors": 0}
            for extra in ("init_ms", "post_response"):
                if extra in warm:
                    info[extra] = warm[extra]
            out["variants"][key] = info
        order = list(procs)
        rng = random.Random(7)
        def split(total: int) -> List[int]:
            return [total // sz.rounds + (1 if r < total % sz.rounds else 0) for r in range(sz.rounds)]

        per_round = split(sz.invocations)
        per_round_context = split(sz.context_invocations or sz.invocations)
        first = 0
        for r, n in enumerate(per_round):
            rng.shuffle(order)
            for key in order:
                count = per_round_context[r] if key in CONTEXT_VARIANTS else n
                got = procs[key].call(cmd="run", n=count, phase="s1", first=first)
                info = out["variants"][key]
                info["ms"] += got["ms"]
                info["completion_ms"] += got.get("completion_ms", [])
                info["errors"] += got["errors"]
                if "post_response" in got:
                    info["post_response"] = got["post_response"]
            first += n
        for key, proc in procs.items():
            proc.call(cmd="flush", timeout=sz.settle_s)
        expected = sum(events.RECORDS_PER_TURN[app] * len(out["variants"][k]["ms"])
                       for k in procs if k not in ("bare", "bare_rt"))
        api.settle(f"b.{app}_", expected + 10 ** 9, timeout=sz.settle_s, quiet_s=sz.quiet_s)  # until quiet
        turns_all = api.turns(f"b.{app}_")
        for key, proc in procs.items():
            info = out["variants"][key]
            stats = proc.call(cmd="stats")
            info["layer_stats"] = stats.get("layer")
            info["sdk_failures"] = stats.get("sdk_failures")
            prefix = f"b.{app}_{key}.s1."
            arrived = {t: c for t, c in turns_all.items() if t.startswith(prefix)}
            info["turns_arrived"] = sum(1 for c in arrived.values() if c >= events.RECORDS_PER_TURN[app])
            info["records_stored"] = sum(arrived.values())
    finally:
        for proc in procs.values():
            proc.close()
        api.stop()
    res.s1[app] = out


# --- scenario 2 ---------------------------------------------------------------------------------------

def scenario_outage(res: Results, app: str, template: Dict[str, Any], fault: str) -> None:
    sz = res.sizes
    api = Api()
    out: Dict[str, Any] = {"variants": {}, "skipped": {}}
    try:
        for key in S2_VARIANTS:
            variant = VARIANTS[key]
            proc, answer = start_variant(variant, app, api, template, label=f"s2-{app}-{fault}-{key}")
            if proc is None:
                out["skipped"][key] = answer.get("why", "not available")
                continue
            try:
                n_warm = max(3, sz.warmup // 10)
                warm = proc.call(cmd="run", n=n_warm, phase="w")
                proc.call(cmd="flush", timeout=sz.settle_s)
                if not key.startswith("bare"):  # a warm, idle container: no send of the warm-up left in flight
                    api.settle(f"b.{app}_{key}.w.", n_warm * events.RECORDS_PER_TURN[app], timeout=sz.settle_s,
                               quiet_s=sz.quiet_s)
                applied_before = api.faults_applied()
                if fault == "blackhole":
                    api.fault("blackhole")
                else:
                    api.fault("delay", seconds=sz.delay_s)
                cap = None if variant.mode == "runtime" else sz.outage_cap_s
                per_call_timeout = (sz.outage_cap_s + 10) * max(1, sz.outage) + 60
                got = proc.call(cmd="run", n=sz.outage, phase="o", cap_s=cap, wait_s=per_call_timeout)
                time.sleep(sz.outage_hold_s)  # background sends of the last turns meet the outage too
                api.clear_fault()
                cleared = time.monotonic()
                applied = api.faults_applied()
                met_fault = None if applied is None or applied_before is None else applied - applied_before
                rpt = events.RECORDS_PER_TURN[app]
                prefix = f"b.{app}_{key}.o."
                expected = 0 if key.startswith("bare") else sz.outage * rpt
                # Recovery: later invocations of the warm container (and flush() for ours in-process), a
                # short pause between them, until every outage turn arrived or sz.recovery invocations.
                rec: Dict[str, Any] = {"ms": [], "used": 0, "all_arrived_after_s": None}
                flushed: Dict[str, Any] = {}
                while True:
                    got_r = proc.call(cmd="run", n=1, phase="r", first=rec["used"])
                    rec["used"] += 1
                    rec["ms"] += got_r["ms"]
                    flushed = proc.call(cmd="flush", timeout=sz.recovery_gap_s * 4)
                    turns = api.settle(prefix, expected, timeout=sz.recovery_gap_s * 4, quiet_s=sz.recovery_gap_s)
                    if sum(1 for c in turns.values() if c >= rpt) >= sz.outage and expected:
                        rec["all_arrived_after_s"] = time.monotonic() - cleared
                        break
                    if rec["used"] >= sz.recovery or not variant.layer:
                        break  # only ours retries: the peers get one settle, and bare sends nothing
                    time.sleep(sz.recovery_gap_s)
                if rec["all_arrived_after_s"] is None and expected:
                    turns = api.settle(prefix, expected, timeout=sz.settle_s, quiet_s=sz.quiet_s)
                stats = proc.call(cmd="stats")
                out["variants"][key] = {
                    "ms": got["ms"], "capped": got["capped"], "errors": got["errors"],
                    "statuses": got.get("statuses"), "completion_ms": got.get("completion_ms", []),
                    "recovery_ms": rec["ms"], "recovery_used": rec["used"], "met_fault": met_fault,
                    "all_arrived_after_s": rec["all_arrived_after_s"], "flush": flushed,
                    "turns_arrived": sum(1 for c in turns.values() if c >= rpt),
                    "records_stored": sum(turns.values()),
                    "layer_stats": stats.get("layer"), "sdk_failures": stats.get("sdk_failures"),
                    "post_response": warm.get("post_response"),
                }
            finally:
                api.clear_fault()
                proc.close()
            log(f"  {app}/{fault}/{key}: median {summary(out['variants'][key]['ms'])['median']:.2f} ms, "
                f"arrived {out['variants'][key]['turns_arrived']}/{sz.outage}")
    finally:
        api.stop()
    res.s2.setdefault(app, {})[fault] = out


# --- scenario 4 ---------------------------------------------------------------------------------------

def _pin(pid: int, cpu: int) -> bool:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            return False
        os.sched_setaffinity(pid, {cpus[cpu % len(cpus)]})
        return True
    except (AttributeError, OSError):
        return False


def scenario_throughput(res: Results) -> None:
    sz = res.sizes
    template, _ = events.load("webchat")
    out: Dict[str, Any] = {}
    saved = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pinned = _pin(0, 1)  # this thread (and the collector's threads it starts) on the second core
    api = Api()
    try:
        # (a) sustained rate: N records through Botanalytics.log, timed to "flush() returned"
        proc, answer = start_variant(VARIANTS["ours"], "webchat", api, template, label="s4-rate")
        if proc is None:
            out["why"] = answer.get("why")
            return
        worker_pinned = _pin(proc.pid, 0)
        try:
            got = proc.call(cmd="submit", n=sz.throughput, phase="tp", wait_s=600)
        finally:
            proc.close()
        stored = api.settle("b.webchat_ours.tp.", sz.throughput, timeout=sz.settle_s, quiet_s=sz.quiet_s)
        got["stored"] = sum(stored.values())
        got["pinned"] = pinned and worker_pinned
        out["rate"] = got

        # (a') the official SDK for scale: the same N messages, Generic(sync), one call after another
        proc, answer = start_variant(VARIANTS["official_sync"], "webchat", api, template, label="s4-official")
        if proc is not None:
            _pin(proc.pid, 0)
            try:
                got = proc.call(cmd="submit_official", n=min(sz.throughput, 500), phase="tpo", wait_s=600)
            finally:
                proc.close()
            out["official"] = got

        # (b) a burst of sz.burst records queued at once, API healthy (tracemalloc on)
        proc, answer = start_variant(VARIANTS["ours"], "webchat", api, template, label="s4-burst")
        if proc is not None:
            _pin(proc.pid, 0)
            try:
                got = proc.call(cmd="submit", n=sz.burst, phase="bu", tracemalloc=True, wait_s=600,
                                flush_timeout=max(60.0, sz.burst / 50))
            finally:
                proc.close()
            stored = api.settle("b.webchat_ours.bu.", sz.burst, timeout=sz.settle_s, quiet_s=sz.quiet_s)
            got["stored"] = sum(stored.values())
            out["burst"] = got

        # (c) beyond the bound: bound + extra queued while the API is black-holed, then it recovers
        extra_env = {"BOTANALYTICS_MAX_QUEUE": str(sz.overflow_queue)} if sz.overflow_queue else {}
        proc, answer = start_variant(VARIANTS["ours"], "webchat", api, template, env=extra_env,
                                     label="s4-overflow")
        if proc is not None:
            _pin(proc.pid, 0)
            try:
                bound = proc.call(cmd="config").get("max_queue")
                n = (bound or sz.burst) + sz.overflow_extra
                api.fault("blackhole")
                got = proc.call(cmd="submit", n=n, phase="ov", flush=False, tracemalloc=False, wait_s=600)
                time.sleep(0.5)
                api.clear_fault()
                flushed = proc.call(cmd="flush", timeout=max(sz.settle_s, n / 200), wait_s=600)
                stats = proc.call(cmd="stats")
            finally:
                api.clear_fault()
                proc.close()
            stored = api.settle("b.webchat_ours.ov.", n, timeout=sz.settle_s, quiet_s=sz.quiet_s)
            got.update({"bound": bound, "submitted": n, "stored": sum(stored.values()), "flush": flushed,
                        "layer_after": stats.get("layer")})
            out["overflow"] = got
    finally:
        api.stop()
        if saved is not None:
            try:
                os.sched_setaffinity(0, saved)
            except OSError:
                pass
        res.s4 = out


# --- scenario 5 ---------------------------------------------------------------------------------------

def scenario_footprint(res: Results) -> None:
    sz = res.sizes
    out: Dict[str, Any] = {"zips": {}, "rss": {}}
    build = REPO_ROOT / "build"
    layer_zip = build / "botanalytics-layer.zip"
    if (REPO_ROOT / "devtools" / "layer_build.py").is_file() or (REPO_ROOT / "devtools" / "layer_build").is_dir():
        proc = subprocess.run([sys.executable, "-m", "devtools.layer_build", "--out", str(layer_zip)],
                              cwd=str(REPO_ROOT), capture_output=True, text=True)
        how = "python -m devtools.layer_build"
        if proc.returncode != 0:
            res.notes.append(f"devtools.layer_build failed ({proc.stderr.strip()[-200:]}); zipped layer/python instead")
            layer_zip = SCRATCH / "botanalytics-layer.zip"
            coldstart.zip_tree(REPO_ROOT / "layer" / "python", ["botanalytics"], layer_zip)
            how = "zip of layer/python (bench)"
    else:
        layer_zip = SCRATCH / "botanalytics-layer.zip"
        coldstart.zip_tree(REPO_ROOT / "layer" / "python", ["botanalytics"], layer_zip)
        how = "zip of layer/python (bench; devtools.layer_build not there)"
    out["zips"]["ours"] = dict(coldstart.zip_info(layer_zip), how=how)
    official_zip = SCRATCH / "official-sdk-layer.zip"
    site = coldstart.site_packages_of(sys.executable)
    coldstart.zip_tree(site, coldstart.OFFICIAL_DISTS, official_zip)
    out["zips"]["official"] = dict(coldstart.zip_info(official_zip),
                                   how="botanalytics 0.2.9 + requests, urllib3, idna, certifi, charset_normalizer "
                                       "as pip installs them, zipped the same way (without __pycache__)")
    template, _ = events.load("alexa")
    api = Api()
    try:
        for key in ("bare", "official_sync", "ours"):
            proc, answer = start_variant(VARIANTS[key], "alexa", api, template, label=f"s5-{key}")
            if proc is None:
                out["rss"][key] = {"why": answer.get("why")}
                continue
            try:
                proc.call(cmd="run", n=sz.footprint_invocations, phase="fp")
                proc.call(cmd="flush", timeout=sz.settle_s)
                stats = proc.call(cmd="stats")
            finally:
                proc.close()
            out["rss"][key] = {"before_import": answer["rss_before"], "after_import": answer["rss_after"],
                               "after_use": stats["rss"], "threads": stats["threads"]}
    finally:
        api.stop()
    res.s5 = out


# --- main -----------------------------------------------------------------------------------------------

def _guarded(res: Results, name: str, fn: Callable[[], None]) -> None:
    started = time.monotonic()
    log(f"{name} ...")
    try:
        fn()
    except (WorkerError, Exception) as exc:  # noqa: BLE001 - one scenario failing must not lose the others
        res.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        traceback.print_exc()
    log(f"{name} done in {time.monotonic() - started:.1f} s")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test); numbers are meaningless")
    parser.add_argument("--out", default=str(BENCH_DIR), help="folder for RESULTS.md and latency.png (default: bench/)")
    parser.add_argument("--only", default="", help="comma-separated scenarios to run, e.g. 1,3 (default: all)")
    parser.add_argument("--invocations", type=int, help="scenario 1 invocations per variant and app")
    parser.add_argument("--outage", type=int, help="scenario 2 invocations per variant while the API is down")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md and latency.png from the last run's .bench-tmp/results.json")
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads((SCRATCH / "results.json").read_text())
        data["sizes"] = Sizes(**data["sizes"])
        res = Results(**data)
        report.write(res, Path(args.out))
        log(f"rewrote {Path(args.out) / 'RESULTS.md'} from {SCRATCH.name}/results.json")
        return 0
    sizes = QUICK if args.quick else FULL
    if args.invocations:
        sizes.invocations = args.invocations
    if args.outage:
        sizes.outage = args.outage
    only = {s.strip() for s in args.only.split(",") if s.strip()} or {"1", "2", "3", "4", "5"}
    res = Results(sizes=sizes, quick=args.quick)
    if os.environ.get("PYTHONPATH"):
        res.notes.append("PYTHONPATH was set in the caller's environment; workers get their own")
    templates = {}
    for app in events.APPS:
        templates[app], res.event_sources[app] = events.load(app)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(SCRATCH / "spool", ignore_errors=True)
    t0 = time.monotonic()
    if "1" in only:
        for app in events.APPS:
            _guarded(res, f"scenario 1 ({app})", lambda app=app: scenario_latency(res, app, templates[app]))
    if "2" in only:
        for app in events.APPS:
            for fault in ("blackhole", "delay"):
                _guarded(res, f"scenario 2 ({app}, {fault})",
                         lambda app=app, fault=fault: scenario_outage(res, app, templates[app], fault))
    if "3" in only:
        _guarded(res, "scenario 3 (cold start)", lambda: coldstart.scenario_coldstart(res, templates))
    if "4" in only:
        _guarded(res, "scenario 4 (throughput)", lambda: scenario_throughput(res))
    if "5" in only:
        _guarded(res, "scenario 5 (footprint)", lambda: scenario_footprint(res))
    res.notes.append(f"whole run: {time.monotonic() - t0:.0f} s")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    (SCRATCH / "results.json").write_text(json.dumps(report.jsonable(res), indent=1))
    report.write(res, out_dir)
    log(f"wrote {out_dir / 'RESULTS.md'} and {out_dir / 'latency.png'}")
    return 1 if res.errors else 0
