"""No secret, no credit: grading for credit (grade-batch, Gradescope, nbgrader autograde,
classroom grade) draws the checks' inputs from the course secret. On the public inputs a
release's recorded answers would earn points (a table of them, looked up by the inputs' digest),
so grading for credit refuses them unless the instructor asks for them explicitly."""

from __future__ import annotations

import os
from typing import Protocol

from autograder.checks.inputs import read_secret
from autograder.errors import KitEnvironmentError

FIX = ("run `nnkit course init DIR` and grade with --course DIR (or in DIR), or give --secret-file "
       "FILE; --public-inputs grades on the public inputs anyway (a release's recorded answers "
       "then earn points)")


PUBLIC_INPUTS_ENV = "NNKIT_PUBLIC_INPUTS"  # --public-inputs, for the processes a command starts


def public_inputs_requested() -> bool:
    """Whether the instructor asked for the public inputs where there is no command line."""
    return os.environ.get(PUBLIC_INPUTS_ENV, "").strip().lower() in ("1", "yes", "true")


class CreditOptions(Protocol):
    secret: bytes | None
    public_inputs: bool


def refuse_public_inputs(options: CreditOptions) -> None:
    """Grading for credit: `options.secret`, found now if it was not given (the course in force
    may have made it since the options were); KitEnvironmentError (exit 3, one line) when there
    is none and the instructor did not ask for the public inputs."""
    if options.secret is None and not options.public_inputs:
        options.secret = read_secret()
    if options.secret is None and not options.public_inputs:
        raise PublicInputsRefused(f"no course secret to grade for credit with: {FIX}")


class PublicInputsRefused(KitEnvironmentError):
    """Grading for credit found no course secret and was not asked to use the public inputs."""
