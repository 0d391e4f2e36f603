"""What nbgrader's autograde grades, and sharing that work between nbgrader and helper processes.

What is graded is a notebook's code cells with the test cells left blank: test cells are the
instructor's (nbgrader puts them back from its gradebook, hidden tests included), never the
student's work. `definitions_notebook` makes that notebook and `definitions_key` names it, so
two notebooks with the same key get the same grade.

`nnkit nbgrader autograde --jobs N` runs nbgrader, which grades the class in its own order, and
N - 1 helper processes (`GradingAhead`), which grade it from the other end. They share the work
through an `Exchange`, a private folder with, per notebook key:

- KEY.pending: the notebook is in this batch, and a report for it is coming;
- KEY.claimed: someone is grading it (made exclusively: the first to claim it grades it);
- KEY.json: its report.

nbgrader's `GradeOutsideKernel` takes a report that is there, claims and grades a notebook
nobody has started, and waits for one a helper is grading. A notebook that nbgrader changed
while sanitizing it (a locked cell restored, say) has another key, and is graded as nbgrader
sees it. The folder is made by the driver (mode 0700) and named to nbgrader in REPORTS_ENV;
submitted code never sees it: it runs in the sandbox, behind the fence.
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.grader.course import ASSIGNMENT

if TYPE_CHECKING:  # the driver's side imports neither: nbformat alone takes about a second
    from autograder.checks.report import Report

REPORTS_ENV = "NNKIT_NBGRADER_REPORTS"
POLL_SECONDS = 0.05
# A waiter stops waiting for a report after the submission's own time bound, with a margin for
# the helper's start-up, and grades the notebook itself.
WAIT_MARGIN_SECONDS = 120.0

Notebook = dict[str, Any]  # a notebook's JSON, or nbformat's NotebookNode (a dict too)


# -- what is graded -------------------------------------------------------------------------------
def is_test_cell(cell: Notebook) -> bool:
    """One of the course's locked, graded test cells (nbgrader restores them at autograde)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return (cell.get("cell_type") == "code" and bool(meta.get("grade"))
            and not meta.get("solution"))


def definitions_notebook(nb: Notebook) -> Notebook:
    """The notebook as it is graded: every test cell blank (its place kept, so that the code
    cells keep the numbers the student sees)."""
    graded = copy.deepcopy(nb)
    for cell in graded.get("cells", []):
        if isinstance(cell, dict) and is_test_cell(cell):
            cell["source"] = ""
    return graded


def definitions_key(nb: Notebook) -> str:
    """What the grade of a notebook depends on: the sources of its code cells, test cells
    blank, in order (a source saved as a list of lines counts as the text it joins to)."""
    digest = hashlib.sha256()  # no copy of the notebook: its outputs may be large
    for cell in nb.get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = "" if is_test_cell(cell) else cell.get("source")
            if isinstance(source, list) and all(isinstance(line, str) for line in source):
                source = "".join(source)
            try:
                text = json.dumps(source, default=str)
            except (RecursionError, ValueError):  # nested too deeply: graded as unreadable
                text = f"unreadable {type(source).__name__}"
            digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def grade_definitions(nb: Notebook, unsafe: bool = False) -> Report:
    """`nnkit grade` of the notebook's definitions, for credit (KitEnvironmentError without a
    fence, unless `unsafe` or NNKIT_UNSAFE=1)."""
    import nbformat

    from autograder.checks.grade import GradeOptions, grade
    from autograder.sandbox.policy import unsafe_from_environment

    options = GradeOptions(for_credit=True, unsafe=unsafe or unsafe_from_environment())
    with tempfile.TemporaryDirectory(prefix="nnkit-nbgrader-") as folder:
        path = Path(folder) / f"{ASSIGNMENT}.ipynb"
        try:
            nbformat.write(definitions_notebook(nbformat.from_dict(nb)), path)
        except (RecursionError, MemoryError, ValueError, TypeError) as error:
            from autograder.checks.grade import empty_report

            return empty_report(path, f"the notebook could not be read: it is nested too deeply "
                                      f"or damaged ({type(error).__name__})", options)
        return grade(path, options)


# -- the exchange ---------------------------------------------------------------------------------
class Exchange:
    """The folder through which nbgrader and the helpers share one batch's grading."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    @classmethod
    def from_environment(cls) -> Exchange | None:
        folder = os.environ.get(REPORTS_ENV)
        return cls(folder) if folder else None

    def file(self, key: str, kind: str) -> Path:
        return self.folder / f"{key}.{kind}"

    def expect(self, key: str) -> None:
        self.file(key, "pending").touch()

    def claim(self, key: str) -> bool:
        """Whether this caller is the first to claim `key` (and so grades it)."""
        try:
            os.close(os.open(self.file(key, "claimed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             0o600))
        except FileExistsError:
            return False
        return True

    def publish(self, key: str, report_json: str) -> None:
        from autograder.outputs import write_atomically

        write_atomically(self.file(key, "json"), report_json)
        self.file(key, "pending").unlink(missing_ok=True)

    def give_up(self, key: str) -> None:
        """Grading `key` failed here: whoever waits for it grades it itself."""
        self.file(key, "pending").unlink(missing_ok=True)

    def take(self, key: str) -> Report | None:
        """The report for `key`, waiting while another process grades it; None when the caller
        is to grade it (it claimed it, it is not in this batch, or its helper failed)."""
        from autograder.checks.grade import GradeOptions, submission_time_limit
        from autograder.checks.report import ReportError, read_report

        pending = self.file(key, "pending")
        if pending.exists():  # a report is only final once its pending mark is gone
            if self.claim(key):
                return None
            wait = submission_time_limit(GradeOptions(secret=None)) + WAIT_MARGIN_SECONDS
            deadline = time.monotonic() + wait
            while pending.exists() and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
        try:
            return read_report(self.file(key, "json"))
        except ReportError:
            return None


def grade_unless_claimed(folder: str, key: str, path: str, unsafe: bool) -> bool:
    """In a helper process: grade one submitted notebook into the exchange, unless someone
    claimed it first. Whether this process graded it."""
    import nbformat

    exchange = Exchange(folder)
    if not exchange.claim(key):
        return False
    try:
        report = grade_definitions(nbformat.read(path, as_version=4), unsafe)
    except BaseException:
        exchange.give_up(key)
        raise
    exchange.publish(key, report.to_json())
    return True


# -- the driver's side ----------------------------------------------------------------------------
class GradingAhead:
    """`helpers` processes grading `paths` from the last to the first (nbgrader starts at the
    first) into `folder`, while the caller runs nbgrader."""

    def __init__(self, paths: list[Path], folder: Path, helpers: int, unsafe: bool = False):
        self.paths, self.exchange, self.helpers = paths, Exchange(folder), helpers
        self.unsafe = unsafe

    def __enter__(self) -> GradingAhead:
        work = []
        for path in self.paths:
            try:  # plain JSON here: the driver does not wait a second for nbformat
                key = definitions_key(json.loads(path.read_text(encoding="utf-8")))
            except Exception:  # noqa: BLE001 - unreadable: nbgrader itself says what is wrong
                continue
            self.exchange.expect(key)
            work.append((key, path))
        self.pool = ProcessPoolExecutor(max_workers=max(1, self.helpers),
                                        mp_context=multiprocessing.get_context("spawn"))
        for key, path in reversed(work):
            future = self.pool.submit(grade_unless_claimed, str(self.exchange.folder), key,
                                      str(path), self.unsafe)
            future.add_done_callback(partial(self.done, key))
        return self

    def done(self, key: str, future: Future) -> None:
        # A helper that failed, or died (the pool is then broken), may hold a claim: no one
        # must wait for it. (A cancelled task never claimed anything.)
        if not future.cancelled() and future.exception() is not None:
            self.exchange.give_up(key)

    def __exit__(self, *exc_info: object) -> None:
        # nbgrader has finished: what it never asked for need not be graded.
        self.pool.shutdown(wait=True, cancel_futures=True)
