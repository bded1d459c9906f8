"""Is a change real? Mann-Whitney U over samples plus a minimum effect (pure).

A change counts only when it is both larger than the minimum effect (default 5 %; smaller is
noise whatever the test says) and significant (p below ``alpha``). Samples are per-second values
of the measured phases of every repetition where the result has them (latency p50/p99,
server CPU and RSS), per-repetition figures otherwise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.stats import mannwhitneyu

from report.figures import Better

TEST_NAME = "Mann-Whitney U"
Verdict = Literal["better", "worse", "noise", "not significant", "no data"]


@dataclass(frozen=True)
class Change:
    before: float  # median of the A samples' figure
    after: float
    change: float | None  # relative: after / before - 1 (None: before is 0 and after is not)
    p_value: float | None
    verdict: Verdict
    n_before: int
    n_after: int


def p_value(a: Sequence[float], b: Sequence[float], alternative: str = "two-sided") -> float | None:
    """Mann-Whitney U p-value; None with an empty side; 1.0 when every sample is equal."""
    if not a or not b:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0
    result = mannwhitneyu(list(a), list(b), alternative=alternative, method="auto")
    value = float(result.pvalue)
    return value if math.isfinite(value) else None


def relative(before: float, after: float) -> float | None:
    if before == 0:
        return 0.0 if after == 0 else None
    return after / before - 1.0


def judge(
    before: float,
    after: float,
    samples_before: Sequence[float],
    samples_after: Sequence[float],
    better: Better,
    *,
    min_effect: float = 0.05,
    alpha: float = 0.05,
) -> Change:
    """Compare ``after`` with ``before`` (figures, e.g. medians of repetitions) and test the
    samples behind them (two-sided)."""
    change = relative(before, after)
    p = p_value(samples_before, samples_after)
    n_a, n_b = len(samples_before), len(samples_after)
    if p is None:
        verdict: Verdict = "no data"
    elif change is not None and abs(change) < min_effect:
        verdict = "noise"
    elif p >= alpha:
        verdict = "not significant"
    else:
        up = after > before
        verdict = "worse" if up == (better == "lower") else "better"
    return Change(before, after, change, p, verdict, n_a, n_b)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value Mann-Whitney U can give for these sample sizes."""
    if n_a == 0 or n_b == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n_a + n_b, n_a))


BOOTSTRAP_NAME = "bootstrap interval"
BOOTSTRAP_RESAMPLES = 2000


def ratio_interval(
    after: Sequence[float],
    before: Sequence[float],
    ref_after: Sequence[float] = (),
    ref_before: Sequence[float] = (),
    *,
    confidence: float = 0.90,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float] | None:
    """Point estimate and two-sided ``confidence`` bootstrap interval of
    ``median(after) / median(before)``, divided by the same ratio of the reference samples when
    given (how much worse than the reference got). Each of the sample sets is resampled
    independently; the seed is fixed, so the result is reproducible. None when a set is empty
    or a median is 0."""
    import numpy as np

    sets = [after, before] + ([ref_after, ref_before] if ref_after or ref_before else [])
    if any(len(s) == 0 for s in sets):
        return None
    arrays = [np.asarray(s, dtype=float) for s in sets]
    if any(np.median(a) == 0 for a in arrays):
        return None
    rng = np.random.default_rng(seed)
    meds = [np.median(a[rng.integers(0, len(a), size=(resamples, len(a)))], axis=1) for a in arrays]
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = meds[0] / meds[1]
        point = float(np.median(arrays[0]) / np.median(arrays[1]))
        if len(arrays) == 4:
            boot = boot / (meds[2] / meds[3])
            point /= float(np.median(arrays[2]) / np.median(arrays[3]))
    boot = boot[np.isfinite(boot)]
    if boot.size == 0:
        return None
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    return point, float(low), float(high)
