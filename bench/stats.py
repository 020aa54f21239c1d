"""Order statistics for latency samples (no numpy needed)."""
from __future__ import annotations

import math
import statistics
from typing import Dict, Optional, Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100) of already sorted values."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * q / 100.0
    low = int(math.floor(pos))
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def summary(values: Sequence[float]) -> Dict[str, float]:
    v = sorted(values)
    if not v:
        return {"n": 0, "median": math.nan, "p99": math.nan, "iqr": math.nan, "mean": math.nan,
                "stdev": math.nan, "min": math.nan, "max": math.nan, "p25": math.nan, "p75": math.nan}
    return {
        "n": len(v),
        "median": percentile(v, 50),
        "p25": percentile(v, 25),
        "p75": percentile(v, 75),
        "iqr": percentile(v, 75) - percentile(v, 25),
        "p99": percentile(v, 99),
        "mean": statistics.fmean(v),
        "stdev": statistics.stdev(v) if len(v) > 1 else 0.0,
        "min": v[0],
        "max": v[-1],
    }


def ratio(a: float, b: Optional[float]) -> float:
    if b is None or not b or math.isnan(b) or math.isnan(a):
        return math.nan
    return a / b


def fmt_ms(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fmt_ratio(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x >= 100:
        return f"{x:.0f}×"
    if x >= 10:
        return f"{x:.1f}×"
    return f"{x:.2f}×"
