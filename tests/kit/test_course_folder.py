"""The instructor's course folder (`nnkit course init`): one place every command reads. Its
settings (threshold, time budget, allowed packages, points) reach every grading path; its
secret is found (or made) by default, never leaves the instructor's side, and grading for credit
without one refuses; a release's recorded answers then earn nothing in any instructor path."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder import settings
from autograder.checks.credit import PUBLIC_INPUTS_ENV
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.inputs import SECRET_ENV, SECRET_FILE_ENV
from autograder.cli import main
from autograder.errors import EXIT_ENVIRONMENT
from autograder.grader import signing
from autograder.grader.course_folder import init_course
from autograder.resources import kit_file
from tests.kit import gradescope_harness as harness
from tests.kit import simulated_students as students
from tests.kit import workflow_steps
from tests.kit.conftest import ROOT, apply_edits
from tests.kit.recorded_answers import attack
from tests.kit.release_kit import installed
from tests.kit.test_answer_key import WITHOUT_KIT

# One epoch of a 784-10 network: stage 6 in seconds, about 90% (below the course's 99%).
SMALL_NETWORK = ('    "layer_sizes": [784, 100, 10],\n    "epochs": 4,\n    "batch_size": 24,',
                 '    "layer_sizes": [784, 10],\n    "epochs": 1,\n    "batch_size": 200,')
THRESHOLD, PACKAGES = 0.99, ["scipy"]
COURSE_SETTINGS = f"""
[grading]
threshold = {THRESHOLD}
time_budget = 120
allowed_packages = {json.dumps(PACKAGES)}

[points]
"stage2.sigmoid_values" = 7
"""


def without_course(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No course anywhere: none named, none above `folder`, no secret in the environment."""
    for name in (settings.COURSE_ENV, SECRET_ENV, SECRET_FILE_ENV, PUBLIC_INPUTS_ENV,
                 "NNKIT_ASSIGNMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(folder)


@pytest.fixture(scope="module")
def strict_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course whose instructor set a 99% threshold, allowed SciPy and changed a check's
    points."""
    folder = tmp_path_factory.mktemp("strict") / "course"
    init_course(folder)
    (folder / settings.SETTINGS_FILE).write_text(COURSE_SETTINGS, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def quick_trainer(solution_text: str) -> str:
    return apply_edits(solution_text, [SMALL_NETWORK])


def nnkit(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """The real `nnkit` command line (this kit), as an instructor runs it."""
    environment = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=900)


# -- setting up a course -------------------------------------------------------------------------
def test_course_init_sets_up_settings_secret_keys_and_the_assignment(tmp_path, monkeypatch):
    without_course(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["course", "init", "mycourse"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "mycourse"
    course = settings.load(folder)  # the settings file it wrote is valid, with the defaults
    assert (course.threshold, course.time_budget, course.allowed_packages) == (0.95, 600.0, ())
    secret = (folder / "secret").read_text(encoding="ascii").strip()
    assert len(bytes.fromhex(secret)) == 32
    assert stat.S_IMODE((folder / "secret").stat().st_mode) == 0o600
    key = signing.load_key(str(folder / "keys" / "course.key"))
    assert key.can_sign and stat.S_IMODE((folder / "keys" / "course.key").stat().st_mode) == 0o600
    assert signing.load_key(str(folder / "keys" / "course.pub")).key_id == key.key_id
    kit = kit_file("assignments") / "neural_network" / "neural_network.py"
    assert (folder / "assignment" / "neural_network.py").read_text() == kit.read_text()
    # Again: nothing overwritten (the secret and the key stay those the class was graded with).
    assert CliRunner().invoke(main, ["course", "init", "mycourse"]).exit_code == 0
    assert (folder / "secret").read_text(encoding="ascii").strip() == secret
    assert signing.load_key(str(folder / "keys" / "course.key")).key_id == key.key_id


def test_course_show_gives_the_settings_in_force_and_where_they_come_from(strict_course,
                                                                          tmp_path, monkeypatch):
    without_course(monkeypatch, tmp_path)
    plain = CliRunner().invoke(main, ["course", "show"])
    assert "no course: the kit's defaults" in plain.output and "threshold: 0.95" in plain.output
    shown = CliRunner().invoke(main, ["--course", str(strict_course), "course", "show"])
    assert shown.exit_code == 0, shown.output
    assert str(strict_course / settings.SETTINGS_FILE) in shown.output
    assert "threshold: 0.99" in shown.output and "allowed packages: scipy" in shown.output
    assert "stage2.sigmoid_values: 7 (course)" in shown.output
    assert "stage 2 total: 13" in shown.output
    # Found from a folder inside the course, without --course.
    monkeypatch.chdir(strict_course / "assignment")
    assert "threshold: 0.99" in CliRunner().invoke(main, ["course", "show"]).output


def test_a_bad_course_is_one_line_and_exit_3(tmp_path, monkeypatch):
    without_course(monkeypatch, tmp_path)
    result = nnkit("--course", str(tmp_path), "course", "show", cwd=tmp_path)
    assert result.returncode == EXIT_ENVIRONMENT
    assert "nnkit course init" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (tmp_path / settings.SETTINGS_FILE).write_text("[grading]\nthreshold = 7\n")
    result = nnkit("course", "show", cwd=tmp_path)
    assert result.returncode == EXIT_ENVIRONMENT and "threshold = 7" in result.stderr


def test_the_courses_assignment_is_used_in_place_of_the_kits(tmp_path, monkeypatch):
    without_course(monkeypatch, tmp_path)
    folder = tmp_path / "c"
    init_course(folder)
    source = folder / "assignment" / "neural_network.py"
    source.write_text(source.read_text().replace("def sigmoid(z):",
                                                 "# course edition 7\ndef sigmoid(z):"))
    result = nnkit("--course", str(folder), "generate", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "# course edition 7" in (tmp_path / "out" / "student" / "neural_network.py").read_text()


# -- points ----------------------------------------------------------------------------------------
def test_the_courses_points_replace_the_kits_and_the_report_adds_up(strict_course, solution_file,
                                                                    monkeypatch):
    monkeypatch.setenv(settings.COURSE_ENV, str(strict_course))
    report = grade(solution_file, GradeOptions(stages=(2,)))
    stage2 = report.stages[1]
    by_id = {check.id: check for check in stage2.checks}
    assert by_id["stage2.sigmoid_values"].max_score == 7 == by_id["stage2.sigmoid_values"].score
    assert stage2.max_score == 13 == stage2.score
    assert report.max_score == 103 and report.score == 13
    assert report.settings == {"threshold": THRESHOLD, "time_budget": 120.0,
                               "allowed_packages": PACKAGES}


# -- no secret, no credit ----------------------------------------------------------------------
def one_line_naming_the_fix(text: str) -> bool:
    lines = text.strip().splitlines()
    return (len(lines) == 1 and "nnkit course init" in lines[0] and "--secret-file" in lines[0])


def test_grading_for_credit_without_a_secret_refuses_in_every_path(tmp_path, monkeypatch,
                                                                  solution_file):
    without_course(monkeypatch, tmp_path)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.py").write_text(solution_file.read_text())
    (tmp_path / "roster.csv").write_text("ada,https://example.invalid/ada.git\n")
    paths = {
        "grade-batch": ["grade-batch", "class", "--out", "out", "--stages", "1"],
        "gradescope": ["gradescope", "autograder.zip"],
        "classroom": ["classroom", "grade", "roster.csv", "--deadline", "2026-12-01T00:00Z",
                      "--out", "classroom"],
        "nbgrader": ["nbgrader", "autograde", "nbcourse"],
    }
    for name, args in paths.items():
        result = nnkit(*args, cwd=tmp_path)
        assert result.returncode == EXIT_ENVIRONMENT, (name, result.stdout, result.stderr)
        assert one_line_naming_the_fix(result.stderr), (name, result.stderr)
    assert not (tmp_path / "out").exists() and not (tmp_path / "autograder.zip").exists()
    # Asked for explicitly, grading on the public inputs goes on.
    result = nnkit(*paths["grade-batch"], "--public-inputs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "out" / "ada.json").read_text())["inputs"] == "public"
    # In a course (found from the folder it runs in) the secret is found by default.
    init_course(tmp_path / "course")
    (tmp_path / "course" / "class").mkdir()
    (tmp_path / "course" / "class" / "ada.py").write_text(solution_file.read_text())
    result = nnkit("grade-batch", "class", "--out", "out", "--stages", "1",
                   cwd=tmp_path / "course")
    assert result.returncode == 0, result.stderr
    graded = json.loads((tmp_path / "course" / "out" / "ada.json").read_text())
    assert graded["inputs"] == "course secret" and graded["score"] == 10


def test_a_course_without_a_secret_yet_gets_one_when_it_first_grades(tmp_path, monkeypatch,
                                                                     solution_file):
    without_course(monkeypatch, tmp_path)
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / settings.SETTINGS_FILE).write_text("[grading]\nthreshold = 0.9\n")
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.py").write_text(solution_file.read_text())
    result = nnkit("--course", str(folder), "grade-batch", "class", "--out", "out", "--stages",
                   "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((folder / "secret").stat().st_mode) == 0o600
    assert json.loads((tmp_path / "out" / "ada.json").read_text())["inputs"] == "course secret"


# -- the secret stays with the instructor -------------------------------------------------------
@pytest.fixture(scope="module")
def strict_release(strict_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("strict-release") / "student-repo"
    result = nnkit("--course", str(strict_course), "release", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_release_carries_the_public_settings_and_never_the_secret(strict_course,
                                                                      strict_release):
    shipped = settings.load(strict_release)
    assert (shipped.threshold, shipped.time_budget, shipped.allowed_packages) == (
        THRESHOLD, 120.0, tuple(PACKAGES))
    assert shipped.points == {"stage2.sigmoid_values": 7}
    secret = (strict_course / "secret").read_bytes().strip()
    key = (strict_course / "keys" / "course.key").read_bytes().strip()
    found = []
    for root in (strict_release, installed(strict_release)):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                if secret in data or bytes.fromhex(secret.decode()) in data or key in data:
                    found.append(path)
    wheel = next((strict_release / "vendor").glob("*.whl"))
    assert found == [] and secret not in wheel.read_bytes()
    assert not (strict_release / "secret").exists() and not (strict_release / "keys").exists()
    assert (strict_release / "my_digit.png").is_file()  # the course's assignment/ brings it


@pytest.mark.parametrize("fence", ["bwrap", "user"])
def test_submitted_code_never_sees_the_courses_secret(strict_course, tmp_path, monkeypatch,
                                                      fence):
    """Graded for credit in the course: the worker's environment holds neither the secret nor
    the course's path, and the secret, the key and the solution cannot be opened."""
    monkeypatch.setenv(settings.COURSE_ENV, str(strict_course))
    monkeypatch.setenv("NNKIT_ISOLATION", fence)
    secret = (strict_course / "secret").read_text().strip()
    probe = tmp_path / "probe.py"
    targets = [strict_course / "secret", strict_course / "keys" / "course.key",
               strict_course / "assignment" / "neural_network.py"]
    probe.write_text(
        "import os\n\n\n"
        "def neuron(x, w, b):\n"
        "    found = [f'{k}={v}' for k, v in os.environ.items()]\n"
        f"    for path in {[str(p) for p in targets]!r}:\n"
        "        try:\n"
        "            with open(path, 'rb') as file:\n"
        "                found.append(file.read().decode(errors='replace'))\n"
        "        except OSError as error:\n"
        "            found.append(type(error).__name__)\n"
        "    raise RuntimeError('LEAK' + repr(found))\n", encoding="utf-8")
    report = grade(probe, GradeOptions(stages=(1,), for_credit=True))
    assert report.inputs == "course secret"
    said = " ".join(check.message for check in report.stages[0].checks)
    assert "LEAK" in said, said
    assert secret not in said and str(strict_course) not in said
    assert "Error" in said and "def sigmoid" not in said


# -- a release's recorded answers earn nothing in instructor grading --------------------------
@pytest.fixture(scope="module")
def recorded_attack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The attack built from a (plain) release's expected_values.npz, and the same code with an
    empty table; checked to be a real attack: on the public inputs the table pays."""
    from autograder.grader.release import write_release

    release = write_release(tmp_path_factory.mktemp("attacked") / "release")
    texts = {"table": attack(release), "empty": attack(None)}
    folder = tmp_path_factory.mktemp("attack")
    public = {}
    for name, text in texts.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
        public[name] = grade(folder / f"{name}.py",
                             GradeOptions(stages=(1, 2, 3, 4, 5), secret=None)).score
    assert public["table"] >= public["empty"] + 30, public  # the table pays on public inputs
    return texts


def test_recorded_answers_earn_nothing_through_grade_batch(recorded_attack, course_folder,
                                                           tmp_path, monkeypatch):
    without_course(monkeypatch, tmp_path)
    (tmp_path / "class").mkdir()
    for name, text in recorded_attack.items():
        (tmp_path / "class" / f"{name}.py").write_text(text, encoding="utf-8")
    result = nnkit("--course", str(course_folder), "grade-batch", "class", "--out", "out",
                   "--stages", "1-5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["student"]: row for row in csv.DictReader(
        (tmp_path / "out" / "grades.csv").open(encoding="utf-8"))}
    assert float(rows["table"]["score"]) <= float(rows["empty"]["score"]), rows
    assert json.loads((tmp_path / "out" / "table.json").read_text())["inputs"] == "course secret"


def test_recorded_answers_earn_nothing_through_nbgrader_autograde(recorded_attack, course_folder,
                                                                  tmp_path, monkeypatch):
    from autograder.grader.course import driver

    without_course(monkeypatch, tmp_path)
    nbcourse = tmp_path / "nbcourse"
    nbcourse.mkdir()
    config = kit_file("course/nbgrader_config.py").read_text(encoding="utf-8")
    (nbcourse / driver.CONFIG).write_text(config, encoding="utf-8")
    released = nbcourse / "release" / "neural_network"
    made = CliRunner().invoke(main, ["--course", str(course_folder), "nbgrader", "release",
                                     str(nbcourse)])
    assert made.exit_code == 0, made.output
    shipped = settings.load(released)  # the students' folder carries the public settings
    assert shipped.threshold == settings.load(course_folder).threshold
    assert "secret" not in {path.name for path in released.iterdir()}
    release = nbformat.read(released / "neural_network.ipynb", 4)
    for name, text in recorded_attack.items():
        notebook = nbformat.from_dict(json.loads(nbformat.writes(release)))
        answer_cells = [cell for cell in notebook.cells
                        if cell.metadata.get("nbgrader", {}).get("solution")]
        for cell in answer_cells:
            cell.source = "pass"
        answer_cells[0].source = text
        path = nbcourse / "submitted" / name / "neural_network" / "neural_network.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    result = nnkit("--course", str(course_folder), "nbgrader", "autograde", str(nbcourse),
                   cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    scores = {name: driver.outcome(nbcourse, name).score for name in recorded_attack}
    assert scores["table"] <= scores["empty"], (scores, result.stdout)


# -- the course's settings reach every path ------------------------------------------------------
def stage6_says_threshold(text: str) -> bool:
    return f"{THRESHOLD:.0%} needed" in text


def test_the_courses_threshold_and_packages_reach_check_pytest_and_grade(
        strict_release, quick_trainer, tmp_path):
    submission = tmp_path / "mine.py"
    submission.write_text(quick_trainer, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(installed(strict_release)), "NO_COLOR": "1",
           "NNKIT_SUBMISSION": str(submission)}
    for name in (settings.COURSE_ENV, "NNKIT_ASSIGNMENT"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess:
        """python -m MODULE ARGS with the release's kit, and no way to an editable install's
        (a student's machine has none: see test_answer_key.WITHOUT_KIT)."""
        program = (WITHOUT_KIT + f"sys.argv = {[args[1], *args[2:]]!r}\n"
                   f"runpy.run_module({args[1]!r}, run_name='__main__', alter_sys=True)\n")
        return subprocess.run([sys.executable, "-c", program], cwd=strict_release, env=env,
                              capture_output=True, text=True, timeout=900)

    check = run("-m", "autograder.cli", "check", "--stage", "6")
    assert stage6_says_threshold(check.stdout), check.stdout[-3000:]
    suite = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/stages", "-k", "stage6")
    assert stage6_says_threshold(suite.stdout), suite.stdout[-3000:]
    graded = run("-m", "autograder.cli", "grade", str(submission), "--stages", "6", "--json",
                 str(tmp_path / "report.json"), "--quiet")
    assert graded.returncode == 0, graded.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["settings"]["allowed_packages"] == PACKAGES
    assert report["settings"]["threshold"] == THRESHOLD
    # The command line still wins over the settings file.
    run("-m", "autograder.cli", "grade", str(submission), "--stages", "6", "--json",
        str(tmp_path / "lenient.json"), "--quiet", "--threshold", "0.5")
    lenient = json.loads((tmp_path / "lenient.json").read_text())
    assert lenient["settings"]["threshold"] == 0.5 and lenient["stages"][5]["passed"]


def test_the_courses_threshold_and_packages_reach_the_releases_workflow(
        strict_release, quick_trainer, tmp_path, monkeypatch):
    import shutil

    monkeypatch.delenv(settings.COURSE_ENV, raising=False)  # a student's runner has none
    repo = Path(shutil.copytree(strict_release, tmp_path / "clone"))
    students.write_notebook(quick_trainer, repo / "neural_network.ipynb")
    bin_folder = workflow_steps.virtualenv(tmp_path / "venv")
    # A runner has no editable install of the instructor's kit: its finder (in this machine's
    # site-packages, which the venv sees) would serve autograder.grader from the checkout.
    (site,) = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    (site / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path\n"
        "                    if '__editable__' not in getattr(f, '__module__', '')]\n")
    runs = workflow_steps.run_steps(repo, bin_folder, tmp_path / "summary.md",
                                    GITHUB_ACTOR="octocat")
    workflow_steps.assert_all_succeeded(runs)
    report = json.loads((repo / "report.json").read_text())
    assert report["settings"] == {"threshold": THRESHOLD, "time_budget": 120.0,
                                  "allowed_packages": PACKAGES}
    accuracy = [c for c in report["stages"][5]["checks"] if "threshold" in c["name"]][0]
    assert stage6_says_threshold(accuracy["message"]), accuracy


@pytest.fixture(scope="module")
def strict_gradescope(strict_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    package = tmp_path_factory.mktemp("strict-gs") / "autograder.zip"
    result = nnkit("--course", str(strict_course), "gradescope", str(package))
    assert result.returncode == 0, result.stderr
    root = harness.unpack(package, tmp_path_factory.mktemp("strict-autograder"))
    done = harness.setup(root)
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return root


def test_the_gradescope_package_grades_with_the_courses_settings_and_secret(
        strict_course, strict_gradescope, quick_trainer, tmp_path):
    secret = strict_course / "secret"
    packaged = strict_gradescope / "source" / "course" / "secret"
    assert packaged.read_bytes().strip() == secret.read_bytes().strip()
    assert stat.S_IMODE(packaged.stat().st_mode) == 0o600
    submission = tmp_path / "neural_network.py"
    submission.write_text(quick_trainer, encoding="utf-8")
    data = harness.run_autograder(strict_gradescope, submission)
    report = data["extra_data"]["nnkit_report"]
    assert report["inputs"] == "course secret"
    assert report["settings"] == {"threshold": THRESHOLD, "time_budget": 120.0,
                                  "allowed_packages": PACKAGES}
    accuracy = [t for t in data["tests"] if "threshold" in t["name"]][0]
    assert accuracy["status"] == "failed" and stage6_says_threshold(accuracy["output"])
    values = [c for c in report["stages"][1]["checks"] if c["id"] == "stage2.sigmoid_values"]
    assert [c["max_score"] for c in values] == [7]  # the course's points


def test_recorded_answers_earn_nothing_through_the_gradescope_run(
        strict_gradescope, recorded_attack, tmp_path):
    scores = {}
    for name, text in recorded_attack.items():
        submission = tmp_path / name / "neural_network.py"
        submission.parent.mkdir()
        submission.write_text(text, encoding="utf-8")
        scores[name] = harness.run_autograder(strict_gradescope, submission)["score"]
    assert scores["table"] <= scores["empty"], scores


def test_the_courses_threshold_and_packages_reach_nbgrader_grading(strict_course, quick_trainer,
                                                                   tmp_path, monkeypatch):
    """The outside-kernel grading nbgrader's preprocessor runs, and the kernel's test cells'
    options, take the course's settings."""
    from autograder.grader.course import exchange

    monkeypatch.setenv(settings.COURSE_ENV, str(strict_course))
    notebook = students.write_notebook(quick_trainer, tmp_path / "neural_network.ipynb")
    report = exchange.grade_definitions(nbformat.read(notebook, 4))
    assert report.inputs == "course secret"
    assert report.settings == {"threshold": THRESHOLD, "time_budget": 120.0,
                               "allowed_packages": PACKAGES}
    accuracy = [c for c in report.stages[5].checks if "threshold" in c.name][0]
    assert not accuracy.passed and stage6_says_threshold(accuracy.message)
    probe = subprocess.run(
        [sys.executable, "-c", "from autograder.checks import notebook_cells as cells; "
         "print(cells.options().mnist_threshold, cells.options().allowed_packages)"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120)
    assert probe.stdout.split() == ["0.99", "('scipy',)"], probe.stderr


# -- the signing key -------------------------------------------------------------------------------
def test_the_leaderboard_verifies_with_the_courses_key_by_default(course_folder, tmp_path,
                                                                  monkeypatch):
    from tests.kit.reports import report

    without_course(monkeypatch, tmp_path)
    key = signing.load_key(str(course_folder / "keys" / "course.key"))
    (tmp_path / "ada.json").write_text(json.dumps(signing.sign(json.loads(report("ada").to_json()),
                                                               key)))
    (tmp_path / "bob.json").write_text(report("bob").to_json())  # unsigned: written by anyone
    files = [str(tmp_path / "ada.json"), str(tmp_path / "bob.json")]
    board = CliRunner().invoke(main, ["--course", str(course_folder), "leaderboard", *files,
                                      "--out", str(tmp_path / "board")])
    assert board.exit_code == 0, board.output
    assert "(1 students)" in board.output
    assert "bob" in (tmp_path / "board" / "rejected.txt").read_text()
    plain = CliRunner().invoke(main, ["leaderboard", *files, "--out", str(tmp_path / "plain")])
    assert "(2 students)" in plain.output  # without a course (or --key) nothing is verified
