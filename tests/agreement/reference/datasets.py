"""Published example data sets for the agreement statistics, each with its source.

All matrices are items (rows) × raters (columns), ``nan`` = missing, unless
the name says otherwise.
"""

from __future__ import annotations

import numpy as np

nan = np.nan

#: Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section
#: "C. Nominal data, any number of observers, missing values": observers A–D
#: (rows) × units 1–12 (columns). Published alpha: nominal .743,
#: interval .849, ratio .797. The same numbers are Gwet's irrCAC data set
#: ``cac.raw4raters`` (Gwet 2014, p. 120), transposed.
KRIPPENDORFF_2011_OBSERVERS = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],  # A
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],  # B
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],  # C
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],  # D
    ]
)

#: irrCAC ``cac.raw4raters``: 12 units × 4 raters (README of kgwet/irrCAC).
CAC_RAW4RATERS = KRIPPENDORFF_2011_OBSERVERS.T.copy()

#: Fleiss (1971), Table 1, as shipped in R ``irr`` as ``diagnoses``: 30
#: patients × 6 psychiatrists, categories 1 Depression, 2 Personality
#: disorder, 3 Schizophrenia, 4 Neurosis, 5 Other. Copied from statsmodels'
#: ``statsmodels/stats/tests/test_inter_rater.py`` (``diagnoses``), which
#: reproduces the R data set. Published kappa .430 (Fleiss 1971). Its first 15
#: rows are irrCAC's ``distrib.6raters`` (checked row by row against the
#: count table printed in the irrCAC README).
FLEISS_1971_DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ],
    dtype=float,
)

#: The Wikipedia "Fleiss' kappa" worked example: 10 subjects × 5 categories,
#: 14 raters each, as a count table (subjects × categories). Published kappa
#: 0.210. Also in statsmodels' tests (``table1``).
WIKIPEDIA_FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

#: SAS PROC FREQ example used in statsmodels' tests (``table10``): a 3 × 3
#: contingency table of two raters (rows rater 1, columns rater 2,
#: categories 1–3). SAS prints simple kappa .4842, ASE .1380, 95 % CI
#: (.2137, .7547); weighted kappa (Cicchetti–Allison = linear weights) .4701,
#: ASE .1457, 95 % CI (.1845, .7558).
SAS_TABLE10 = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])


def counts_to_matrix(counts: np.ndarray, categories: np.ndarray | None = None) -> np.ndarray:
    """Items × raters matrix from an items × categories count table (raters in category order)."""
    counts = np.asarray(counts, dtype=int)
    cats = np.arange(1, counts.shape[1] + 1) if categories is None else np.asarray(categories)
    return np.array([np.repeat(cats, row) for row in counts], dtype=float)


def table_to_pairs(table: np.ndarray) -> np.ndarray:
    """Items × 2 matrix from a two-rater contingency table (categories 1..q)."""
    rows = []
    for i, j in np.ndindex(*np.shape(table)):
        rows.extend([[i + 1, j + 1]] * int(table[i][j]))
    return np.array(rows, dtype=float)
