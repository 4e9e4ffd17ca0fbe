"""Full-precision ICC table of the Shrout & Fleiss (1979) Table 4 data from pingouin.

pingouin.intraclass_corr reproduces psych::ICC (its tests check against psych); it
rounds the confidence limits to 2 decimals. Output (pingouin 0.7.0, scipy 1.17):

    Type      ICC           F            df1 df2 pval            CI95
    ICC(1,1)  0.1657417684   1.7946784922  5  18 0.1647688083    [-0.13, 0.72]
    ICC(A,1)  0.2897637795  11.0272479564  5  15 0.0001345665    [0.02, 0.76]
    ICC(C,1)  0.7148407148  11.0272479564  5  15 0.0001345665    [0.34, 0.95]
    ICC(1,k)  0.4427971337   1.7946784922  5  18 0.1647688083    [-0.88, 0.91]
    ICC(A,k)  0.6200505476  11.0272479564  5  15 0.0001345665    [0.07, 0.93]
    ICC(C,k)  0.9093155424  11.0272479564  5  15 0.0001345665    [0.68, 0.99]
"""

import numpy as np
import pandas as pd
import pingouin as pg

SF = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)


def main() -> None:
    long = pd.DataFrame(
        [(i, j, SF[i, j]) for i in range(SF.shape[0]) for j in range(SF.shape[1])],
        columns=["target", "judge", "score"],
    )
    pd.set_option("display.precision", 10)
    pd.set_option("display.width", 200)
    print(pg.intraclass_corr(long, "target", "judge", "score"))


if __name__ == "__main__":
    main()
