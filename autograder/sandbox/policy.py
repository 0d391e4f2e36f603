"""Which fence, and what it is worth: no fence, no grade.

`choose_isolation` picks the strongest fence that works here (or the one NNKIT_ISOLATION names);
the fence's own `strength` (isolation.py: STRONG, WEAK, or NONE when nothing ran) is the verdict
every consumer reads, from the Isolation object or from the report's `fence`.

Grading for credit (grade-batch, Gradescope, nbgrader autograde) runs submitted code only
behind a strong fence (bubblewrap, or the dedicated-user fence as root). Where
neither can run, it refuses with a one-line message naming the fix, unless the instructor
explicitly accepts the risk (`--unsafe`, or NNKIT_UNSAFE=1 where there is no command line).
A student's own `nnkit check` is not for credit: it runs with the fallback and says so."""

from __future__ import annotations

import os
import shutil

from autograder.errors import KitEnvironmentError
from autograder.sandbox.dedicated_user import DedicatedUserIsolation, dedicated_user_problem
from autograder.sandbox.isolation import (
    MODE_ENV,
    MODES,
    STRONG,
    BubblewrapIsolation,
    Isolation,
    IsolationUnavailable,
    Limits,
    bubblewrap_problem,
)

UNSAFE_ENV = "NNKIT_UNSAFE"


def unsafe_from_environment() -> bool:
    return os.environ.get(UNSAFE_ENV, "").strip().lower() in ("1", "yes", "true")


def choose_isolation(limits: Limits | None = None) -> Isolation:
    """Bubblewrap where it works, else (as root) the dedicated-user fence, else the fallback.
    NNKIT_ISOLATION forces one: bwrap, user (dedicated_user.py) or process."""
    mode = os.environ.get(MODE_ENV, "auto")
    if mode not in MODES:
        raise KitEnvironmentError(f"{MODE_ENV}={mode!r} is not a fence: use one of "
                                  f"{', '.join(MODES)} (or leave it unset for auto).")
    try:
        limits = limits or Limits.from_environment()
    except ValueError as error:
        raise KitEnvironmentError(str(error)) from None
    if mode == "process":
        return Isolation(limits, f"{MODE_ENV}=process")
    problem = None
    if mode in ("auto", "bwrap"):
        bwrap = shutil.which("bwrap")
        problem = ("bubblewrap (bwrap) is not installed" if bwrap is None
                   else bubblewrap_problem(bwrap, limits))
        if problem is None:
            return BubblewrapIsolation(limits, bwrap)
        if mode == "bwrap":
            raise IsolationUnavailable(f"{MODE_ENV}=bwrap, but {problem}")
    user_problem = dedicated_user_problem(limits)
    if user_problem is None:
        return DedicatedUserIsolation(limits)
    if mode == "user":
        raise IsolationUnavailable(f"{MODE_ENV}=user, but {user_problem}")
    return Isolation(limits, f"{problem}; {user_problem}")


def fence_for_credit(unsafe: bool = False, limits: Limits | None = None) -> Isolation:
    """The fence to grade for credit with; KitEnvironmentError if there is none (and not
    `unsafe`)."""
    isolation = choose_isolation(limits)
    if isolation.strength == STRONG or unsafe or unsafe_from_environment():
        return isolation
    raise KitEnvironmentError(
        f"no fence to grade for credit here ({isolation.reason}): install bubblewrap "
        "(apt-get install bubblewrap) or grade as root; --unsafe (or NNKIT_UNSAFE=1) grades "
        "anyway, with submitted code running as you and able to read and change your files.")


def main() -> None:
    """`python -m autograder.sandbox.policy`: say which fence grading would use, or exit 3."""
    import sys

    from autograder.errors import EXIT_ENVIRONMENT

    try:
        isolation = fence_for_credit()
    except KitEnvironmentError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_ENVIRONMENT) from None
    print(f"Grading fence: {isolation.name}")


if __name__ == "__main__":
    main()
