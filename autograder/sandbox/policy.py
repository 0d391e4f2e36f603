"""No fence, no grade: grading for credit (grade-batch, Gradescope, nbgrader autograde) runs
submitted code only behind a real fence (bubblewrap, or the dedicated-user fence as root). Where
neither can run, it refuses with a one-line message naming the fix, unless the instructor
explicitly accepts the risk (`--unsafe`, or NNKIT_UNSAFE=1 where there is no command line).
A student's own `nnkit check` is not for credit: it runs with the fallback and says so."""

from __future__ import annotations

import os

from autograder.errors import KitEnvironmentError
from autograder.sandbox.isolation import Isolation, Limits, choose_isolation

UNSAFE_ENV = "NNKIT_UNSAFE"


def unsafe_from_environment() -> bool:
    return os.environ.get(UNSAFE_ENV, "").strip().lower() in ("1", "yes", "true")


def fence_for_credit(unsafe: bool = False, limits: Limits | None = None) -> Isolation:
    """The fence to grade for credit with; KitEnvironmentError if there is none (and not
    `unsafe`)."""
    isolation = choose_isolation(limits)
    if isolation.fenced or unsafe or unsafe_from_environment():
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
