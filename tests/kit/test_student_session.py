"""A scripted student session, from a fresh clone of a release to a notebook run top to bottom.

The student clones the release and types the README's "Getting started" commands as written,
with one change: the venv is made with --system-site-packages, so that pip finds the kit's
dependencies (NumPy, Matplotlib, Jupyter...) already installed instead of downloading them
again (it still builds and installs the release's own kit into the venv, from PyPI's
setuptools). Then `nnkit start`, and the functions are filled in one stage at a time (the
reference's cells pasted into the notebook), with `nnkit check` after each: stage N passes and
the stages after it stay locked. Finally the notebook runs top to bottom on a Jupyter kernel
of the venv's own Python, and every picture appears.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import assignment
from tests.kit import simulated_students as students
from tests.kit.conftest import ROOT
from tests.kit.test_notebook_executes import ONE_THREAD, pictures

pytestmark = pytest.mark.slow
STAGE_CELLS = ("stage1_neuron", "stage2_sigmoid", "stage3_forward", "stage4_backprop",
               "stage5_training", "stage6_mnist")


def shell(command: str, cwd: Path, env: dict[str, str], timeout: float = 900):
    """One command as the student types it, in bash, with the venv active once it exists."""
    venv = cwd / ".venv" / "bin" / "activate"
    script = (f"source {shlex.quote(str(venv))} && {command}" if venv.is_file() else command)
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def getting_started(readme: str) -> list[str]:
    """The commands of the README's "Getting started" block, comments cut off."""
    section = readme.split("## Getting started", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the README's Getting started section should hold a bash block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def student_environment(home: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "NNKIT_SUBMISSION", "VIRTUAL_ENV")}
    return {**environment, "NO_COLOR": "1", "HOME": str(home), **ONE_THREAD,
            "NNKIT_CACHE_DIR": str(home / "nnkit-cache"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def solution_cells() -> dict[str, str]:
    text = students.with_hyperparameters(students.solution(), students.STRONG)
    cells = assignment.notebook(text).cells
    return {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in cells}


def fill_in(notebook_path: Path, grade_id: str, source: str) -> None:
    notebook = nbformat.read(notebook_path, as_version=4)
    (cell,) = [c for c in notebook.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert "YOUR CODE HERE" in cell.source, f"{grade_id} should still be a stub"
    cell.source = source
    nbformat.write(notebook, notebook_path)


def stage_marks(output: str) -> dict[int, str]:
    """Stage number -> 'passed', 'failed' or 'locked', from `nnkit check`'s report."""
    marks: dict[int, str] = {}
    current = None
    for line in output.splitlines():
        locked = re.match(r"^\[LOCKED\] Stages? (\d)(?:-(\d))?", line)
        header = re.match(r"^Stage (\d): \D", line)
        if locked:
            for number in range(int(locked[1]), int(locked[2] or locked[1]) + 1):
                marks[number] = "locked"
            current = None
        elif header:
            current = int(header.group(1))
            marks[current] = "passed"
        elif current is not None and line.strip().startswith("[FAIL]"):
            marks[current] = "failed"
    return marks


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of a fresh release, as a student gets it from GitHub Classroom."""
    work = tmp_path_factory.mktemp("session")
    release = work / "release"
    subprocess.run([sys.executable, "-m", "autograder.cli", "release", str(release)], cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    git = ["git", "-c", "user.email=teacher@example.org", "-c", "user.name=Teacher"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the assignment"]):
        subprocess.run([*git, *command], cwd=release, check=True, capture_output=True)
    subprocess.run(["git", "clone", "-q", str(release), str(work / "clone")], check=True,
                   capture_output=True, timeout=120)
    return work / "clone"


def test_a_student_session_from_a_fresh_clone_to_a_notebook_run_top_to_bottom(clone, tmp_path):
    env = student_environment(tmp_path)
    commands = getting_started((clone / "README.md").read_text(encoding="utf-8"))
    assert commands[0] == "python3 -m venv .venv && source .venv/bin/activate"
    assert any(command.startswith("jupyter lab ") for command in commands)
    log = []
    for command in commands:
        if command.startswith("jupyter "):  # a server for a person: check it is installed
            command = command.split()[0:2] + ["--version"]
            command = " ".join(command)
        if command.startswith("python3 -m venv"):
            command = command.replace("python3 -m venv", "python3 -m venv --system-site-packages")
        done = shell(command, clone, env)
        log.append(f"$ {command}\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, "\n".join(log)
    started = log[[i for i, c in enumerate(commands) if c == "nnkit start"][0]]
    assert "Your work is already in neural_network.ipynb (left as it is)" in started
    where = shell("cd / && python -c 'import autograder, sys; print(autograder.__file__, "
                  "sys.prefix)' && python -m pip show nnkit", clone, env)
    # The venv runs the kit the release carries: its wheel, installed into the venv itself.
    assert where.stdout.startswith(str(clone / ".venv")), "the venv runs its own installed kit"
    wheel = next((clone / "vendor").glob("nnkit-*.whl"))
    assert f"Version: {wheel.name.split('-')[1]}" in where.stdout, "the kit is the release's wheel"

    notebook = clone / "neural_network.ipynb"
    cells = solution_cells()
    for number, grade_id in enumerate(STAGE_CELLS, start=1):
        fill_in(notebook, grade_id, cells[grade_id])
        check = shell("nnkit check", clone, env)
        assert check.stdout.startswith("Score: "), check.stdout  # the standing comes first
        marks = stage_marks(check.stdout)
        assert all(marks[n] == "passed" for n in range(1, number + 1)), check.stdout
        later = [marks[n] for n in range(number + 1, 7)]
        if number < 6:
            assert later[0] == "failed" and set(later[1:]) <= {"locked"}, check.stdout
            assert check.returncode == 1
    assert "Every stage passes. Well done!" in check.stdout and check.returncode == 0
    assert re.search(r"MNIST test accuracy: 9[5-9]\.\d\d%", check.stdout), check.stdout

    # Run it as the student would in Jupyter: every cell, on a kernel of the venv's Python.
    kernel = shell("python -m ipykernel install --prefix .venv --name nnkit-session "
                   "--display-name 'nnkit session'", clone, env)
    assert kernel.returncode == 0, kernel.stderr
    runner = ("import nbclient, nbformat\n"
              "nb = nbformat.read('neural_network.ipynb', as_version=4)\n"
              "nbclient.NotebookClient(nb, kernel_name='nnkit-session', timeout=900,"
              " resources={'metadata': {'path': '.'}}).execute()\n"
              "nbformat.write(nb, 'neural_network.ipynb')\n")
    ran = shell(f"python -c {shlex.quote(runner)}", clone,
                {**env, "NNKIT_MNIST_DIR": os.environ["NNKIT_MNIST_DIR"]}, timeout=1800)
    assert ran.returncode == 0, ran.stdout + ran.stderr[-3000:]
    executed = nbformat.read(notebook, as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    drawn = [cell for cell in code if re.search(r"^(plots|playground)\.\w+\(", cell.source,
                                                re.MULTILINE)]
    assert len(drawn) >= 11 and all(len(pictures(cell)) == 1 for cell in drawn)
    saved = json.dumps(executed.cells[[i for i, c in enumerate(executed.cells)
                                       if "train_with_progress(" in c.source][0]].outputs)
    assert re.search(r"epoch 3/3: 100%", saved), "the saved bar reads as its last state"


def installed_as_the_readme_says(clone: Path, env: dict[str, str]) -> None:
    """The README's Getting started commands (once per clone; the session test may have)."""
    if (clone / ".venv" / "bin" / "nnkit").is_file():
        return
    for command in getting_started((clone / "README.md").read_text(encoding="utf-8")):
        if command.startswith("jupyter ") or command == "nnkit start":
            continue  # a server for a person; the student's own notebook is not touched here
        command = command.replace("python3 -m venv", "python3 -m venv --system-site-packages")
        done = shell(command, clone, env)
        assert done.returncode == 0, f"$ {command}\n{done.stdout}{done.stderr}"


def test_the_first_screens_of_a_student_of_the_release(clone, tmp_path):
    """What the release's `nnkit check` prints, as a student runs it: the untouched notebook
    fits on one screen and starts with the score and the next step; a syntax error and a failed
    import are named first, by the cell as the student sees it; a stage-limited check states the
    standing in full."""
    env = student_environment(tmp_path)
    installed_as_the_readme_says(clone, env)
    started = shell("nnkit start first-hour", clone, env)
    assert started.returncode == 0, started.stderr
    notebook = clone / "first-hour" / "neural_network.ipynb"

    untouched = shell("cd first-hour && nnkit check", clone, env)
    lines = untouched.stdout.splitlines()
    assert untouched.returncode == 1 and len(lines) <= 40, untouched.stdout
    assert lines[0] == "Score: 0/100" and lines[1].startswith("Next: fix stage 1 (one neuron)")
    assert "Not run at grading" not in untouched.stdout and "code cell" not in untouched.stdout

    cells = solution_cells()
    stage1 = cells["stage1_neuron"]
    position = [c.metadata.get("nbgrader", {}).get("grade_id")
                for c in nbformat.read(notebook, as_version=4).cells
                if c.cell_type == "code"].index("stage1_neuron") + 1
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}.get(position, f"{position}th")
    fill_in(notebook, "stage1_neuron", stage1.replace("def neuron(x, w, b):",
                                                      "def neuron(x, w, b)", 1))
    broken = shell("cd first-hour && nnkit check", clone, env)
    lines = broken.stdout.splitlines()
    assert lines[0] == "Score: 0/100" and lines[1].startswith("Next: fix what is named first")
    first = next(line for line in lines[2:] if line.strip())
    assert first.startswith(f"Fix this first: the {ordinal} code cell, line "), broken.stdout
    assert "has a syntax error (expected ':'): `def neuron(x, w, b)`" in first
    assert "is not defined in your submission" not in broken.stdout
    assert "which has the syntax error (see above)" in broken.stdout

    def in_folder(command: str) -> subprocess.CompletedProcess:  # the venv is the clone's
        return shell(f"cd first-hour && {command}", clone, env)

    reset = in_folder("rm neural_network.ipynb && nnkit start .")
    assert reset.returncode == 0, reset.stderr
    fill_in(notebook, "stage1_neuron", "from nosuchpackage import helper\n\n" + stage1)
    missing = in_folder("nnkit check")
    first = next(line for line in missing.stdout.splitlines()[2:] if line.strip())
    assert first.startswith(f"Fix this first: the {ordinal} code cell, line 1: the import "
                            "`from nosuchpackage import helper` failed: "), missing.stdout
    assert "nosuchpackage" in first.split("failed: ", 1)[1]

    in_folder("rm neural_network.ipynb && nnkit start .")
    fill_in(notebook, "stage1_neuron", stage1)
    for command in ("nnkit check --stage 1", "nnkit check neural_network.ipynb --stage 1"):
        limited = in_folder(command)
        assert limited.returncode == 0, limited.stdout + limited.stderr
        assert limited.stdout.splitlines()[0] == (
            "Stage 1: 10/10 points (stages 2-6 not checked in this run; `nnkit check` gives "
            "your full score)"), limited.stdout
