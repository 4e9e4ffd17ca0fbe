"""Print every number the agreement tests pin, next to where it comes from.

Run from the project root::

    python -m tests.agreement.reference.make_reference_values

For each published value it prints the published figure, the value of an
implementation that does not use ``oefenkit`` (``naive.py``, statsmodels,
scikit-learn, the ``krippendorff`` package) and the value of ``oefenkit``.
The published figures are copied from:

* Krippendorff (2011), "Computing Krippendorff's alpha-reliability" —
  nominal .743, interval .849, ratio .797 (4 observers × 12 units);
* Fleiss (1971), Table 1 / R ``irr::kappam.fleiss(diagnoses)`` — kappa .430;
* Wikipedia, "Fleiss' kappa", worked example — kappa 0.210;
* irrCAC README (github.com/kgwet/irrCAC) — ``gwet.ac1.raw(cac.raw4raters)``:
  AC1 0.77544, se 0.14295, CI (0.461, 1); ``fleiss.kappa.raw(cac.raw4raters)``:
  0.76117, se 0.15302, CI (0.424, 1); ``krippen.alpha.raw``: 0.74342;
  ``fleiss.kappa.dist(distrib.6raters)``: 0.4139265, se 0.08119291,
  CI (0.24, 0.588); ``gwet.ac1.dist(distrib.6raters)``: 0.4448007,
  se 0.08418757, CI (0.264, 0.625);
* the irrCAC Python port's test suite (github.com/afergadis/irrCAC,
  ``test/unit/irrCAC/raw/test_gwet.py``, ``test_fleiss.py``) for the weighted
  coefficients on ``cac.raw4raters`` (3 decimals): AC2 linear 0.859 / se 0.117 /
  lower 0.600, AC2 quadratic 0.914 / 0.104 / 0.685, Fleiss linear 0.818 / 0.149 /
  0.491, Fleiss quadratic 0.865 / 0.146 / 0.544;
* SAS PROC FREQ output in statsmodels' tests (``test_inter_rater.py``) —
  kappa .4842, ASE .1380, CI (.2137, .7547); weighted .4701, ASE .1457,
  CI (.1845, .7558).

R is not installed where these tests were written; ``irrcac_reference.R``
holds the R calls that print the irrCAC and irr figures above.
"""

from __future__ import annotations

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from oefenkit.agreement import Ratings
from oefenkit.agreement.gwet import gwet_ac1, gwet_ac2
from oefenkit.agreement.kappa import cohen_kappa, fleiss_kappa
from oefenkit.agreement.krippendorff import krippendorff_alpha

from . import datasets as data
from . import naive


def _r(m):
    return Ratings.from_matrix(m)


def _line(label, published, independent, ours):
    print(f"{label:<48} published {published!s:<28} independent {independent!s:<46} oefenkit {ours}")


def _fmt(est_or_dict, digits=5):
    if isinstance(est_or_dict, dict):
        v, se, lo, hi = (est_or_dict[k] for k in ("value", "se", "lcb", "ucb"))
    else:
        v, se, (lo, hi) = est_or_dict.value, est_or_dict.se, est_or_dict.ci95
    return f"{v:.{digits}f} se {se:.{digits}f} ({lo:.3f}, {hi:.3f})"


def main() -> None:
    k2011 = data.KRIPPENDORFF_2011_OBSERVERS
    for level, published in [("nominal", ".743"), ("ordinal", "(not published)"), ("interval", ".849"),
                             ("ratio", ".797")]:
        pkg = krippendorff.alpha(reliability_data=k2011, level_of_measurement=level)
        _line(f"Krippendorff 2011 alpha {level}", published,
              f"package {pkg:.6f} / pairs {naive.alpha(k2011.T, level):.6f}",
              f"{krippendorff_alpha(_r(k2011.T), level):.6f}")

    diag = data.FLEISS_1971_DIAGNOSES
    table, _ = aggregate_raters(diag.astype(int))
    _line("Fleiss 1971 kappa", ".430", f"statsmodels {sm_fleiss_kappa(table):.6f}",
          f"{fleiss_kappa(_r(diag)).value:.6f}")
    wiki = data.counts_to_matrix(data.WIKIPEDIA_FLEISS_COUNTS)
    _line("Wikipedia Fleiss kappa", "0.210", f"statsmodels {sm_fleiss_kappa(data.WIKIPEDIA_FLEISS_COUNTS):.6f}",
          f"{fleiss_kappa(_r(wiki)).value:.6f}")

    cac = data.CAC_RAW4RATERS
    _line("irrCAC fleiss.kappa.raw(cac.raw4raters)", "0.76117 se 0.15302 (0.424,1)",
          _fmt(naive.irrcac(cac, "fleiss")), _fmt(fleiss_kappa(_r(cac))))
    _line("irrCAC gwet.ac1.raw(cac.raw4raters)", "0.77544 se 0.14295 (0.461,1)",
          _fmt(naive.irrcac(cac, "gwet")), _fmt(gwet_ac1(_r(cac))))
    d15 = diag[:15]
    _line("irrCAC fleiss.kappa.dist(distrib.6raters)", "0.4139265 se 0.08119291 (0.24,0.588)",
          _fmt(naive.irrcac(d15, "fleiss"), 8), _fmt(fleiss_kappa(_r(d15)), 8))
    _line("irrCAC gwet.ac1.dist(distrib.6raters)", "0.4448007 se 0.08418757 (0.264,0.625)",
          _fmt(naive.irrcac(d15, "gwet"), 8), _fmt(gwet_ac1(_r(d15)), 8))
    for weights, pub_ac2, pub_fleiss in [("linear", "0.859 se 0.117 (0.600,1)", "0.818 se 0.149 (0.491,1)"),
                                         ("quadratic", "0.914 se 0.104 (0.685,1)", "0.865 se 0.146 (0.544,1)")]:
        _line(f"irrCAC gwet.ac1.raw(.., weights='{weights}')", pub_ac2,
              _fmt(naive.irrcac(cac, "gwet", weights)), _fmt(gwet_ac2(_r(cac), weights)))
        _line(f"irrCAC fleiss.kappa.raw(.., weights='{weights}')", pub_fleiss,
              _fmt(naive.irrcac(cac, "fleiss", weights)), _fmt(fleiss_kappa(_r(cac), weights)))

    pairs = data.table_to_pairs(data.SAS_TABLE10)
    for weights, published in [("unweighted", ".4842 ASE .1380 (.2137,.7547)"),
                               ("linear", ".4701 ASE .1457 (.1845,.7558)")]:
        sm = cohens_kappa(data.SAS_TABLE10) if weights == "unweighted" else cohens_kappa(
            data.SAS_TABLE10, weights=[1, 2, 3], wt="linear")
        sk = cohen_kappa_score(pairs[:, 0], pairs[:, 1], weights=None if weights == "unweighted" else weights)
        est = cohen_kappa(_r(pairs), weights)
        _line(f"SAS PROC FREQ kappa ({weights})", published,
              f"statsmodels {sm.kappa:.4f} ASE {sm.std_kappa:.4f} ({sm.kappa_low:.4f},{sm.kappa_upp:.4f}) "
              f"sklearn {sk:.4f}",
              f"{est.value:.4f} ASE {est.se:.4f} ({est.ci95[0]:.4f},{est.ci95[1]:.4f})")


if __name__ == "__main__":
    np.set_printoptions(precision=6)
    main()
