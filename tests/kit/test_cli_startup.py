"""`nnkit check` starts fast: the CLI imports the modules of other commands (Jinja for the job
summary, cryptography and nbgrader's helpers for the instructor's commands) and MNIST's download
modules only when they run; every command is still listed and runs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from click.testing import CliRunner

from autograder import cli
from tests.kit.conftest import ROOT

HEAVY = ("jinja2", "cryptography", "urllib.request", "mnist", "tqdm", "nbformat", "jupytext",
         "matplotlib", "autograder.grader", "autograder.rendering")


def imported_by(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_check_path_imports_nothing_it_does_not_use():
    # The CLI and everything `nnkit check` runs for stages 1-6 (grading, its report).
    modules = imported_by("import autograder.cli\nimport autograder.checks.stages")
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    assert "autograder.checks.grade" in modules and "numpy" in modules


def test_the_notebooks_helpers_load_without_tqdm_or_pillow():
    # Every notebook imports them, so every grading's worker loads them: the progress bar and
    # the handwriting reader import their libraries only when they run.
    modules = imported_by("from autograder.student import handwriting, playground, plots, "
                          "progress")
    assert not modules & {"tqdm", "PIL", "matplotlib"}, sorted(modules & {"tqdm", "PIL"})


def test_every_command_is_listed_and_the_lazy_ones_run():
    result = CliRunner().invoke(cli.main, ["--help"])
    for name in ("check", "grade", "summary", "calibrate", "release", "grade-batch",
                 "gradescope", "nbgrader", "leaderboard", "classroom"):
        assert f"  {name} " in result.output, name
    assert CliRunner().invoke(cli.main, ["summary", "--help"]).exit_code == 0


def test_a_student_release_lists_no_instructor_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "autograder.grader" else real(name, *a))
    assert set(cli.lazy_commands()) == set(cli.LAZY_COMMANDS)
    assert not set(cli.lazy_commands()) & set(cli.INSTRUCTOR_COMMANDS)


def test_the_lazy_instructor_commands_are_the_grader_s_own():
    from autograder.grader.commands import COMMANDS

    assert cli.instructor_commands() == COMMANDS  # the same objects, in the same order
