"""Searching a folder (a release, a package) for code that must not be in it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from autograder import assignment
from autograder.grader.release import package_files


def normalised(text: str) -> str:
    """Lines stripped of indentation, blank lines dropped: re-indenting cannot hide a copy."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _readable(name: str, data: bytes) -> str | None:
    """A file's text as it would be read: a notebook's code and markdown as the cells hold them
    (in the .ipynb file itself every line is a separate JSON string); None for pictures."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if name.endswith(".ipynb"):
        text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    return normalised(text)


def searchable_texts(folder: Path) -> dict[Path, str]:
    """Every text file, normalised, and every text file inside an archive (the release's wheel,
    a zip) under the archive's path: vendor/nnkit.whl/autograder/cli.py."""
    texts = {}
    for path in package_files(folder):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [(path / name, archive.read(name)) for name in archive.namelist()
                           if not name.endswith("/")]
        else:
            members = [(path, path.read_bytes())]
        for where, data in members:
            text = _readable(where.name, data)
            if text is not None:
                texts[where] = text
    return texts


def leaks(folder: Path, snippets: list[str]) -> list[tuple[str, str]]:
    """(file, first line of the snippet) for every snippet found in a file of `folder`."""
    wanted = [normalised(snippet) for snippet in snippets]
    return [(str(path.relative_to(folder)), snippet.splitlines()[0])
            for path, text in searchable_texts(folder).items()
            for snippet in wanted if snippet in text]


def solution_bodies() -> list[str]:
    bodies = [assignment.solution(block) for block in
              assignment.solution_blocks(assignment.read_source())]
    assert len(bodies) >= 10, "the source should hold a solution block per function"
    return bodies
