"""nbgrader configuration of the nnkit course (see "Grading with nbgrader" in the README).

nbgrader reads this file only from the folder it runs in: run nbgrader from this folder, or use
`nnkit nbgrader ... COURSE`, which does that and puts `alembic` (which nbgrader runs to create
its gradebook) on PATH. `nnkit nbgrader init COURSE` writes this file into COURSE from the
installed kit; the source notebook is generated: `nnkit nbgrader release COURSE`.
"""

import os
import warnings

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from sqlalchemy.exc import SAWarning

from autograder.grader.course.export import StageCsvExport
from autograder.grader.course.feedback import ReadableFeedback
from autograder.grader.course.fenced_kernel import FencedKernelManager
from autograder.grader.course.outside import GradeOutsideKernel
from autograder.grader.course.preprocessors import CellTimeouts, GradingExecute, HideHiddenTests

c = get_config()  # noqa: F821 - nbgrader provides get_config when it loads this file

# nbgrader 0.9 builds a new submission's gradebook rows through relationships that SQLAlchemy 2
# autoflushes before the rows are added, and SQLAlchemy then warns "Object of type
# <SubmittedAssignment> not in session" for every new submission; nbgrader adds the rows right
# after, so nothing is lost (nbgrader's own code, with SQLAlchemy 2). Silenced: only that one.
warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session",
                        category=SAWarning)

c.CourseDirectory.course_id = "nnkit"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# The stage-6 test cell trains the student's network on MNIST within the kit's 600 s budget, then
# tests it: 900 s is enough for that and still finite. The student's own cells hold no points
# (an experiment such as their own training run): they get 300 s, then are interrupted.
# nbclient asks timeout_func for every cell; Execute.timeout, its fallback, is the longer limit.
TEST_CELL_SECONDS, STUDENT_CELL_SECONDS = 900, 300
c.Execute.timeout = TEST_CELL_SECONDS
c.Execute.timeout_func = CellTimeouts(test_cells=TEST_CELL_SECONDS,
                                      student_cells=STUDENT_CELL_SECONDS)
c.Execute.kernel_name = "python3"  # whatever kernelspec a submission claims
c.Execute.interrupt_on_timeout = True  # a timed-out cell is interrupted; later cells still run
c.GradingExecute.interrupt_grace = 10  # seconds; a kernel that ignores the interrupt is stopped

# Students' stubs, in place of the code between ### BEGIN SOLUTION and ### END SOLUTION.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError(\"not written yet: replace this line "
              "with your code (the docstring says what it must do)\")",
}

# A test cell a student edited is put back from the gradebook (checksums); one they deleted is
# added back, so it is graded with the instructor's version rather than not at all.
c.OverwriteCells.add_missing_cells = True

# Autograde with GradingExecute: a notebook that kills or wedges its kernel is graded 0 for the
# cells it did not finish instead of failing the whole batch. The rest is nbgrader's default list.
c.Autograde.autograde_preprocessors = [
    GradingExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, GradeOutsideKernel,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
# Every test cell's points and output come from nnkit's own grading of the notebook's
# definitions, in the fenced sandbox (GradeOutsideKernel), never from the kernel. By default no
# kernel is started at all: autograde costs one `nnkit grade` per notebook plus nbgrader's own
# bookkeeping, and students' cells keep no output. True re-runs their cells (for their outputs in
# the feedback) in a fenced kernel: bubblewrap, no network, an unprivileged uid, no view of
# source/, other submissions or the gradebook (autograder/grader/course/fenced_kernel.py).
c.GradingExecute.enabled = False
c.GradingExecute.kernel_manager_class = FencedKernelManager
# With the kernel on, the notebook's demos (experiments outside the answer cells: its own MNIST
# training, its figures) are not run during autograde; True runs them too.
c.GradingExecute.run_experiments = False

# Feedback shows each stage's messages but not the hidden tests (nbgrader shows them by default);
# long messages wrap, and the maths is MathML, drawn by the browser offline (no MathJax CDN).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor,
                                    ReadableFeedback]

# `nbgrader export`: nbgrader's CSV columns plus the points of each stage (stage1 ... stage6).
c.ExportApp.plugin_class = StageCsvExport
