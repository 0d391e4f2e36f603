"""How far the official grading's MNIST accuracy may be from a student's own check. Stage 6
trains in a hidden order of pixels and labels drawn from the grader's secret (hidden_order.py),
so the official grading trains the same code in another order than `nnkit check` did: for a
fully connected network that is another random start, and the accuracy moves a little.
benchmarks/official_margin.py measures it on the reference (results/official_margin.md): the
reference's accuracy has a standard deviation of 0.09 points across orders, so two gradings (the
student's and the official one) differ with a standard deviation of 0.13 points; the margin
below is about three of those, and a student whose accuracy is within it of the threshold is
warned that the official grading may land on the other side."""

from __future__ import annotations

from autograder.checks import inputs

MARGIN = 0.004  # accuracy (0.4 percentage points): see benchmarks/results/official_margin.md


def is_local() -> bool:
    """Graded on the public inputs (a student's own check), not the course's official
    grading, whose secret also fixes its hidden order."""
    return not inputs.secret_in_use()


def official_note(accuracy: float, threshold: float) -> str:
    """What a local grading says about the official one: the margin, and a warning when the
    accuracy is within it of the threshold ('' for the official grading itself)."""
    if not is_local():
        return ""
    points = f"{MARGIN * 100:.1f} points"
    if abs(accuracy - threshold) <= MARGIN:
        outcome = "fail" if accuracy >= threshold else "pass or fail"
        return (f" Careful: {accuracy:.2%} is within {points} of the {threshold:.0%} threshold. "
                f"The official grading trains your network in another hidden order, which moves "
                f"the accuracy by up to about {points}, so it may {outcome} there: train a "
                "little more (an epoch more, or a larger hidden layer) to be safe.")
    return f" The official grading may differ by about {points} (another hidden order)."
