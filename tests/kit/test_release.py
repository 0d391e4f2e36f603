"""`nnkit release`: a student repository with the notebook, the staged suite, the kit and a
grading workflow, and with no solution and no hidden check in it."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import autograder
from autograder import assignment
from autograder.checks.stages import STAGES
from autograder.cli import main
from autograder.grader.release import package_files, write_release
from autograder.grader.release_checks import hidden_check_functions
from tests.kit import workflow_steps
from tests.kit.conftest import ROOT
from tests.kit.release_kit import installed, the_wheel
from tests.kit.release_search import leaks, searchable_texts, solution_bodies

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

VISIBLE = {stage.number: [c for c in stage.checks if not c.hidden] for stage in STAGES}
PLANTED = '''

# Instructor only: a check the students must never see.
@STAGE.check("planted hidden check", 1, ["sigmoid"], hidden=True)
def planted_hidden_check(sub):
    planted_secret_8431 = sub.call("sigmoid", 0.123).value
    return f"saw {planted_secret_8431}"
'''


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "student-repo"
    result = CliRunner().invoke(main, ["release", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def release_copy(release: Path, tmp_path: Path) -> Path:
    """A temporary copy, as a student's clone would be: the tests may write into it."""
    return Path(shutil.copytree(release, tmp_path / "clone"))


def run_release(copy: Path, *command: str, site: Path | None = None,
                **env: str) -> subprocess.CompletedProcess:
    """Run Python in the release with ITS kit (its wheel's) first on the path, not this one;
    `site` instead puts a kit's source tree there."""
    path = site or installed(copy)
    environment = {**os.environ, "PYTHONPATH": str(path), "NO_COLOR": "1", **env}
    environment.pop("NNKIT_SUBMISSION", None)
    environment.pop("NNKIT_ASSIGNMENT", None)
    return subprocess.run([sys.executable, *command], cwd=copy, env=environment,
                          capture_output=True, text=True, timeout=600)


# -- what is in it -----------------------------------------------------------------------------
def test_release_holds_notebook_suite_wheel_readme_and_workflow(release):
    wheel = the_wheel(release)
    for relative in ("neural_network.ipynb", "README.md", "pyproject.toml", ".gitignore",
                     "requirements.txt", ".github/workflows/grade.yml",
                     "tests/stages/test_stages.py", "tests/stages/conftest.py"):
        assert (release / relative).is_file(), f"the release lacks {relative}"
    notebook = nbformat.read(release / "neural_network.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert code.count("raise NotImplementedError") >= 10, "the notebook should hold the stubs"
    project = tomllib.loads((release / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests/stages"]
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert "nnkit check" in readme and ".github/workflows/grade.yml" in readme
    assert "pip install -r requirements.txt" in readme and f"vendor/{wheel.name}" in readme
    requirement = [line for line in (release / "requirements.txt").read_text().splitlines()
                   if line and not line.startswith("#")]
    (line,) = requirement
    assert line.startswith(f"./vendor/{wheel.name}[") and "dev" in line.split("[")[1], line
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"nnkit-{autograder.__version__}+student.dist-info"
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for relative in ("autograder/cli.py", "autograder/checks/grade.py", "autograder/py.typed",
                     "nnkit_data/source_data/mnist.json",
                     "nnkit_data/assignments/neural_network/neural_network.py",
                     f"{info}/METADATA", f"{info}/RECORD"):
        assert relative in names, f"the release's wheel lacks {relative}"
    assert "nnkit = autograder.cli:run" in entry_points


def test_the_releases_wheel_passes_twine_check(release):
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                          str(the_wheel(release))], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "PASSED" in run.stdout, run.stdout + run.stderr


def test_the_release_holds_no_loose_copy_of_the_kit_to_drift_from_its_wheel(release):
    loose = [path.relative_to(release).as_posix() for path in package_files(release)
             if path.suffix == ".py" and not path.is_relative_to(release / "tests")]
    assert loose == []
    assert not (release / "autograder").exists() and not (release / "source_data").exists()


def test_release_refuses_a_folder_that_already_holds_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["release", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exists and is not an empty folder" in result.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_release_contains_no_solution_body(release):
    assert leaks(release, solution_bodies()) == []


def test_the_solution_search_finds_a_solution_copied_into_a_release(release_copy):
    # The search above must be able to fail: a release with the solution pasted in (here, as a
    # re-indented notebook) is caught.
    import jupytext

    solution = assignment.solution(assignment.read_source())
    (release_copy / "extra").mkdir()
    jupytext.write(assignment.notebook(solution), release_copy / "extra" / "answers.ipynb",
                   fmt="ipynb")
    found = leaks(release_copy, solution_bodies())
    assert {file for file, _ in found} == {"extra/answers.ipynb"}
    assert len(found) == len(solution_bodies())


def test_the_solution_search_looks_inside_the_releases_wheel(release_copy):
    wheel = the_wheel(release_copy)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("autograder/answers.py", assignment.solution(assignment.read_source()))
    found = leaks(release_copy, solution_bodies())
    assert {file for file, _ in found} == {f"vendor/{wheel.name}/autograder/answers.py"}


def test_release_contains_no_hidden_check(release):
    hidden = [check for stage in STAGES for check in stage.checks if check.hidden]
    assert leaks(release, [inspect.getsource(check.run) for check in hidden]) == []
    # The release cuts hidden checks by reading the stage modules; it must see every check the
    # kit registers as hidden, and nothing else.
    found = {node.name for module in (ROOT / "autograder" / "checks" / "stages").glob("*.py")
             for node in hidden_check_functions(module.read_text(encoding="utf-8"))}
    assert found == {check.run.__name__ for check in hidden}


def test_a_hidden_check_added_to_the_kit_is_cut_from_its_release(tmp_path):
    kit = tmp_path / "kit"
    for folder in ("autograder", "assignments", "source_data", "tests/stages"):
        for path in package_files(ROOT / folder):
            target = kit / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for name in ("pyproject.toml", "tests/__init__.py"):
        shutil.copyfile(ROOT / name, kit / name)
    with open(kit / "autograder/checks/stages/stage2_sigmoid.py", "a", encoding="utf-8") as module:
        module.write(PLANTED)
    listing = ("import json; from autograder.checks.stages import STAGES; print(json.dumps("
               "[[c.run.__name__, c.hidden] for s in STAGES for c in s.checks]))")

    planted = json.loads(run_release(kit, "-c", listing, site=kit).stdout)
    assert ["planted_hidden_check", True] in planted, "the planted check should be registered"

    out = write_release(tmp_path / "release", kit_root=kit)
    assert leaks(out, [PLANTED.split("\n# Instructor only")[1]]) == []
    assert not [path for path, text in searchable_texts(out).items()
                if "planted_secret_8431" in text or "Instructor only" in text]
    released = json.loads(run_release(out, "-c", listing).stdout)
    assert released == [entry for entry in planted if entry[0] != "planted_hidden_check"]


# -- the release's own tests -------------------------------------------------------------------
def test_release_suite_on_the_stubs_fails_stage_1_and_locks_the_rest(release_copy):
    run = run_release(release_copy, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider")
    assert run.returncode == 1, run.stdout[-3000:]
    later = sum(len(checks) for number, checks in VISIBLE.items() if number > 1)
    assert f"{len(VISIBLE[1])} failed, {later} skipped" in run.stdout, run.stdout[-2000:]
    assert "is not written yet" in run.stdout and "locked: stage 1" in run.stdout
    assert "Traceback" not in run.stdout and str(ROOT / "autograder") not in run.stdout


@pytest.mark.parametrize("stage", [stage.number for stage in STAGES])
def test_every_stage_of_the_release_fails_on_the_stubs_with_a_friendly_message(release, stage):
    run = run_release(release, "-m", "autograder.cli", "check", "--stage", str(stage))
    assert run.returncode == 1, run.stdout[-3000:]
    failed = [line for line in run.stdout.splitlines() if line.strip().startswith("[FAIL]")]
    assert len(failed) == len(VISIBLE[stage]), run.stdout
    assert "[PASS]" not in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    messages = run.stdout.split("[FAIL]")[1:]
    assert all("is not written yet" in text or "is not defined in your submission" in text
               or "(the same as above)" in text for text in messages), run.stdout
    assert "is not written yet" in messages[0] or "is not defined" in messages[0]


def test_the_release_will_not_grade_a_reference_it_does_not_hold(release):
    run = run_release(release, "-m", "autograder.cli", "grade", "--reference")
    assert run.returncode == 2
    assert "holds no reference solution" in run.stderr


def test_generate_in_the_release_writes_the_student_files_and_no_stub_solution(release_copy):
    run = run_release(release_copy, "-m", "autograder.cli", "generate", "build")
    assert run.returncode == 0, run.stderr
    assert "no solution written" in run.stdout
    assert sorted(path.name for path in (release_copy / "build").rglob("*.*")) == [
        "neural_network.ipynb", "neural_network.py"]


# -- the workflow ------------------------------------------------------------------------------
def lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([workflow_steps.actionlint(), "-no-color", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_workflow_passes_actionlint(release, tmp_path):
    run = lint(release / workflow_steps.WORKFLOW)
    assert run.returncode == 0, run.stdout + run.stderr
    # ...and actionlint does object to a broken one (an expression naming no such step).
    broken = tmp_path / "broken.yml"
    text = (release / workflow_steps.WORKFLOW).read_text(encoding="utf-8")
    broken.write_text(text.replace("${{ !cancelled() }}", "${{ steps.nope.outputs.x }}"),
                      encoding="utf-8")
    assert lint(broken).returncode == 1


def test_the_workflow_grades_every_push_and_uploads_the_report_it_writes(release):
    workflow = workflow_steps.load(release)
    assert "push" in workflow["on"]
    commands = [step["run"] for step in workflow_steps.steps(workflow) if "run" in step]
    grading = [command for command in commands if command.startswith("nnkit grade ")]
    assert grading == ["nnkit grade neural_network.ipynb --json report.json"]
    assert "nnkit summary report.json" in commands
    assert workflow_steps.uploaded_paths(workflow) == ["report.json"]


def test_the_workflow_steps_run_in_a_copy_of_the_release(release_copy, tmp_path):
    bin_folder = workflow_steps.virtualenv(tmp_path / "venv")
    summary = tmp_path / "step_summary.md"
    runs = workflow_steps.run_steps(release_copy, bin_folder, summary, GITHUB_ACTOR="octocat")
    workflow_steps.assert_all_succeeded(runs)
    assert len(runs) == 4, [run.name for run in runs]
    where = subprocess.run([bin_folder / "python", "-c", "import autograder.resources as r; "
                            "print(r.PACKAGE); print(r.data_root())"], capture_output=True,
                           text=True, cwd=tmp_path,  # not the kit's folder, which Python reads
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    package, data = where.stdout.split()
    site = str(bin_folder.parent / "lib")
    assert package.startswith(site) and data.startswith(site), "the job should run the " \
        f"release's kit, installed from its wheel, not {where.stdout}"
    assert not assignment.solution_blocks(
        (Path(data) / "assignments" / "neural_network" / "neural_network.py").read_text())

    report = json.loads((release_copy / "report.json").read_text(encoding="utf-8"))
    assert report["student"] == "octocat" and report["score"] == 0
    assert report["calibration"] is None  # nothing was trained, so no speed to compare
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## nnkit: 0/100 for octocat")
    for stage in STAGES:
        assert f"| {stage.number} {stage.name} | 0/" in text
    assert "MNIST: not trained yet" in text
