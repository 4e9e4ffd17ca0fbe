# Expected values of tests/agreement/test_percent.py (cac.raw4raters).
# Data: irrCAC's cac.raw4raters (Gwet 2014, Handbook of Inter-Rater Reliability), 12 units x 4 raters,
# with missing ratings:
#    Rater1 Rater2 Rater3 Rater4
# 1       1      1     NA      1
# 2       2      2      3      2
# 3       3      3      3      3
# 4       3      3      3      3
# 5       2      2      2      2
# 6       1      2      3      4
# 7       4      4      4      4
# 8       1      1      2      1
# 9       2      2      2      2
# 10     NA      5      5      5
# 11     NA     NA      1      1
# 12     NA     NA      3     NA
library(irrCAC)
pa.coeff.raw(cac.raw4raters)$est
# Published output (irrCAC README / overview vignette, K. L. Gwet):
#          coeff.name        pa pe coeff.val coeff.se  conf.int      p.value
# 1 Percent Agreement 0.8181818  0 0.8181818  0.12561 (0.542,1) 4.345373e-05
#
# By hand: items with >= 2 ratings are 1-11; agreeing-pair shares 1, .5, 1, 1, 1, 0, 1, .5, 1, 1, 1
# -> 9/11 = 0.8181818.

library(irr)
agree(cac.raw4raters)                 # na.omit keeps units 2-9; all equal on 3,4,5,7,9 -> 5/8 = 62.5 %
agree(cac.raw4raters, tolerance = 1)  # max - min <= 1 on all but unit 6 -> 7/8 = 87.5 %
# Not re-run in R here: the two irr values are computed by hand from irr's documented rule
# (na.omit, then the share of rows with max - min <= tolerance).
