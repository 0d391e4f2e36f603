"""Moved to autograder/checks/notebook_cells.py, which the student wheel carries (the test cells
of notebooks generated before the move still import it from here, in the instructor's kit)."""

from autograder.checks.notebook_cells import (  # noqa: F401 - re-exported
    checks_of,
    describe,
    executed_cells,
    grade_checks,
    instructor_only,
    sandbox_for,
    saved_cell_labels,
    submission_source,
)
