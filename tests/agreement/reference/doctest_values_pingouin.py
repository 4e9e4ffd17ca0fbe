"""ICC(A,1) values quoted in the docstring examples of oefenkit/agreement/{icc,trainee}.py.

Output (pingouin 0.7.0):
    icc_a1_many row 2: 0.946237
    icc_a1_many row 3: 0.949045
    trainee_vs_experts: 0.960474
    expert_consensus (items a-e): 0.970874
"""

import numpy as np
import pandas as pd
import pingouin as pg


def icc_a1(*columns):
    rows = [(i, j, v) for i, row in enumerate(zip(*columns)) for j, v in enumerate(row)]
    df = pd.DataFrame(rows, columns=["item", "rater", "score"])
    table = pg.intraclass_corr(df, "item", "rater", "score", nan_policy="omit").set_index("Type")
    return table.loc["ICC(A,1)", "ICC"]


def main() -> None:
    reference = [1, 3, 5, 7, 9, 4]
    print(f"icc_a1_many row 2: {icc_a1([2, 4, 6, 8, 9, 5], reference):.6f}")
    print(f"icc_a1_many row 3: {icc_a1([2, 3, np.nan, 6, 8, 5], reference):.6f}")
    print(f"trainee_vs_experts: {icc_a1([2, 3, 5, 7, 8, 8], [1, 2, 5, 6, 8, 9]):.6f}")
    print(f"expert_consensus (items a-e): {icc_a1([2, 7, 5, 1, 9], [3, 8, 5, 1, 8]):.6f}")


if __name__ == "__main__":
    main()
