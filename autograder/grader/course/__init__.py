"""The kit as an nbgrader course, graded with the same checks and points as `nnkit grade`.

- `notebook`: the nbgrader source notebook, generated from the single source of truth, with
  one autograder test cell per stage;
- what those test cells call, inside the notebook's kernel, is autograder/checks/
  notebook_cells.py: the student wheel carries it (this package is the instructor's only);
- `preprocessors`: nbgrader preprocessors the course's nbgrader_config.py plugs in (a notebook
  that kills or wedges its kernel is still graded; feedback hides the hidden tests);
- `driver` and `cli`: `nnkit nbgrader ...`, which runs nbgrader in the course folder with the
  environment it needs and reports per student what autograde did;
- `export`: a per-stage CSV export for `nbgrader export`.

`nnkit nbgrader init COURSE` makes an nbgrader course of a folder (`init`).
"""

from autograder.checks.notebook_cells import TEST_CELL_MARKER  # noqa: F401 - re-exported

ASSIGNMENT = "neural_network"  # the nbgrader assignment and notebook name
CONFIG = "nbgrader_config.py"  # the course's nbgrader configuration, in the course folder


class CourseError(Exception):
    """The course folder or the environment cannot run nbgrader; the message says why."""
