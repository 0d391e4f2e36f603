"""The two grading options `nnkit grade` and `nnkit grade-batch` share, defined once: grading
with the reference substituted, and inputs drawn from the course secret."""

from __future__ import annotations

from collections.abc import Callable

import click

from autograder import assignment
from autograder.checks.grade import GradeOptions
from autograder.checks.inputs import read_secret

substitute_reference_option = click.option(
    "--substitute-reference", is_flag=True,
    help="Grade each stage with the reference in place of functions that failed in an earlier "
         "stage, so a mistake costs points only once (the report says so).")
secret_file_option = click.option(
    "--secret-file", type=click.Path(dir_okay=False),
    help="Draw the checks' inputs from the course secret in this file (instructor grading; "
         "default: $NNKIT_COURSE_SECRET_FILE, else $NNKIT_COURSE_SECRET, else the public "
         "inputs).")


def instructor_options(function: Callable) -> Callable:
    return substitute_reference_option(secret_file_option(function))


def apply_instructor_options(options: GradeOptions, substitute_reference: bool,
                             secret_file: str | None) -> GradeOptions:
    """`options` with both set; a student release, which holds no reference, refuses the
    substitution as a usage error."""
    if substitute_reference and not assignment.holds_solution():
        raise click.UsageError("--substitute-reference needs the reference solution, which this "
                               "copy of the kit does not hold (it is a student release)")
    options.substitute_reference = substitute_reference
    if secret_file:
        options.secret = read_secret(secret_file)
    return options
