"""The kit as an nbgrader course, graded with the same checks and points as `nnkit grade`.

- `notebook`: the nbgrader source notebook, generated from the single source of truth, with
  one autograder test cell per stage;
- `kernel`: what those test cells call, inside the notebook's kernel;
- `preprocessors`: nbgrader preprocessors the course's nbgrader_config.py plugs in (a notebook
  that kills or wedges its kernel is still graded; feedback hides the hidden tests);
- `driver` and `cli`: `nnkit nbgrader ...`, which runs nbgrader in the course folder with the
  environment it needs and reports per student what autograde did;
- `export`: a per-stage CSV export for `nbgrader export`.

This module imports nothing heavy: the test cells import `autograder.grader.course.kernel` in every
student's kernel.
"""

ASSIGNMENT = "neural_network"  # the nbgrader assignment and notebook name
TEST_CELL_MARKER = "# nnkit autograder:"  # first line of every generated test cell
