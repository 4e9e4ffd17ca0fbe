# R calls that print the published reference values pinned in tests/agreement/.
#
# R was not available where the tests were written: the figures in the
# comments are copied from the sources named next to them (irrCAC README,
# irr documentation, Fleiss 1971, Krippendorff 2011) and recomputed
# independently by make_reference_values.py. Running this script with
# irrCAC and irr installed should print the same numbers.

library(irrCAC)
library(irr)

# --- irrCAC README (github.com/kgwet/irrCAC) -----------------------------------
cac.raw4raters                      # 12 units x 4 raters = Krippendorff (2011), transposed
gwet.ac1.raw(cac.raw4raters)$est    # AC1 0.77544, se 0.14295, CI (0.461, 1), pa 0.8181818, pe 0.1903212
fleiss.kappa.raw(cac.raw4raters)$est  # 0.76117, se 0.15302, CI (0.424, 1), pe 0.2387153
krippen.alpha.raw(cac.raw4raters)$est # 0.74342
gwet.ac1.dist(distrib.6raters)      # 0.4448007, se 0.08418757, CI (0.264, 0.625)
fleiss.kappa.dist(distrib.6raters)  # 0.4139265, se 0.08119291, CI (0.24, 0.588)

# Weighted (values as in the irrCAC Python port's tests, 3 decimals)
gwet.ac1.raw(cac.raw4raters, weights = "linear")$est     # 0.859, se 0.117, CI (0.600, 1)
gwet.ac1.raw(cac.raw4raters, weights = "quadratic")$est  # 0.914, se 0.104, CI (0.685, 1)
fleiss.kappa.raw(cac.raw4raters, weights = "linear")$est     # 0.818, se 0.149, CI (0.491, 1)
fleiss.kappa.raw(cac.raw4raters, weights = "quadratic")$est  # 0.865, se 0.146, CI (0.544, 1)

# With the declared 1-9 scale (what oefenkit does when scale_min/scale_max are set)
gwet.ac1.raw(cac.raw4raters, categ.labels = 1:9)$est

# --- irr ------------------------------------------------------------------------
data(diagnoses)
kappam.fleiss(diagnoses)            # Fleiss (1971): kappa 0.430
# Two raters, as in the cohen_kappa docstring:
x <- cbind(c(3, 4, 5, 6, 2, 7, 4, 3, 6, 5), c(3, 5, 5, 5, 3, 7, 4, 2, 6, 4))
kappa2(x)                           # 0.390
kappa2(x, weight = "squared")       # 0.884
