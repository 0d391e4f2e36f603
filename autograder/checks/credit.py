"""No secret, no credit: grading for credit (grade-batch, Gradescope, nbgrader autograde,
classroom grade) draws the checks' inputs from the course secret. On the public inputs a
release's recorded answers would earn points (a table of them, looked up by the inputs' digest),
so grading for credit refuses them unless the instructor asks for them explicitly."""

from __future__ import annotations

from typing import Protocol

from autograder.errors import KitEnvironmentError

FIX = ("make a course with `nnkit course init DIR` (its secret is then found through --course "
       "DIR, $NNKIT_COURSE or the folder you are in), or give --secret-file FILE; "
       "--public-inputs (grading_on_public_inputs = true in nnkit-course.toml) grades on the "
       "public inputs anyway, where a release's recorded answers earn points")


class CreditOptions(Protocol):
    secret: bytes | None
    public_inputs: bool


def refuse_public_inputs(options: CreditOptions) -> None:
    """KitEnvironmentError (exit 3, one line) when grading for credit would use the public
    inputs without the instructor having asked for them."""
    if options.secret is None and not options.public_inputs:
        raise PublicInputsRefused(f"no course secret to grade for credit with: {FIX}")


class PublicInputsRefused(KitEnvironmentError):
    """Grading for credit found no course secret and was not asked to use the public inputs."""
