"""Turn a submission file (.py, .ipynb, or a folder holding one) into code blocks to run.

Grader side: this module reads files (only regular ones inside the submission's folder, never
over 64 MB) and notebooks. Which top-level statements of the blocks run at grading is the
worker's statement plan (worker_side/plan.py); `skipped_statements` asks the same plan, so the
report lists exactly what the worker skipped.
"""
from __future__ import annotations

import ast
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.worker_side.plan import (  # noqa: F401 - UnparsableCode: readers catch it
    Skipped,
    UnparsableCode,
    parse_python,
    plan_blocks,
)

PREFERRED_NAMES = ("neural_network.ipynb", "neural_network.py")
MAX_BYTES = 64 << 20  # a notebook with every figure left in is a few MB


class SubmissionLoadError(Exception):
    """The submission cannot be read at all; the message says why in plain words."""


@dataclass
class CodeBlock:
    filename: str  # shown in tracebacks: the file, and the cell for notebooks
    source: str


@dataclass
class SubmissionSource:
    path: Path
    kind: str  # "py" or "ipynb"
    blocks: list[CodeBlock]
    problems: list[str] = field(default_factory=list)  # cells skipped, and why
    skipped: list[Skipped] | None = field(default=None, repr=False)  # skipped_statements' answer
    # The names the checks call: a statement making one of them from the student's own code runs
    # (plan.py). Set by the grading before anything asks the plan (`needing`).
    needed: frozenset[str] = frozenset()

    def needing(self, names: frozenset[str]) -> SubmissionSource:
        """This source, planned for checks that call `names`."""
        if names != self.needed:
            self.needed, self.skipped = names, None
        return self


def parse_block(source: str, filename: str) -> ast.Module:
    """`source` parsed, remembering its text (to quote skipped statements); UnparsableCode if
    Python cannot read it."""
    tree = parse_python(source, filename)
    tree.nnkit_source = source  # type: ignore[attr-defined]
    return tree


def skipped_statements(source: SubmissionSource) -> list[Skipped]:
    """The top-level statements of a submission that grading does not run (worked out once
    per submission: the report and several checks ask). A block Python cannot read has none
    (the loader already reported it)."""
    if source.skipped is None:
        trees = []
        for block in source.blocks:
            try:
                trees.append((block.filename, parse_block(block.source, block.filename)))
            except UnparsableCode:
                continue
        source.skipped = plan_blocks(trees, source.needed)[1]
    return source.skipped


def definitions_only(tree: ast.Module) -> ast.Module:
    """The part of a module grading runs: definitions and helpers, not experiments."""
    return plan_blocks([("", tree)])[0][0]


def refuse_unless_regular(file: Path, folder: Path | None = None) -> None:
    """Only a regular file is read, and one found in a folder must lie inside that folder: a
    symbolic link to another student's work, the kit's reference or a host file, a device or
    a FIFO is refused before a byte of it is read."""
    try:
        mode = os.stat(file).st_mode  # follows links: what would actually be read
    except OSError as error:
        raise SubmissionLoadError(f"{file} cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise SubmissionLoadError(f"{file.name} is {kind}, not a file; submit the notebook or "
                                  ".py file itself")
    if os.stat(file).st_size > MAX_BYTES:
        raise SubmissionLoadError(f"{file.name} is larger than {MAX_BYTES >> 20} MB; clear the "
                                  "notebook's outputs (Kernel > Restart & Clear Output) and save")
    if folder is not None:
        real, inside = Path(os.path.realpath(file)), Path(os.path.realpath(folder))
        if not real.is_relative_to(inside):
            raise SubmissionLoadError(
                f"{file.name} is a symbolic link to a file outside the submission folder "
                f"({folder.name}); submit a copy of your own file instead of a link")


def find_submission_file(path: Path) -> Path:
    if not path.is_dir():
        if not os.path.lexists(path):
            raise SubmissionLoadError(f"{path} does not exist")
        refuse_unless_regular(path, path.parent if path.is_symlink() else None)
        return path
    for name in PREFERRED_NAMES:
        if os.path.lexists(path / name):
            refuse_unless_regular(path / name, path)
            return path / name
    candidates = sorted(p for p in list(path.glob("*.ipynb")) + list(path.glob("*.py"))
                        if not p.is_dir())
    for candidate in candidates:
        refuse_unless_regular(candidate, path)
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise SubmissionLoadError(
            f"{path} should hold one notebook or .py file (found: {found}); "
            f"name your work {PREFERRED_NAMES[0]}"
        )
    return candidates[0]


def strip_magics(source: str) -> str:
    # IPython magics and shell escapes are not Python; blank them so line numbers stay right.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10,
                                                                                   "th")
    return f"{number}{suffix}"


def cell_label(number: int, execution_count: object) -> str:
    """A code cell as the student sees it: 'cell [12]' when the notebook was saved after the
    cell ran (Jupyter shows [12]: beside it), else 'the 7th code cell'."""
    if isinstance(execution_count, int) and not isinstance(execution_count, bool):
        return f"cell [{execution_count}]"
    return f"the {ordinal(number)} code cell"


DEFINED = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=(?!=)", re.M)


def syntax_problem(label: str, source: str, error: UnparsableCode) -> str:
    """The syntax error of a cell, where the student sees it, quoting the line, and what the
    cell would have defined (the names every check needing them will miss)."""
    lines = source.splitlines()
    line = lines[error.lineno - 1].strip() if error.lineno and 0 < error.lineno <= len(lines) \
        else ""
    quoted = f": `{line}`" if line else ""
    message = error.reason.split(": ", 1)[1] if ": " in error.reason else error.reason
    names = sorted({a or b for a, b in DEFINED.findall(source)})
    what = f"nothing it defines ({', '.join(names)})" if names else "nothing it defines"
    return (f"{label}, line {error.lineno} has a syntax error ({message}){quoted}; Python "
            f"could not read that cell, so {what} can be graded")


def _notebook_blocks(path: Path) -> tuple[list[CodeBlock], list[str]]:
    import nbformat  # imported here: the worker uses this module and must start fast

    try:
        notebook = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, UnicodeDecodeError) as error:
        raise SubmissionLoadError(
            f"{path.name} is not a valid notebook (it is not valid JSON: {error}). "
            "Open it in Jupyter to see if it is damaged, or restore it from your last save."
        ) from error
    except Exception as error:  # nbformat raises several kinds for damaged notebooks
        raise SubmissionLoadError(
            f"{path.name} could not be read as a notebook: {error}"
        ) from error
    blocks, problems = [], []
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionLoadError(f"{path.name} is not a notebook Jupyter can open: it has no "
                                  "list of cells. Restore it from your last save.")
    code_cells = []
    for position, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            problems.append(f"cell {position} of the notebook is damaged (it has no cell_type); "
                            "it was skipped")
        elif cell["cell_type"] == "code":
            code_cells.append(cell)
    for number, cell in enumerate(code_cells, start=1):
        filename = f"{path.name} [code cell {number}]"
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)  # the file's own form: a list of lines
        if not isinstance(source, str):
            kind = "dict" if isinstance(source, dict) else type(source).__name__
            problems.append(f"{cell_label(number, cell.get('execution_count'))} is damaged "
                            f"(its source is a {kind}, not "
                            "text); it was skipped, so nothing "
                            "it defines can be graded")
            continue
        source = strip_magics(source)
        try:
            parse_python(source, filename)
        except UnparsableCode as error:
            label = cell_label(number, cell.get("execution_count"))
            problems.append(syntax_problem(label, source, error) if error.lineno else
                            f"{label} {error.reason}; it was skipped, so nothing it defines "
                            "can be graded")
            continue
        blocks.append(CodeBlock(filename, source))
    return blocks, problems


def read_submission(path: str | Path) -> SubmissionSource:
    """Read a submission into code blocks, or raise SubmissionLoadError with a clear reason
    (whatever reading or parsing it raised: a hostile file still gets a report)."""
    try:
        return _read_submission(path)
    except SubmissionLoadError:
        raise
    except (RecursionError, MemoryError) as error:
        raise SubmissionLoadError(
            f"{Path(path).name} could not be read: it is nested too deeply or too large "
            f"({type(error).__name__}). Restore your last good save.") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OSError) as error:
        raise SubmissionLoadError(f"{Path(path).name} could not be read ({type(error).__name__}:"
                                  f" {str(error)[:300]})") from None


def _read_submission(path: str | Path) -> SubmissionSource:
    file = find_submission_file(Path(path))
    if file.suffix == ".ipynb":
        blocks, problems = _notebook_blocks(file)
        return SubmissionSource(file, "ipynb", blocks, problems)
    if file.suffix != ".py":
        raise SubmissionLoadError(f"{file.name}: submissions are .py or .ipynb files")
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionLoadError(f"{file.name} is not UTF-8 text: {error}") from error
    try:
        parse_python(source, file.name)
    except UnparsableCode as error:
        lines = source.splitlines()
        line = lines[error.lineno - 1].strip() if error.lineno and \
            0 < error.lineno <= len(lines) else ""
        raise SubmissionLoadError(
            f"{file.name} {error.reason}" + (f": `{line}`" if line else "") + ". Python could "
            "not read the file, so nothing in it can be graded; run `python " + file.name
            + "` to see the error."
        ) from None
    return SubmissionSource(file, "py", [CodeBlock(file.name, source)])
