"""Faults of the environment, not of the student's code: no MNIST, no usable fence, a bad
setting. They stop grading with a clear message and their own exit status, and never cost the
student a point."""

from __future__ import annotations

EXIT_GRADED = 0  # grading completed, whatever the score
EXIT_USAGE = 2  # click's usage errors
EXIT_ENVIRONMENT = 3  # the kit could not grade here: see the message for the fix


class KitEnvironmentError(RuntimeError):
    """The environment cannot grade (message: what is wrong and how to fix it, one line)."""
