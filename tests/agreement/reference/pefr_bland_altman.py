"""Bland & Altman (1986) PEFR example, recomputed with the standard library only (+ scipy's t).

Data: Lancet 1986; 327: 307-310, Table 1, first reading with each meter (l/min).
Published: mean difference (Wright - mini) -2.1, SD 38.8, limits -2.1 +/- 2 x 38.8
= -79.7 to 75.5 (the paper uses 2 SD and rounded figures).

Independent published check at 1.96 SD: the Analyse-it method-comparison tutorial
(https://analyse-it.com/docs/tutorials/blandaltman/estimatingloa) on the same data reports
mean difference 2.1 and limits -73.9 to 78.1 for mini - Wright.

Output:
    n 17  bias -2.1176  sd 38.7651
    z=2    limits -79.6479 75.4126
    z=1.96 limits -78.0973 73.8620
    t(0.975, 16) 2.1199  SE bias 9.4019  SE limit 16.2846
    bias CI -22.0488 17.8135
    z=2 lower-limit CI -114.1697 -45.1261  upper-limit CI 40.8908 109.9344
"""

import math
import statistics

from scipy.stats import t

wright = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
mini = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]


def main() -> None:
    d = [a - b for a, b in zip(wright, mini)]
    n = len(d)
    bias = statistics.fmean(d)
    sd = statistics.stdev(d)
    print(f"n {n}  bias {bias:.4f}  sd {sd:.4f}")
    for z in (2, 1.96):
        print(f"z={z}    limits {bias - z * sd:.4f} {bias + z * sd:.4f}")
    tq = t.ppf(0.975, n - 1)
    se_b = math.sqrt(sd**2 / n)
    se_l = math.sqrt(3 * sd**2 / n)
    print(f"t(0.975, {n - 1}) {tq:.4f}  SE bias {se_b:.4f}  SE limit {se_l:.4f}")
    print(f"bias CI {bias - tq * se_b:.4f} {bias + tq * se_b:.4f}")
    lo, hi = bias - 2 * sd, bias + 2 * sd
    print(f"z=2 lower-limit CI {lo - tq * se_l:.4f} {lo + tq * se_l:.4f}  "
          f"upper-limit CI {hi - tq * se_l:.4f} {hi + tq * se_l:.4f}")


if __name__ == "__main__":
    main()
