"""nbgrader preprocessors the course plugs in through its nbgrader_config.py.

- `CellTimeouts` (as `Execute.timeout_func`): the test cells get long enough for MNIST, the
  student's own cells (experiments, which hold no points) a shorter limit.
- `GradingExecute` (autograde): when a notebook kills its kernel, or keeps it busy even after the
  interrupt at a cell's timeout, stock nbgrader discards the whole notebook, grades nothing of
  it and exits 1 for the batch. Here the cells it did not reach are marked as not run, so it is
  graded 0 for what it did not finish and the rest of the class is graded as usual. During
  autograde (nbgrader sets NBGRADER_EXECUTION) it also leaves out the experiments outside the
  answer cells, by the rule `nnkit grade` uses: the notebook's demos, its own MNIST training
  among them, cost nothing (`GradingExecute.run_experiments = True` runs them).
- `HideHiddenTests` (generate_feedback): nbgrader puts the hidden tests back into the feedback
  by default; this removes them, and the tracebacks that would quote them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests, Execute
from traitlets import Bool, Integer

from autograder.checks.stages import needed_names
from autograder.grader.course.exchange import is_test_cell
from autograder.sandbox.loader import UnparsableCode, parse_python, strip_magics
from autograder.sandbox.worker_side.plan import plan_blocks

TIMED_OUT = "CellTimeoutError"  # nbgrader's name for a cell stopped at its timeout
KERNEL_DIED = "KernelDied"  # the kernel process ended during this cell
KERNEL_STUCK = "KernelStuck"  # the cell timed out and the kernel ignored the interrupt
NOT_RUN = "NotRun"  # a cell after one of those two
EXPERIMENT_NOTE = ("Not run during autograde: this cell is an experiment (it calls your "
                   "functions or the kit's plotting or training helpers), and grading does not "
                   "run experiments. Your points come from your definitions.\n")


@dataclass(frozen=True)
class CellTimeouts:
    """Seconds a cell may run: `Execute.timeout_func = CellTimeouts(test_cells=..., ...)`."""

    test_cells: int
    student_cells: int

    def __call__(self, cell: NotebookNode) -> int:
        return self.test_cells if is_test_cell(cell) else self.student_cells


def error(name: str, message: str) -> NotebookNode:
    return new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


class GradingExecute(Execute):
    """nbgrader's Execute, but one notebook's dead or stuck kernel costs only that notebook's
    unfinished cells (see the module docstring)."""

    interrupt_grace = Integer(
        10, help="Seconds a kernel has to answer after a timed-out cell was interrupted; one "
                 "that does not is stopped and the rest of its notebook is marked not run."
    ).tag(config=True)

    run_experiments = Bool(
        False, help="Also run, during autograde, the cells outside the answer cells that hold an "
                    "experiment (a call of the student's functions or of the kit's plotting and "
                    "training helpers, by the rule `nnkit grade` uses): the notebook's demos, "
                    "its own MNIST training among them. nbgrader sets NBGRADER_EXECUTION during "
                    "autograde; by default those cells are not run then."
    ).tag(config=True)

    lost = ""  # why the rest of the current notebook cannot run; empty while the kernel is fine
    experiments: frozenset[int] = frozenset()  # indices of the cells not run during autograde

    def preprocess(self, nb: NotebookNode, resources: dict, km=None
                   ) -> tuple[NotebookNode, dict]:
        self.lost = ""
        autograding = bool(os.environ.get("NBGRADER_EXECUTION"))
        self.experiments = (experiment_cells(nb) if autograding and not self.run_experiments
                            else frozenset())
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int
                        ) -> tuple[NotebookNode, dict]:
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)  # not sent to the kernel
        if is_test_cell(cell):  # its points and output come from outside (outside.py)
            cell.outputs = []
            return cell, resources
        where = f"code cell {self.code_cell_number(index)}"
        if index in self.experiments:
            cell.outputs = [new_output("stream", name="stdout", text=EXPERIMENT_NOTE)]
            return cell, resources
        if self.lost:
            cell.outputs = [error(NOT_RUN, f"{where} was not run: {self.lost}.")]
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            stopped = self.timed_out(cell)
        except DeadKernelError:
            self.lost = f"the kernel died in {where}"
            cell.outputs.append(error(KERNEL_DIED, (
                f"The kernel died while running {where} (did the code call os._exit(), crash "
                "Python, or use up the memory?). The cells after it were not run.")))
            self.log.error("Kernel died in %s; the rest of the notebook is marked not run", where)
            return cell, resources
        except CellTimeoutError:  # timed out, and no output came after the interrupt either
            cell.outputs.append(error(TIMED_OUT, f"{where} ran past its time limit."))
            stopped = True
        if stopped and not run_sync(self.kernel_answers)(self.interrupt_grace):
            self.lost = f"the kernel was stuck in {where}"
            cell.outputs.append(error(KERNEL_STUCK, (
                f"{where} ran past its time limit and the kernel ignored the interrupt for "
                f"{self.interrupt_grace} s, so it was stopped. The cells after it were not run.")))
            self.log.error("Kernel stuck in %s; stopped, the rest is marked not run", where)
            run_sync(self.stop_kernel)()
        return cell, resources

    def code_cell_number(self, index: int) -> int:
        """The cell's number among the notebook's code cells, as `nnkit grade` counts them."""
        return sum(1 for cell in self.nb.cells[: index + 1] if cell.cell_type == "code")

    @staticmethod
    def timed_out(cell: NotebookNode) -> bool:
        return any(output.get("output_type") == "error" and output.get("ename") == TIMED_OUT
                   for output in cell.outputs)

    async def kernel_answers(self, seconds: float) -> bool:
        """Whether the kernel finishes what it was doing and answers within `seconds`."""
        msg_id = self.kc.kernel_info()  # queued behind the interrupted cell on the shell channel
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Empty:
                return False
            if reply["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    async def stop_kernel(self) -> None:
        await ensure_async(self.km.shutdown_kernel(now=True))


def experiment_cells(nb: NotebookNode) -> frozenset[int]:
    """The code cells, other than answer and test cells, that hold a statement grading skips
    as an experiment (sandbox/worker_side/plan.py's rule, over the whole notebook)."""
    blocks = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        try:
            tree = parse_python(strip_magics(cell.source))
        except UnparsableCode:
            continue
        blocks.append((str(index), tree))
    skipped = {int(statement.filename) for statement in plan_blocks(blocks, needed_names())[1]}
    answers = {index for index, cell in enumerate(nb.cells)
               if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    return frozenset(index for index in skipped - answers if not is_test_cell(nb.cells[index]))


class HideHiddenTests(ClearHiddenTests):
    """For generate_feedback: the test cells without their hidden-test blocks, and their error
    outputs reduced to the last line (an IPython traceback quotes the cell's source)."""

    # A student's own cell that happens to hold the markers must not stop their feedback.
    enforce_metadata = Bool(False).tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int
                        ) -> tuple[NotebookNode, dict]:
        before = cell.source
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.source != before:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources
