"""RESULTS.md and latency.png from one run's results (written by the script, never by hand)."""
from __future__ import annotations

import dataclasses
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import coldstart, events
from .harness import VARIANTS
from .paths import LAYER_PYTHON, REPO_ROOT, rel
from .stats import fmt_ms, fmt_ratio, ratio, summary

PEER_SYNC = {"inproc": "official_sync", "runtime": "official_sync_rt"}
PEER_ASYNC = {"inproc": "official_async", "runtime": "official_async_rt"}


def jsonable(res: Any) -> Dict[str, Any]:
    return dataclasses.asdict(res)


# --- machine and versions ----------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _dist_version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m\ntry: print(m.version({dist!r}))\nexcept Exception: print('-')"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
    return out.stdout.strip() or "-"


def _ours_version() -> str:
    init = LAYER_PYTHON / "botanalytics" / "__init__.py"
    for line in init.read_text(encoding="utf-8").splitlines() if init.is_file() else []:
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    return "-"


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(REPO_ROOT), capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=str(REPO_ROOT),
                               capture_output=True, text=True).stdout.strip()
        return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "-"
    except OSError:
        return "-"


def machine_lines(res: Any) -> List[str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    versions = []
    for v in coldstart.VERSIONS:
        py = coldstart.find_python(v)
        versions.append(f"{coldstart.interpreter_version(py)} (cold start)" if py else f"{v}: not found")
    exe = sys.executable
    return [
        f"- **Machine:** {os.cpu_count()} CPUs (`nproc`), {_cpu_model()}, {platform.system()} {platform.release()}; "
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (other work on the machine adds noise)",
        f"- **Python:** {platform.python_version()} (harness, workers, local Lambda), " + ", ".join(versions),
        f"- **Packages:** ours `botanalytics` {_ours_version()} (layer/python, standard library only); "
        f"official `botanalytics` {_dist_version(exe, 'botanalytics')} with requests {_dist_version(exe, 'requests')}, "
        f"urllib3 {_dist_version(exe, 'urllib3')}; awslambdaric {_dist_version(exe, 'awslambdaric')}; "
        f"matplotlib {_dist_version(exe, 'matplotlib')}",
        f"- **Code:** git {_git()}; **API:** {res.api_kind or 'devtools.collector'} "
        "(HTTPS on 127.0.0.1, test CA, SQLite; trusted by ours through `BOTANALYTICS_CA_BUNDLE`, by the "
        "official SDK through `REQUESTS_CA_BUNDLE`)",
        "- **Events:** " + ", ".join(f"{app}: {src}" for app, src in res.event_sources.items()),
        f"- **Run:** {time.strftime('%Y-%m-%d %H:%M', time.localtime(res.started))}"
        + (" — **--quick: tiny sizes, the numbers mean nothing**" if res.quick else ""),
    ]


# --- tables ------------------------------------------------------------------------------------------

def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _label(key: str, info: Optional[Dict[str, Any]] = None) -> str:
    label = VARIANTS[key].label if key in VARIANTS else key
    if key == "ours_rt" and info is not None and not info.get("post_response"):
        label = "ours through local Lambda (**in-handler fallback**: post-response extension not available)"
    return label


def _layer_counters(stats: Optional[Dict[str, int]]) -> str:
    """Every non-zero counter of ``botanalytics.stats()``, the usual ones first."""
    if not stats:
        return "–"
    first = ("submitted", "delivered", "retried", "spooled")
    keys = [k for k in first if stats.get(k)] + sorted(k for k in stats if k not in first and stats.get(k))
    return ", ".join(f"{k} {stats[k]}" for k in keys) or "–"


def _dropped(stats: Optional[Dict[str, int]]) -> int:
    return sum(v for k, v in (stats or {}).items() if "drop" in k)


def section_latency(res: Any) -> List[str]:
    lines = ["## 1. Caller-facing added latency per invocation", "",
             f"{res.sizes.invocations} invocations per variant and bot"
             + (f" ({res.sizes.context_invocations} for the official SDK through the local Lambda, shown for context)"
                if res.sizes.context_invocations else "")
             + f" after {res.sizes.warmup} warm-up ones, in "
             f"{res.sizes.rounds} interleaved rounds (random order per round). In-process variants: the handler "
             "called as a function with a fake Lambda context, timed around the call. Local-Lambda variants: "
             "`LocalLambda.invoke` through the real `awslambdaric`, frozen between invocations; the time is "
             "`response_ms` (event delivered → response posted, what the caller feels); *billed after response* "
             "is `completion_ms − response_ms`. Ratios compare medians (and p99s) with the bare handler and the "
             "official SDK measured the same way (in-process with in-process, local Lambda with local Lambda). "
             "*Turns delivered*: turns whose records the collector stored by the end of the scenario.", ""]
    for app, out in res.s1.items():
        lines += [f"### {events.APPS[app][1]}", ""]
        rows = []
        summaries = {k: summary(v["ms"]) for k, v in out["variants"].items()}
        for key in [k for k in VARIANTS if k in out["variants"] or k in out["skipped"]]:
            if key in out["skipped"]:
                rows.append([_label(key), "not run: " + out["skipped"][key]] + [""] * 9)
                continue
            info, s = out["variants"][key], summaries[key]
            mode = VARIANTS[key].mode
            bare = summaries.get(VARIANTS[key].reference)
            sync = summaries.get(PEER_SYNC[mode])
            asyn = summaries.get(PEER_ASYNC[mode])
            post = summary([c - r for c, r in zip(info.get("completion_ms") or [], info["ms"])])
            added = (f"{fmt_ms(s['median'] - bare['median'])} / {fmt_ms(s['p99'] - bare['p99'])}" if bare else "–")
            delivered = "–" if key.startswith("bare") else f"{info.get('turns_arrived', 0)}/{s['n']}"
            rows.append([
                _label(key, info), str(s["n"]), fmt_ms(s["median"]), fmt_ms(s["p99"]),
                f"{fmt_ms(s['iqr'])} / {fmt_ms(s['stdev'])}", added,
                f"{fmt_ratio(ratio(s['median'], bare and bare['median']))} / "
                f"{fmt_ratio(ratio(s['p99'], bare and bare['p99']))}",
                f"{fmt_ratio(ratio(s['median'], sync and sync['median']))} / "
                f"{fmt_ratio(ratio(s['p99'], sync and sync['p99']))}",
                fmt_ratio(ratio(s["median"], asyn and asyn["median"])),
                fmt_ms(post["median"]) if mode == "runtime" else "–",
                delivered + (f" ({info['errors']} errors)" if info.get("errors") else ""),
            ])
        lines += _table(["variant", "n", "median ms", "p99 ms", "IQR / stdev ms", "added vs bare: median / p99 ms",
                         "× bare (median / p99)", "× official sync (median / p99)", "× official async (median)",
                         "billed after response, median ms", "turns delivered"], rows)
        lines.append("")
    return lines


def section_outage(res: Any) -> List[str]:
    sz = res.sizes
    lines = ["## 2. Outage: API black-holed, and API answering after " + f"{sz.delay_s:g} s", "",
             f"Per variant: a fresh process, a few warm-up turns with the API healthy, then {sz.outage} invocations "
             f"with the fault on (kept on {sz.outage_hold_s:g} s after the last of them, so that background sends "
             "meet it too), then the fault cleared and later invocations of the same warm container: for ours "
             f"one at a time, {sz.recovery_gap_s:g} s apart, each followed by `botanalytics.flush()` in-process, until "
             f"every outage turn arrived (at most {sz.recovery}); the peers retry nothing (and have no flush), so they "
             "get one invocation and a wait until the collector stores nothing new. In-process "
             f"calls run in a thread the harness stops waiting for after **{sz.outage_cap_s:g} s**: the official "
             "SDK sets no timeout, so against a black hole it blocks until the Lambda timeout; such calls show as "
             f"*blocked ≥ {sz.outage_cap_s:g} s* (the collector closes the held connections when the fault clears, "
             "so those turns are lost). *Turns arrived*: outage turns whose records were stored in the end.", ""]
    for app, faults in res.s2.items():
        for fault, out in faults.items():
            title = "black hole" if fault == "blackhole" else f"answers after {sz.delay_s:g} s"
            lines += [f"### {events.APPS[app][1]} — API {title}", ""]
            rows = []
            summaries = {k: summary(v["ms"]) for k, v in out["variants"].items()}
            for key in [k for k in VARIANTS if k in out["variants"] or k in out["skipped"]]:
                if key in out["skipped"]:
                    rows.append([_label(key), "not run: " + out["skipped"][key]] + [""] * 9)
                    continue
                info, s = out["variants"][key], summaries[key]
                mode = VARIANTS[key].mode
                bare = summaries.get(VARIANTS[key].reference)
                sync = summaries.get(PEER_SYNC[mode])
                blocked = f"{info['capped']} of {s['n']}" if info.get("capped") else "0"
                met = info.get("met_fault")
                if info.get("statuses"):
                    blocked += " (" + ", ".join(f"{k} {v}" for k, v in info["statuses"].items()) + ")"
                arrived = "– (sends nothing)" if key.startswith("bare") else f"{info['turns_arrived']}/{s['n']}"
                if info.get("all_arrived_after_s") is not None and VARIANTS[key].layer:
                    arrived += (f" (all {info['all_arrived_after_s']:.2f} s after the API recovered, "
                                f"{info['recovery_used']} later invocation{'s' if info['recovery_used'] != 1 else ''})")
                median = fmt_ms(s["median"]) if not info.get("capped") or info["capped"] < s["n"] / 2 else \
                    f"≥ {sz.outage_cap_s * 1000:.0f} (blocked)"
                billed = max(info.get("completion_ms") or [math.nan])
                rows.append([
                    _label(key, info), str(s["n"]), median, fmt_ms(s["p99"]), fmt_ms(s["max"]), blocked,
                    fmt_ms(billed) if mode == "runtime" else "–", "–" if met is None else str(met),
                    fmt_ms(s["median"] - bare["median"]) if bare else "–",
                    fmt_ratio(ratio(s["median"], sync and sync["median"])),
                    arrived, _layer_counters(info.get("layer_stats")),
                ])
            lines += _table(["variant", "n", "median ms", "p99 ms", "max ms", f"blocked ≥ {sz.outage_cap_s:g} s",
                             "billed (completion) max ms", "requests that met the fault",
                             "added vs bare, median ms", "× official sync (median)",
                             "turns arrived after recovery", "layer counters"], rows)
            lines.append("")
    return lines


def section_coldstart(res: Any) -> List[str]:
    s3 = res.s3 or {}
    imports = s3.get("imports", {})
    lines = ["## 3. Cold start", "",
             f"Fresh processes, {res.sizes.cold_runs} runs per case, cases interleaved; medians. *Wall* is spawn to "
             "exit; *import* is timed inside the child around the import statement. Ours is measured from the "
             "layer's files as shipped (no byte-code: Lambda's `/opt` is read-only, so every cold start compiles) "
             "and with byte-code compiled beforehand; the official SDK (`import botanalytics.amazon`, which pulls "
             "in `requests`) from a venv with `bench/requirements-peer.txt`, compared with that venv's own "
             "`-c pass`.", ""]
    for version, data in imports.get("versions", {}).items():
        samples = data["samples"]
        med = {k: (coldstart.median(v["wall"]), coldstart.median(v["import"])) for k, v in samples.items()}
        off = med.get("official SDK 0.2.9 (import botanalytics.amazon)")
        rows = []
        for name, (wall, imp) in med.items():
            base = med.get("pass (peer venv)" if "official" in name or "peer" in name else "pass")
            rows.append([
                name, str(len(samples[name]["wall"])), fmt_ms(wall),
                fmt_ms(wall - base[0]) if base and name not in ("pass", "pass (peer venv)") else "–",
                fmt_ms(imp) if not math.isnan(imp) else "–",
                fmt_ratio(ratio(imp, off[1])) if off and not math.isnan(imp) else "–",
                data["errors"].get(name, "")[:80],
            ])
        lines += [f"### Python {data['python']}", ""]
        lines += _table(["case", "runs", "wall median ms", "wall − pass ms", "import median ms",
                         "× official (import)", "errors"], rows)
        lines.append("")
    for missing in imports.get("missing", []):
        lines.append(f"- not measured: {missing}")
    init = s3.get("init", {})
    if init:
        lines += ["", f"### Init phase through the local Lambda (Python {platform.python_version()}, Alexa "
                      "handler module, a fresh environment each time)", ""]
        rows = []
        med = {k: coldstart.median(v) for k, v in init.get("variants", {}).items()}
        for key, values in init.get("variants", {}).items():
            rows.append([_label(key), str(len(values)), fmt_ms(med[key]),
                         fmt_ms(med[key] - med["bare_rt"]) if "bare_rt" in med else "–",
                         fmt_ratio(ratio(med[key] - med.get("bare_rt", 0.0),
                                         med.get("official_sync_rt", math.nan) - med.get("bare_rt", 0.0)))])
        for key, why in init.get("skipped", {}).items():
            rows.append([_label(key), "not run: " + str(why), "", "", ""])
        lines += _table(["handler module", "runs", "init median ms", "added vs bare ms", "added × official"], rows)
        lines.append("")
    return lines


def section_throughput(res: Any) -> List[str]:
    s4 = res.s4 or {}
    lines = ["## 4. Throughput and burst (ours)", ""]
    if "why" in s4:
        return lines + [f"Not run: {s4['why']}", ""]
    rows = []
    rate = s4.get("rate")
    if rate:
        rows.append(["sustained: records queued with `Botanalytics.log`, then `flush()`",
                     f"{rate['queued']} queued in {fmt_ms(rate['submit_ms'])} ms "
                     f"({rate['submit_ms'] * 1000 / max(1, rate['queued']):.0f} µs per call); all delivered after "
                     f"{rate.get('deliver_s', float('nan')):.2f} s → **{rate['queued'] / rate['deliver_s']:.0f} "
                     f"records/s**; collector stored {rate['stored']}"
                     + ("; worker pinned to one core, collector on the other" if rate.get("pinned") else "")])
    off = s4.get("official")
    if off:
        rows.append(["for scale: official SDK `Generic.log` (sync), one call after another",
                     f"{off['queued']} in {off['deliver_s']:.2f} s → {off['queued'] / off['deliver_s']:.0f} records/s "
                     f"(the caller blocked throughout; {off['failures']} failures)"])
    burst = s4.get("burst")
    if burst:
        peak = burst.get("tracemalloc_peak")
        rss0 = burst["rss_before"].get("VmRSS", 0)
        rows.append([f"burst: {burst['queued']} records queued at once, API healthy",
                     f"queued in {fmt_ms(burst['submit_ms'])} ms (tracemalloc on, which slows every allocation); "
                     f"delivered in {burst.get('deliver_s', float('nan')):.2f} s; "
                     f"peak traced memory {peak / 1e6:.1f} MB (tracemalloc, records and queue included); RSS "
                     f"{rss0 / 1024:.1f} → {burst['rss_end'].get('VmRSS', 0) / 1024:.1f} MiB, peak "
                     f"{burst['rss_end'].get('VmHWM', 0) / 1024:.1f} MiB; stored {burst['stored']}; "
                     f"counters: {_layer_counters(burst.get('layer'))}"])
    over = s4.get("overflow")
    if over:
        lay = over.get("layer_after") or {}
        rows.append([f"beyond the bound: {over['submitted']} queued while the API is black-holed "
                     f"(documented bound `max_queue` = {over['bound']})",
                     f"`log()` accepted {over['queued']}; dropped {_dropped(lay)} (the excess over the bound is "
                     f"{max(0, over['submitted'] - (over['bound'] or 0))}); after recovery the collector stored "
                     f"{over['stored']} of {over['submitted']}; counters: {_layer_counters(lay)}"])
    lines += _table(["measure", "result"], rows)
    return lines + [""]


def section_footprint(res: Any) -> List[str]:
    s5 = res.s5 or {}
    lines = ["## 5. Footprint", ""]
    rows = []
    for key, z in s5.get("zips", {}).items():
        rows.append([("ours: layer zip" if key == "ours" else "official SDK + dependencies, zipped as a layer"),
                     f"{z['zip_bytes'] / 1024:.1f} KiB", f"{z['unzipped_bytes'] / 1024:.1f} KiB", str(z["files"]),
                     z["how"]])
    zips = s5.get("zips", {})
    if "ours" in zips and "official" in zips:
        rows.append(["ratio ours / official", fmt_ratio(ratio(zips["ours"]["zip_bytes"], zips["official"]["zip_bytes"])),
                     fmt_ratio(ratio(zips["ours"]["unzipped_bytes"], zips["official"]["unzipped_bytes"])), "", ""])
    lines += _table(["artifact", "zip", "unzipped", "files", "how"], rows) + [""]
    rss = s5.get("rss", {})
    if rss:
        lines += [f"Resident memory of a worker process (Python {platform.python_version()}) before importing the "
                  f"handler module, after importing it, and after {res.sizes.footprint_invocations} Alexa "
                  "invocations (plus `flush()` for ours); *added* is against the bare handler's process.", ""]
        rows = []
        bare = rss.get("bare", {})
        for key, r in rss.items():
            if "why" in r:
                rows.append([_label(key), "not run: " + str(r["why"]), "", "", "", ""])
                continue
            after = r["after_use"].get("VmRSS", 0)
            rows.append([_label(key), f"{r['before_import'].get('VmRSS', 0) / 1024:.1f}",
                         f"{r['after_import'].get('VmRSS', 0) / 1024:.1f}", f"{after / 1024:.1f}",
                         f"{(after - bare.get('after_use', {}).get('VmRSS', 0)) / 1024:+.1f}" if bare else "–",
                         str(r.get("threads", ""))])
        lines += _table(["variant", "RSS before import MiB", "after import MiB", "after use MiB",
                         "added vs bare MiB", "threads"], rows) + [""]
    return lines


def key_ratios(res: Any) -> List[str]:
    out = []
    for app, data in res.s1.items():
        v = {k: summary(x["ms"]) for k, x in data["variants"].items()}
        if {"ours", "bare", "official_sync"} <= set(v):
            out.append(f"- {app}, in-process: ours adds {fmt_ms(v['ours']['median'] - v['bare']['median'])} ms median / "
                       f"{fmt_ms(v['ours']['p99'] - v['bare']['p99'])} ms p99 over bare; the official SDK (sync) adds "
                       f"{fmt_ms(v['official_sync']['median'] - v['bare']['median'])} / "
                       f"{fmt_ms(v['official_sync']['p99'] - v['bare']['p99'])} ms; ours ÷ official sync = "
                       f"{fmt_ratio(ratio(v['ours']['median'], v['official_sync']['median']))} (median)")
        if {"ours_rt", "bare_rt"} <= set(v):
            mode = "post-response" if data["variants"]["ours_rt"].get("post_response") else "in-handler fallback"
            out.append(f"- {app}, local Lambda ({mode}): ours adds "
                       f"{fmt_ms(v['ours_rt']['median'] - v['bare_rt']['median'])} ms median / "
                       f"{fmt_ms(v['ours_rt']['p99'] - v['bare_rt']['p99'])} ms p99 over bare")
    imports = (res.s3 or {}).get("imports", {}).get("versions", {})
    for version, data in imports.items():
        s = data["samples"]
        ours = coldstart.median(s.get("ours (as shipped, no byte-code)", {}).get("import", []))
        off = coldstart.median(s.get("official SDK 0.2.9 (import botanalytics.amazon)", {}).get("import", []))
        out.append(f"- import on Python {data['python']}: ours {fmt_ms(ours)} ms (as shipped) vs official "
                   f"{fmt_ms(off)} ms ({fmt_ratio(ratio(ours, off))})")
    return out


def scrub(text: str) -> str:
    """No absolute path of this machine in a committed file: the repository, pyenv and home become
    relative names."""
    root = coldstart.pyenv_root()
    for path, name in ((REPO_ROOT, "."), (root, "$(pyenv root)"), (Path.home(), "~")):
        if path is not None and str(path) not in ("/", ""):
            text = text.replace(str(path), name)
    return text


def write(res: Any, out_dir: Path) -> None:
    lines = ["# Benchmarks: botanalytics-lambda vs the official SDK vs a bare handler", "",
             "Written by `python -m bench` (`make bench`); do not edit by hand. Scenarios from issue 7; every "
             "comparison is measured in the same run. Timings are noisy on a shared 2-core machine: read the "
             "ratios and the spread, not the last digit.", "", "## Machine and versions", ""]
    lines += machine_lines(res) + [""]
    if res.errors:
        lines += ["## Errors in this run", ""] + [f"- {e}" for e in res.errors] + [""]
    kr = key_ratios(res)
    if kr:
        lines += ["## Key ratios", ""] + kr + [""]
    lines += section_latency(res) + section_outage(res) + section_coldstart(res) + section_throughput(res)
    lines += section_footprint(res)
    lines += ["## Notes", ""] + [f"- {n}" for n in res.notes] + [
        "- Variants are wired in `bench/apps/` (`v_bare`, `v_official_sync`, `v_official_async`, `v_ours`); "
        "each runs in a process of its own (`bench/worker.py`).",
        "- The official SDK's async mode: `AmazonAlexaLambda(is_async=True)` (a thread per message) for Alexa; "
        "`Generic(is_async=True)` (a thread pool; 0.2.9 has no Lambda class for generic bots) for web chat.",
        f"- Raw samples: `{rel(REPO_ROOT / '.bench-tmp' / 'results.json')}` (not committed); worker logs in "
        f"`{rel(REPO_ROOT / '.bench-tmp' / 'logs')}`.", ""]
    (out_dir / "RESULTS.md").write_text(scrub("\n".join(lines)), encoding="utf-8")
    plot(res, out_dir / "latency.png")


# --- plot --------------------------------------------------------------------------------------------

def plot(res: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    apps = list(events.APPS)
    fig, axes = plt.subplots(2, len(apps), figsize=(7 * len(apps), 10), squeeze=False)
    for col, app in enumerate(apps):
        ax = axes[0][col]
        data = res.s1.get(app, {}).get("variants", {})
        for key in [k for k in VARIANTS if k in data]:
            values = sorted(data[key]["ms"])
            if not values:
                continue
            ys = [(i + 1) / len(values) for i in range(len(values))]
            ax.step([max(v, 1e-3) for v in values], ys, where="post", label=_label(key, data[key])[:60],
                    linestyle="--" if VARIANTS[key].mode == "runtime" else "-")
        ax.set_xscale("log")
        ax.set_xlabel("caller-facing latency per invocation, ms (log)")
        ax.set_ylabel("fraction of invocations (ECDF)")
        ax.set_title(f"1. {events.APPS[app][1]}")
        ax.grid(True, which="both", alpha=0.3)
        ax = axes[1][col]
        faults = res.s2.get(app, {})
        labels, series = [], []
        for fault, out in faults.items():
            for key in [k for k in VARIANTS if k in out.get("variants", {})]:
                labels.append(f"{key}\n{'black hole' if fault == 'blackhole' else 'slow API'}")
                series.append([max(v, 1e-3) for v in out["variants"][key]["ms"]] or [math.nan])
        if series:
            ax.boxplot(series, whis=(0, 100))
            ax.set_xticks(range(1, len(labels) + 1))
            ax.set_xticklabels(labels, rotation=60, fontsize=7)
            ax.set_yscale("log")
            ax.axhline(res.sizes.outage_cap_s * 1000, color="red", linestyle=":", linewidth=1)
            ax.text(0.6, res.sizes.outage_cap_s * 1000 * 1.1, f"harness cap {res.sizes.outage_cap_s:g} s", color="red",
                    fontsize=7)
        ax.set_ylabel("latency per invocation during the outage, ms (log)")
        ax.set_title(f"2. {events.APPS[app][1]}: outage")
        ax.grid(True, which="both", axis="y", alpha=0.3)
    fig.suptitle("botanalytics-lambda vs official SDK 0.2.9 vs bare handler" + (" (--quick: meaningless)" if res.quick else ""))
    handles, labels = {}, {}
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:
        fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", ncol=4, fontsize=8,
                   title="1: solid = handler called in-process, dashed = through the local Lambda (awslambdaric)",
                   title_fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)
