"""Saying so on the terminal when submitted code ran without a strong fence.

The fence decides its own strength once (autograder/sandbox/isolation.py, `Isolation.strength`)
and every report carries that verdict (`fence`), beside the fence's name (`isolation`). A
report graded under a weak fence (the process-group fallback) is worth a warning where people
look, not only in the JSON; a strong one (bubblewrap, the dedicated user) is not, and neither
is "none" (no submitted code ran) or a report that carries no verdict.
"""

from __future__ import annotations

from autograder.sandbox.isolation import WEAK


def weakened(fence: str, isolation: str) -> str | None:
    """One line warning that the fence (its verdict `fence`, its name `isolation`) was weak,
    or None when it was not."""
    if fence != WEAK:
        return None
    return ("warning: submitted code ran WITHOUT the full sandbox (it could read this machine's "
            f"files and use the network): {isolation}. For grading that counts, make bubblewrap "
            "work here (Debian/Ubuntu: apt install bubblewrap) or grade as root.")
