"""Generate every version of the assignment from its one source of truth.

The source (assignments/<name>/<name>.py) is a jupytext percent-format file with nbgrader cell
metadata. Code between `### BEGIN SOLUTION` and `### END SOLUTION` is the reference answer:
- the solution keeps it (markers removed);
- the student version replaces it with a stub that raises NotImplementedError with a hint
  (a module-level block becomes a comment, so the rest of the file still runs);
- the notebooks are the same texts read by jupytext, nbgrader metadata intact.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.outputs import building_file
from autograder.resources import assignment_source, kit_file, missing_data

ASSIGNMENTS = kit_file("assignments")  # the kit's own copy (package data when installed)
DEFAULT = "neural_network"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[ \t]*\n.*?^[ \t]*{re.escape(END)}[ \t]*\n",
                    re.MULTILINE | re.DOTALL)
_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)


def source_path(name: str = DEFAULT) -> Path:
    """The assignment's source: $NNKIT_ASSIGNMENT if set (an instructor's own copy), else the
    kit's."""
    return assignment_source(name)


def read_source(name: str = DEFAULT) -> str:
    path = source_path(name)
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        raise missing_data(path, "assignment") from None


def write_atomically(path: Path, write) -> Path:
    """Call write(temporary_path), then move the finished file to `path` (outputs.py)."""
    with building_file(path, suffix=path.suffix) as temporary:  # jupytext reads the suffix
        write(temporary)
    return path


def solution_blocks(text: str) -> list[str]:
    """The reference answers, as they appear in the source (used to prove a release has none)."""
    return [match.group(0) for match in _BLOCK.finditer(text)]


def holds_solution(name: str = DEFAULT) -> bool:
    """Whether this copy of the kit holds the reference solution (a student release does not)."""
    return bool(solution_blocks(read_source(name)))


def solution(text: str) -> str:
    """The reference solution: the source with only the marker lines removed."""
    return re.sub(rf"^[ \t]*(?:{re.escape(BEGIN)}|{re.escape(END)})[ \t]*\n", "", text,
                  flags=re.MULTILINE)


def _stub(match: re.Match, text: str) -> str:
    indent = match.group(1)
    if not indent:
        return "# YOUR CODE HERE: see the instructions above.\n"
    functions = _DEF.findall(text[: match.start()])
    name = functions[-1] if functions else "this function"
    return (f'{indent}# YOUR CODE HERE\n'
            f'{indent}raise NotImplementedError("{name}() is not written yet: replace this line '
            f'with your code (its docstring says what it must do), then run nnkit check")\n')


def student(text: str) -> str:
    """The student version: every solution block replaced by a stub."""
    return _BLOCK.sub(lambda match: _stub(match, text), text)


def notebook(text: str):
    """A percent-format text as an nbformat notebook (nbgrader metadata kept)."""
    import jupytext

    return jupytext.reads(text, fmt="py:percent")


def write_student_copy(folder: str | Path, name: str = DEFAULT, as_notebook: bool = True) -> Path:
    """Write the student's starting file into `folder` and return its path."""
    import jupytext

    folder = Path(folder)
    text = student(read_source(name))
    if as_notebook:
        return write_atomically(folder / f"{name}.ipynb",
                                lambda path: jupytext.write(notebook(text), path, fmt="ipynb"))
    return write_atomically(folder / f"{name}.py",
                            lambda path: path.write_text(text, encoding="utf-8"))


def write_solution(folder: str | Path, name: str = DEFAULT) -> Path:
    text = solution(read_source(name))
    return write_atomically(Path(folder) / f"{name}_solution.py",
                            lambda path: path.write_text(text, encoding="utf-8"))
