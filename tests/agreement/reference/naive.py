"""Slow, loop-by-loop reference implementations, written independently of the package.

Each follows its source literally so the vectorised code in
``oefenkit.agreement`` can be checked against it:

* :func:`alpha` — Krippendorff (2011): enumerate the pairable values of every
  unit, fill the coincidence matrix pair by pair, loop over the difference
  function.
* :func:`irrcac` — a line-by-line transcription of irrCAC's
  ``fleiss.kappa.raw`` and ``gwet.ac1.raw`` (R/agree.coeff3.raw.r, kgwet/irrCAC,
  2021), including its ``den.ivec`` trick, ``pe.r2`` and the t-interval.
* :func:`cohen` — Cohen (1960/1968) with the Fleiss, Cohen & Everitt (1969)
  variance, cell by cell.

Nothing here imports ``oefenkit``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def _weights(cats, kind):
    q = len(cats)
    w = [[0.0] * q for _ in range(q)]
    span = cats[-1] - cats[0] if q > 1 else 1.0
    for k in range(q):
        for l in range(q):
            if kind == "unweighted":
                w[k][l] = 1.0 if k == l else 0.0
            elif kind == "linear":
                w[k][l] = 1.0 - abs(cats[k] - cats[l]) / span
            else:
                w[k][l] = 1.0 - (cats[k] - cats[l]) ** 2 / span**2
    return w


def alpha(matrix, level):
    """Krippendorff's alpha by explicit pair enumeration (items × raters input)."""
    units = []
    for row in np.asarray(matrix, dtype=float):
        vals = [float(v) for v in row if not math.isnan(v)]
        if len(vals) >= 2:
            units.append(vals)
    values = sorted({v for u in units for v in u})
    index = {v: i for i, v in enumerate(values)}
    V = len(values)
    o = [[0.0] * V for _ in range(V)]
    for u in units:
        m = len(u)
        for a in range(m):
            for b in range(m):
                if a != b:
                    o[index[u[a]]][index[u[b]]] += 1.0 / (m - 1)
    n_c = [sum(o[c][k] for k in range(V)) for c in range(V)]
    n = sum(n_c)

    def delta2(c, k):
        vc, vk = values[c], values[k]
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (vc - vk) ** 2
        if level == "ratio":
            return 0.0 if vc + vk == 0 else ((vc - vk) / (vc + vk)) ** 2
        lo, hi = min(c, k), max(c, k)
        return (sum(n_c[g] for g in range(lo, hi + 1)) - (n_c[c] + n_c[k]) / 2.0) ** 2

    d_o = sum(o[c][k] * delta2(c, k) for c in range(V) for k in range(V)) / n
    d_e = sum(n_c[c] * n_c[k] * delta2(c, k) for c in range(V) for k in range(V)) / (n * (n - 1))
    return 1.0 - d_o / d_e


def irrcac(matrix, coefficient, weights="unweighted", categories=None):
    """irrCAC's fleiss.kappa.raw / gwet.ac1.raw: dict with pa, pe, value, se, lcb, ucb.

    ``coefficient`` is ``"fleiss"`` or ``"gwet"``. Rows nobody rated must be
    removed first, as irrCAC's documentation asks; this function does that.
    """
    rows = [list(r) for r in np.asarray(matrix, dtype=float) if not all(math.isnan(v) for v in r)]
    if categories is None:
        categories = sorted({v for r in rows for v in r if not math.isnan(v)})
    cats = [float(c) for c in categories]
    q = len(cats)
    n = len(rows)
    w = _weights(cats, weights)
    agree = [[sum(1 for v in r if v == cats[k]) for k in range(q)] for r in rows]
    agree_w = [[sum(w[k][l] * agree[i][l] for l in range(q)) for k in range(q)] for i in range(n)]
    ri = [sum(a) for a in agree]
    sum_q = [sum(agree[i][k] * (agree_w[i][k] - 1) for k in range(q)) for i in range(n)]
    n2more = sum(1 for r in ri if r >= 2)
    pa = sum(sum_q[i] / (ri[i] * (ri[i] - 1)) for i in range(n) if ri[i] >= 2) / n2more
    pi = [sum(agree[i][k] / ri[i] for i in range(n)) / n for k in range(q)]
    if coefficient == "fleiss":
        pe = sum(w[k][l] * pi[k] * pi[l] for k in range(q) for l in range(q))
    else:
        tw = sum(sum(row) for row in w)
        pe = tw * sum(p * (1 - p) for p in pi) / (q * (q - 1))
    coeff = (pa - pe) / (1 - pe)

    x = []
    for i in range(n):
        den = ri[i] * (ri[i] - 1)
        den = den - (den == 0)
        pa_i = sum_q[i] / den
        pe_r2 = pe * (ri[i] >= 2)
        c_i = (n / n2more) * (pa_i - pe_r2) / (1 - pe)
        if coefficient == "fleiss":
            pi_w = [(sum(w[k][l] * pi[l] for l in range(q)) + sum(w[l][k] * pi[l] for l in range(q))) / 2 for k in range(q)]
            pe_i = sum(agree[i][k] * pi_w[k] for k in range(q)) / ri[i]
        else:
            tw = sum(sum(row) for row in w)
            pe_i = (tw / (q * (q - 1))) * sum(agree[i][k] * (1 - pi[k]) for k in range(q)) / ri[i]
        x.append(c_i - 2 * (1 - coeff) * (pe_i - pe) / (1 - pe))
    var = sum((xi - coeff) ** 2 for xi in x) / (n * (n - 1))
    se = math.sqrt(var)
    tq = stats.t.ppf(0.975, n - 1)
    return {
        "pa": pa,
        "pe": pe,
        "value": coeff,
        "se": se,
        "lcb": coeff - se * tq,
        "ucb": min(1.0, coeff + se * tq),
    }


def cohen(pairs, weights="unweighted", categories=None):
    """Cohen's (weighted) kappa with the Fleiss–Cohen–Everitt (1969) SE: (kappa, se).

    Weights come from the category ranks 0..q-1, as R ``irr::kappa2`` and
    scikit-learn build them.
    """
    pairs = [(a, b) for a, b in np.asarray(pairs, dtype=float) if not (math.isnan(a) or math.isnan(b))]
    if categories is None:
        categories = sorted({v for p in pairs for v in p})
    cats = [float(c) for c in categories]
    q = len(cats)
    n = len(pairs)
    w = _weights([float(k) for k in range(q)], weights)
    p = [[0.0] * q for _ in range(q)]
    for a, b in pairs:
        p[cats.index(a)][cats.index(b)] += 1.0 / n
    row = [sum(p[k]) for k in range(q)]
    col = [sum(p[k][l] for k in range(q)) for l in range(q)]
    po = sum(w[k][l] * p[k][l] for k in range(q) for l in range(q))
    pe = sum(w[k][l] * row[k] * col[l] for k in range(q) for l in range(q))
    kappa = (po - pe) / (1 - pe)
    wbar_row = [sum(w[k][l] * col[l] for l in range(q)) for k in range(q)]
    wbar_col = [sum(w[k][l] * row[k] for k in range(q)) for l in range(q)]
    s = 0.0
    for k in range(q):
        for l in range(q):
            s += p[k][l] * (w[k][l] * (1 - pe) - (wbar_row[k] + wbar_col[l]) * (1 - po)) ** 2
    var = (s - (po * pe - 2 * pe + po) ** 2) / (n * (1 - pe) ** 4)
    return kappa, math.sqrt(max(var, 0.0))
