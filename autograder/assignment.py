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

KIT_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = KIT_ROOT / "assignments"
DEFAULT = "neural_network"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_BLOCK = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[ \t]*\n.*?^[ \t]*{re.escape(END)}[ \t]*\n",
                    re.MULTILINE | re.DOTALL)
_DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)


def source_path(name: str = DEFAULT) -> Path:
    return ASSIGNMENTS / name / f"{name}.py"


def read_source(name: str = DEFAULT) -> str:
    return source_path(name).read_text(encoding="utf-8")


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
    folder.mkdir(parents=True, exist_ok=True)
    text = student(read_source(name))
    if as_notebook:
        path = folder / f"{name}.ipynb"
        jupytext.write(notebook(text), path, fmt="ipynb")
    else:
        path = folder / f"{name}.py"
        path.write_text(text, encoding="utf-8")
    return path


def write_solution(folder: str | Path, name: str = DEFAULT) -> Path:
    path = Path(folder) / f"{name}_solution.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(solution(read_source(name)), encoding="utf-8")
    return path
