"""The grading options the commands share, defined once: the threshold and time budget (the
course's unless given), grading with the reference substituted, inputs drawn from the course
secret, and (grading for credit) the explicit request for the public inputs."""

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


threshold_option = click.option(
    "--threshold", type=click.FloatRange(0, 1), default=None,
    help="MNIST test accuracy needed to pass stage 6 [default: the course's threshold in "
         "nnkit-course.toml, else 0.95].")
time_budget_option = click.option(
    "--time-budget", type=click.FloatRange(min=1), default=None,
    help="Seconds allowed for train() on MNIST [default: the course's time_budget, else 600].")
public_inputs_option = click.option(
    "--public-inputs", is_flag=True, default=None,
    help="Grade for credit on the public inputs, without a course secret (a release's recorded "
         "answers then earn points) [default: grading_on_public_inputs in nnkit-course.toml, "
         "else refuse].")


def course_values(options: GradeOptions, threshold: float | None = None,
                  time_budget: float | None = None,
                  public_inputs: bool | None = None) -> GradeOptions:
    """`options` with what the command line gave; what it did not give stays the course's
    (GradeOptions' defaults come from autograder/settings.py)."""
    if threshold is not None:
        options.mnist_threshold = threshold
    if time_budget is not None:
        options.mnist_time_budget = time_budget
    if public_inputs:
        options.public_inputs = True
    return options


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
