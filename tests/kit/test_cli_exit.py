"""A command that grades (`nnkit check`, `nnkit grade`) ends without the interpreter's teardown
(autograder/cli.py `run`), and loses nothing by it: its output reaches a pipe, its report is
whole, its exit handlers run (temporary folders, the worker kept ahead), its exit status is
the one it chose. Other commands end as Python ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.kit.conftest import ROOT

# A program that runs `nnkit ARGS` as its console script does, with an exit handler of its own
# (it prints, unflushed, into a pipe) and an object whose finalizer notes the teardown.
PROGRAM = """\
import atexit, os, sys
atexit.register(lambda: print("exit handlers ran"))
class Teardown:  # (what it uses is bound now: at teardown the module's names are cleared)
    def __del__(self, path=sys.argv[1], open=os.open, flags=os.O_CREAT | os.O_WRONLY):
        open(path, flags)
teardown = Teardown()
sys.argv = ["nnkit", *sys.argv[2:]]
from autograder.cli import run
run()
"""


def without_unbuffered() -> dict[str, str]:
    """This environment, with stdout buffered as a student's is (a pipe: block-buffered)."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}


def nnkit(tmp_path: Path, *arguments: str, **env: str) -> tuple[subprocess.CompletedProcess, bool]:
    """Run `nnkit ARGUMENTS` (stdout a pipe, temporary folders under tmp_path/tmp); the result,
    and whether the interpreter tore its modules down."""
    marker, scratch = tmp_path / "teardown", tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(marker), *arguments],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**without_unbuffered(), "PYTHONPATH": str(ROOT),
                               "TMPDIR": str(scratch), **env})
    return done, marker.exists()


def test_a_grading_ends_without_teardown_and_loses_nothing(tmp_path):
    done, torn_down = nnkit(tmp_path, "grade", "--reference", "--stages", "1-2", "--json",
                            "report.json")
    assert done.returncode == 0, done.stderr
    assert not torn_down  # the time it saves
    assert "Graded: the kit's reference solution" in done.stdout  # flushed into the pipe
    assert done.stdout.rstrip().endswith("exit handlers ran")  # and the handlers ran first
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["score"] > 0
    assert list((tmp_path / "tmp").iterdir()) == []  # the worker's folders are gone


def test_a_grading_keeps_its_exit_status(tmp_path):
    done, torn_down = nnkit(tmp_path, "check", "--submission", "absent.ipynb")
    assert (done.returncode, torn_down) == (2, False)  # a usage error, as click says it
    assert "absent.ipynb" in done.stderr and "exit handlers ran" in done.stdout
    done, torn_down = nnkit(tmp_path, "grade", "--reference", "--stages", "1",
                            NNKIT_ISOLATION="walls")
    assert (done.returncode, torn_down) == (3, False)  # an environment fault: status 3
    assert done.stderr.count("\n") == 1 and "NNKIT_ISOLATION='walls'" in done.stderr


def test_other_commands_end_as_python_ends(tmp_path):
    done, torn_down = nnkit(tmp_path, "--version")
    assert done.returncode == 0 and "nnkit" in done.stdout
    assert torn_down and "exit handlers ran" in done.stdout
