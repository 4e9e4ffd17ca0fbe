"""Agreement statistics on a cohort-sized data set, against the reference packages.

Data: 1,000 raters × 50 clips × 2 scales (1–9), 10 % of the ratings missing
at random, generated from a fixed seed (clip "truth" + rater bias + noise).

Measured in one run, on the same data:

1. the full summary (every statistic of ``oefenkit agreement``) per scale;
2. the cohort ICC dashboard: ICC(A,1) of every rater against the expert
   consensus (``icc_a1_many``) versus pingouin ``intraclass_corr`` called per
   rater (target: ≥ 10× faster, values equal to 1e-9);
3. all six ICC forms on the complete 1,000 × 50 table (before removing
   ratings; with 10 % missing no clip is complete, and both implementations
   use listwise deletion) versus one pingouin call (values equal to 1e-9);
4. Krippendorff's alpha, four levels, with the missing ratings, versus the
   ``krippendorff`` package (target: no slower).

Run: ``python benchmarks/agreement.py`` (needs the test extras: pingouin,
krippendorff). Figures go to ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
import pandas as pd

from oefenkit.agreement import Ratings
from oefenkit.agreement.icc import icc, icc_a1_many
from oefenkit.agreement.krippendorff import krippendorff_alpha
from oefenkit.agreement.summary import summarise

N_RATERS, N_CLIPS, MISSING, SEED = 1000, 50, 0.10, 2026
#: Our Shrout–Fleiss keys → pingouin 0.7's McGraw–Wong row names.
FORMS = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)",
         "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)"}


def make_scale(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(complete clips × raters table, the same with 10 % missing)."""
    truth = rng.integers(1, 10, N_CLIPS).astype(float)
    bias = rng.normal(0, 0.5, N_RATERS)
    noise = rng.normal(0, 0.8, (N_CLIPS, N_RATERS))
    complete = np.clip(np.rint(truth[:, None] + bias[None, :] + noise), 1, 9)
    missing = complete.copy()
    missing[rng.random(missing.shape) < MISSING] = np.nan
    return complete, missing


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def main() -> int:
    import krippendorff
    import pingouin

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="best of N timings (default 5)")
    parser.add_argument("--pingouin-raters", type=int, default=N_RATERS,
                        help="raters for the per-rater pingouin loop (default all 1,000)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # pingouin/pandas deprecation chatter

    rng = np.random.default_rng(SEED)
    scales = {name: make_scale(rng) for name in ("sensitiviteit", "cooperatie")}
    print(f"machine: {machine()}")
    print(f"data: {N_RATERS} raters × {N_CLIPS} clips × {len(scales)} scales, {MISSING:.0%} missing, seed {SEED}\n")
    ok = True

    # 1. the full summary
    ratings = {n: Ratings.from_matrix(m, scale_min=1, scale_max=9) for n, (_, m) in scales.items()}
    t_summary, _ = best_of(lambda: {n: summarise(r) for n, r in ratings.items()}, args.repeat)
    print(f"full summary, both scales: {t_summary * 1000:.1f} ms")

    # 2. cohort dashboard: ICC(A,1) per rater against the consensus
    _, miss = scales["sensitiviteit"]
    consensus = np.median(scales["sensitiviteit"][0][:, :5], axis=1)  # five "experts"
    trainees = miss.T  # raters × clips
    t_ours, ours = best_of(lambda: icc_a1_many(trainees, consensus), args.repeat)
    n_ping = min(args.pingouin_raters, N_RATERS)

    def pingouin_loop():
        out = np.full(n_ping, np.nan)
        for i in range(n_ping):
            keep = ~np.isnan(trainees[i])
            df = pd.DataFrame({
                "item": np.tile(np.arange(keep.sum()), 2),
                "rater": np.repeat(["t", "c"], keep.sum()),
                "score": np.concatenate([trainees[i][keep], consensus[keep]]),
            })
            res = pingouin.intraclass_corr(df, targets="item", raters="rater", ratings="score")
            out[i] = res.set_index("Type").loc[FORMS["ICC2"], "ICC"]
        return out

    t_ping, theirs = best_of(pingouin_loop, 1)
    t_ping_all = t_ping * N_RATERS / n_ping
    diff = float(np.nanmax(np.abs(ours[:n_ping] - theirs)))
    ratio = t_ping_all / t_ours
    target = ratio >= 10 and diff <= 1e-9
    ok &= target
    print(f"cohort ICC(A,1), {N_RATERS} raters vs consensus: ours {t_ours * 1000:.2f} ms, "
          f"pingouin {t_ping_all * 1000:.0f} ms{' (extrapolated)' if n_ping < N_RATERS else ''}; "
          f"ratio {ratio:.0f}×; max |diff| {diff:.1e}  [{'OK' if target else 'MISS'}: ≥10×, ≤1e-9]")

    # 3. six forms on the complete table
    complete = scales["sensitiviteit"][0]
    r_complete = Ratings.from_matrix(complete)
    long = pd.DataFrame({
        "item": np.repeat(np.arange(N_CLIPS), N_RATERS),
        "rater": np.tile(np.arange(N_RATERS), N_CLIPS),
        "score": complete.ravel(),
    })
    t_ours6, ours6 = best_of(lambda: icc(r_complete), args.repeat)
    t_ping6, ping6 = best_of(
        lambda: pingouin.intraclass_corr(long, targets="item", raters="rater", ratings="score"), args.repeat)
    ping6 = ping6.set_index("Type")
    diff6 = max(
        max(abs(ours6[f].value - ping6.loc[name, "ICC"]), abs(ours6[f].F - ping6.loc[name, "F"]),
            abs(ours6[f].p - ping6.loc[name, "pval"]))
        for f, name in FORMS.items()
    )
    ratio6 = t_ping6 / t_ours6
    target6 = ratio6 >= 10 and diff6 <= 1e-9
    ok &= target6
    print(f"six ICC forms, complete {N_CLIPS} × {N_RATERS}: ours {t_ours6 * 1000:.2f} ms, "
          f"pingouin {t_ping6 * 1000:.1f} ms; ratio {ratio6:.0f}×; max |diff| {diff6:.1e}  "
          f"[{'OK' if target6 else 'MISS'}: ≥10×, ≤1e-9]")

    # 4. Krippendorff's alpha with missing data
    for level in ("nominal", "ordinal", "interval", "ratio"):
        r = ratings["sensitiviteit"]
        data = miss.T  # the package wants raters × units
        t_a, a = best_of(lambda: krippendorff_alpha(r, level), args.repeat)  # noqa: B023 - run in this pass
        t_k, k = best_of(lambda: krippendorff.alpha(reliability_data=data, level_of_measurement=level),  # noqa: B023
                         args.repeat)
        ratio_a = t_k / t_a
        target_a = ratio_a >= 1 and abs(a - k) <= 1e-9
        ok &= target_a
        print(f"Krippendorff alpha ({level}): ours {t_a * 1000:.2f} ms, krippendorff {t_k * 1000:.2f} ms; "
              f"ratio {ratio_a:.1f}×; |diff| {abs(a - k):.1e}  [{'OK' if target_a else 'MISS'}: ≥1×, ≤1e-9]")

    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
