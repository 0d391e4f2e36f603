"""How far the official grading's MNIST accuracy may be from a student's own `nnkit check`: the
same code trains in another hidden order (checks/stages/hidden_order.py: a permutation of
pixels and labels drawn from the grader's secret), which acts like another random start. This
grades the reference's stage 6 under several secrets and reports the spread, from which the
margin the kit states (checks/stages/official_margin.py) is taken.

    python benchmarks/official_margin.py [--secrets 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import mnist_environment, table, write_results  # noqa: E402


def accuracies(count: int) -> list[float]:
    from autograder import assignment
    from autograder.checks.grade import GradeOptions, grade
    from autograder.checks.stages.hidden_order import SECRET_ENV

    path = assignment.write_solution(tempfile.mkdtemp(prefix="nnkit-margin-"))
    found = []
    for number in range(count):
        os.environ[SECRET_ENV] = f"benchmark-secret-{number}"
        found.append(grade(path, GradeOptions(stages=(6,))).mnist["accuracy"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--secrets", type=int, default=8)
    args = parser.parse_args()
    mnist_environment()
    found = accuracies(args.secrets)
    mean, spread = statistics.mean(found), statistics.stdev(found)
    rows = [[f"secret {n}", f"{a:.2%}"] for n, a in enumerate(found)]
    body = (table(["hidden order", "reference's test accuracy"], rows)
            + f"\n\nMean {mean:.2%}, standard deviation {spread * 100:.2f} points, range "
            f"{(max(found) - min(found)) * 100:.2f} points. Two gradings of the same code (a "
            "student's check and the official grading) differ with a standard deviation of "
            f"{spread * 2 ** 0.5 * 100:.2f} points: by at most about three of those "
            f"({3 * spread * 2 ** 0.5 * 100:.2f} points) in 99.7% of cases, the margin the kit "
            "states (checks/stages/official_margin.py).")
    write_results("official_margin", "Accuracy across hidden orders", body)


if __name__ == "__main__":
    main()
