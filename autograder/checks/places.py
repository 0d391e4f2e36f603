"""Places in a submission as the student sees them. Grading names a notebook's cells by their
position among the code cells ("neural_network.ipynb [code cell 7], line 3"), a number Jupyter
shows nowhere; the student sees "[12]:" beside a cell once it has run. These helpers turn the
one into the other, and quote the line: plain JSON reading, no nbformat (the check path stays
fast)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.loader import cell_label

# How grading names a place: "<file> [code cell N], line L" (loader.py, worker tracebacks).
GRADING_PLACE = re.compile(r"(?P<file>[^\s,\[\]`]+) \[code cell (?P<cell>\d+)\](?:, line "
                           r"(?P<line>\d+))?")


@dataclass
class Cells:
    """A submission's code cells (one for a .py file), for naming places and quoting lines."""

    notebook: bool
    sources: list[str] = field(default_factory=list)
    counts: list[object] = field(default_factory=list)
    answer: list[bool] = field(default_factory=list)  # nbgrader answer (solution) cells

    def label(self, number: int) -> str:
        if not self.notebook:
            return "your file"
        count = self.counts[number - 1] if 0 < number <= len(self.counts) else None
        return cell_label(number, count)

    def line(self, number: int, line: int) -> str:
        """Line `line` of code cell `number`, stripped ('' when unknown)."""
        if not 0 < number <= len(self.sources):
            return ""
        lines = self.sources[number - 1].splitlines()
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def read_cells(path: str | Path) -> Cells:
    """The code cells of the notebook or .py file at `path` (empty when it cannot be read)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Cells(notebook=path.suffix == ".ipynb")
    if path.suffix != ".ipynb":
        return Cells(notebook=False, sources=[text], counts=[None], answer=[False])
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError, RecursionError, MemoryError):  # any file: no labels
        return Cells(notebook=True)
    found = Cells(notebook=True)
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        found.sources.append(source if isinstance(source, str) else "")
        found.counts.append(cell.get("execution_count"))
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
        found.answer.append(isinstance(nbgrader, dict) and bool(nbgrader.get("solution")))
    return found


def as_the_student_sees_it(text: str, cells: Cells) -> str:
    """`text` with each grading place ("nb.ipynb [code cell 7], line 3") named as Jupyter
    shows it ("cell [12], line 3")."""
    def replace(match: re.Match) -> str:
        place = cells.label(int(match["cell"]))
        return f"{place}, line {match['line']}" if match["line"] else place

    return GRADING_PLACE.sub(replace, text)
