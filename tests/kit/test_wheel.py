"""The package: the sdist and the wheel build, their metadata passes `twine check`, and the wheel,
installed into a fresh virtual environment outside the checkout, runs the README's main
command and writes a student release from any folder.

The build runs once per session (`python -m build`, isolated as on a fresh machine: setuptools
comes from the package index). The virtual environment sees this machine's packages
(--system-site-packages) so that NumPy and the rest are not downloaded again, but the kit itself
is the wheel's: every test checks where `autograder` was imported from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import autograder
from autograder import assignment
from autograder.resources import DATA_FILES, DATA_PACKAGE
from tests.kit.conftest import ROOT

# What the commands read from the wheel, beyond the Python modules (checked member by member).
REQUIRED = (
    "autograder/py.typed",
    "autograder/templates/student_workflow.yml",
    "autograder/templates/release_pyproject.toml.j2",
    f"{DATA_PACKAGE}/__init__.py",
    f"{DATA_PACKAGE}/pyproject.toml",
    f"{DATA_PACKAGE}/source_data/mnist.json",
    f"{DATA_PACKAGE}/assignments/neural_network/neural_network.py",
    f"{DATA_PACKAGE}/assignments/neural_network/my_digit.png",
    f"{DATA_PACKAGE}/tests/__init__.py",
    f"{DATA_PACKAGE}/tests/stages/conftest.py",
    f"{DATA_PACKAGE}/tests/stages/test_stages.py",
    f"{DATA_PACKAGE}/course/nbgrader_config.py",
)
COPY_IGNORED = (".git", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
                ".ruff_cache", "my_work", ".ipynb_checkpoints")
# Reads, from inside a submission, the kit's own package (which the worker must see) and the
# reference solution where an installed kit keeps it (which it must not).
PROBE = '''
import os


def neuron(x, w, b):
    import autograder

    site = os.path.dirname(os.path.dirname(autograder.__file__))
    seen = []
    for path in (os.path.join(site, "autograder", "sandbox", "worker_side", "worker.py"),
                 os.path.join(site, "autograder", "checks", "grade.py"),
                 os.path.join(site, "nnkit_data", "assignments", "neural_network",
                              "neural_network.py")):
        try:
            with open(path) as file:
                seen.append("BEGIN SOLUTION" if "### BEGIN SOLUTION" in file.read() else "read")
        except OSError:
            seen.append("unreadable")
    raise RuntimeError("probe: worker %s, grader %s, solution %s" % tuple(seen))
'''


def missing_from_wheel(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    return [name for name in REQUIRED if name not in names]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel, built from a copy of the checkout (the build writes egg-info into the
    tree it builds)."""
    base = tmp_path_factory.mktemp("dist")
    tree = Path(shutil.copytree(ROOT, base / "tree", ignore=shutil.ignore_patterns(*COPY_IGNORED)))
    out = base / "out"
    run = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(tree)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="session")
def sdist(dist: Path) -> Path:
    (found,) = dist.glob("*.tar.gz")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the checkout with the wheel installed; its bin/."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(folder)],
                   check=True, timeout=300)
    # --ignore-installed: this machine may have the checkout installed under the same version.
    run = outside(folder / "bin", folder, "python", "-m", "pip", "install", "--no-deps",
                  "--ignore-installed", str(wheel))
    assert run.returncode == 0 and "Successfully installed nnkit" in run.stdout, \
        run.stdout + run.stderr
    return folder / "bin"


@pytest.fixture(scope="session")
def bare_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with nothing but the wheel and what its metadata asks for (from the
    package index, as for a user); its bin/."""
    folder = tmp_path_factory.mktemp("bare") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    run = outside(folder / "bin", folder, "python", "-m", "pip", "install", "--quiet", str(wheel))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return folder / "bin"


def outside(bin_folder: Path, where: Path, *command: str,
            **env: str) -> subprocess.CompletedProcess:
    """Run one of the venv's programs in `where` (outside the checkout), with nothing of the
    checkout on the path."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "NNKIT_ASSIGNMENT", "NNKIT_SUBMISSION")}
    environment.update(NO_COLOR="1", PATH=f"{bin_folder}{os.pathsep}{os.environ['PATH']}", **env)
    where.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(bin_folder / command[0]), *command[1:]], cwd=where,
                          env=environment, capture_output=True, text=True, timeout=900)


# -- what is in them ---------------------------------------------------------------------------
def test_the_wheel_carries_the_data_the_commands_read_and_py_typed(wheel):
    assert missing_from_wheel(wheel) == []
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        shipped = archive.read(f"{DATA_PACKAGE}/source_data/mnist.json")
    assert shipped == (ROOT / "source_data" / "mnist.json").read_bytes()
    # Every module of the package, and no stray copy of the checkout's other folders.
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "autograder").rglob("*.py")}
    assert modules <= set(names)
    assert not [name for name in names if name.startswith(("tests/", "assignments/", "build/"))]


def test_the_wheel_check_notices_a_wheel_without_the_manifest(wheel, tmp_path):
    broken = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as original, zipfile.ZipFile(broken, "w") as copy:
        for info in original.infolist():
            if not info.filename.endswith("source_data/mnist.json"):
                copy.writestr(info, original.read(info))
    assert missing_from_wheel(broken) == [f"{DATA_PACKAGE}/source_data/mnist.json"]


def test_the_data_the_build_copies_is_the_data_the_kit_reads():
    # setup.py imports DATA_FILES from autograder.resources: one list. Each entry must exist.
    assert 'from autograder.resources import DATA_FILES' in (ROOT / "setup.py").read_text()
    assert all((ROOT / relative).exists() for relative in DATA_FILES)


def test_manifest_in_does_not_repeat_the_data_files():
    # The sdist gets DATA_FILES from setup.py's sdist command; MANIFEST.in lists only extras.
    lines = [line.split() for line in (ROOT / "MANIFEST.in").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    named = [word.rstrip("/") for words in lines for word in words[1:]]
    repeated = [word for word in named
                if any(word == relative or word.startswith(relative + "/")
                       or relative.startswith(word + "/") for relative in DATA_FILES)]
    assert repeated == [], f"MANIFEST.in repeats resources.DATA_FILES: {repeated}"
    assert "SdistWithData" in (ROOT / "setup.py").read_text()


def test_the_sdist_holds_what_the_wheel_build_copies(sdist):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for relative in ("setup.py", "pyproject.toml", "MANIFEST.in", "CHANGELOG.md", "README.md",
                     "source_data/mnist.json", "assignments/neural_network/neural_network.py",
                     "assignments/neural_network/my_digit.png", "tests/__init__.py",
                     "tests/stages/test_stages.py", "autograder/py.typed"):
        assert relative in names, f"the sdist lacks {relative}"
    assert not [name for name in names if name.startswith("tests/kit/") or "__pycache__" in name]


def test_twine_check_passes_the_sdist_and_the_wheel(wheel, sdist):
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist),
                          str(wheel)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASSED") == 2, run.stdout


def test_the_version_comes_from_one_place(wheel, sdist):
    version = autograder.__version__
    assert wheel.name == f"nnkit-{version}-py3-none-any.whl"
    assert sdist.name == f"nnkit-{version}.tar.gz"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "autograder.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {version}" in changelog, "CHANGELOG.md should describe the current version"
    # The README's first command installs the wheel this version builds.
    opening = (ROOT / "README.md").read_text(encoding="utf-8").split("```")[1]
    assert f"python -m build && pip install dist/{wheel.name} && nnkit grade --reference" in opening
    assert "python -m pytest" in opening


# -- installed, from anywhere ------------------------------------------------------------------
def test_the_installed_kit_is_the_wheels_not_the_checkout(venv, tmp_path):
    run = outside(venv, tmp_path, "python", "-c", "import autograder, autograder.resources as r; "
                  "print(autograder.__file__); print(r.data_root()); print(autograder.__version__)")
    package, data, version = run.stdout.split()
    site = str(venv.parent / "lib")
    assert package.startswith(site) and data.startswith(site), run.stdout + run.stderr
    assert Path(data).name == DATA_PACKAGE and version == autograder.__version__
    assert outside(venv, tmp_path, "nnkit", "--version").stdout.strip() == \
        f"nnkit, version {autograder.__version__}"


@pytest.mark.slow
def test_the_readmes_main_command_gives_full_marks_from_an_installed_wheel(venv, tmp_path):
    run = outside(venv, tmp_path / "anywhere", "nnkit", "grade", "--reference", "--json",
                  "report.json", NNKIT_MNIST_DIR=os.environ["NNKIT_MNIST_DIR"])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "anywhere" / "report.json").read_text(encoding="utf-8"))
    assert report["score"] == report["max_score"] == 100, run.stdout[-3000:]
    assert report["kit_version"] == autograder.__version__
    assert report["mnist"]["accuracy"] >= 0.95
    assert "Traceback" not in run.stdout + run.stderr


def test_release_start_generate_and_gradescope_work_from_an_installed_wheel(venv, tmp_path):
    for command in (("release", "repo"), ("start", "work"), ("generate", "generated"),
                    ("gradescope", "autograder.zip")):
        run = outside(venv, tmp_path, "nnkit", *command)
        assert run.returncode == 0, f"nnkit {command[0]}: {run.stdout}{run.stderr}"
    (released,) = (tmp_path / "repo" / "vendor").glob("nnkit-*.whl")
    assert (tmp_path / "repo" / "tests" / "stages" / "test_stages.py").is_file()
    with zipfile.ZipFile(released) as archive:
        source = archive.read(f"{DATA_PACKAGE}/assignments/neural_network/neural_network.py")
    assert not assignment.solution_blocks(source.decode()) and b"NotImplementedError" in source
    assert (tmp_path / "work" / "neural_network.ipynb").is_file()
    assert (tmp_path / "generated" / "solution" / "neural_network_solution.py").is_file()
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert "kit/source_data/mnist.json" in archive.namelist()


def test_pipx_installs_the_wheel_and_its_nnkit_works_from_any_folder(wheel, tmp_path):
    home = tmp_path / "pipx"
    folders = {"PIPX_HOME": str(home / "home"), "PIPX_BIN_DIR": str(home / "bin"),
               "PIPX_MAN_DIR": str(home / "man")}
    environment = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **folders}
    # --system-site-packages: NumPy and the rest come from this machine, not the index.
    # As for the venv above: the checkout may be installed on this machine, same version.
    run = subprocess.run([sys.executable, "-m", "pipx", "install", "--system-site-packages",
                          "--pip-args=--no-deps --ignore-installed", str(wheel)],
                         env=environment, capture_output=True, text=True, timeout=600,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    bin_folder = home / "bin"
    assert outside(bin_folder, tmp_path / "x", "nnkit", "--version").stdout.strip() == \
        f"nnkit, version {autograder.__version__}"
    run = outside(bin_folder, tmp_path / "x", "nnkit", "release", "repo")
    assert run.returncode == 0, run.stdout + run.stderr
    assert list((tmp_path / "x" / "repo" / "vendor").glob("nnkit-*.whl"))


def test_an_instructors_own_assignment_is_used_by_the_installed_kit(venv, tmp_path):
    own = tmp_path / "course" / "neural_network"
    own.mkdir(parents=True)
    text = assignment.read_source().replace("# %% [markdown]", "# %% [markdown]\n# OUR COURSE", 1)
    (own / "neural_network.py").write_text(text, encoding="utf-8")
    run = outside(venv, tmp_path, "nnkit", "generate", "out", NNKIT_ASSIGNMENT=str(own))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OUR COURSE" in (tmp_path / "out" / "student" / "neural_network.py").read_text()
    run = outside(venv, tmp_path, "nnkit", "--assignment", str(own / "missing.py"), "generate",
                  "out2")
    assert run.returncode == 2 and "does not exist" in run.stderr


@pytest.mark.parametrize("environment", ["venv", "bare_venv"])
def test_an_installed_kits_solution_is_hidden_from_submitted_code(environment, request, tmp_path):
    venv = request.getfixturevalue(environment)
    submission = tmp_path / "probe.py"
    submission.write_text(PROBE, encoding="utf-8")

    def probe(isolation: str) -> str:
        run = outside(venv, tmp_path, "nnkit", "grade", str(submission), "--stages", "1",
                      "--json", f"{isolation}.json", NNKIT_ISOLATION=isolation)
        assert run.returncode == 0, run.stdout + run.stderr
        report = json.loads((tmp_path / f"{isolation}.json").read_text(encoding="utf-8"))
        (check,) = [c for s in report["stages"] for c in s["checks"]
                    if c["id"] == "stage1.neuron_values"]
        return check["message"]

    # The worker's own modules are read (so the probe looks in the right place); the grader's
    # modules and the solution are not there.
    assert "probe: worker read, grader unreadable, solution unreadable" in probe("bwrap")


def grade_in(bin_folder: Path, where: Path) -> dict:
    run = outside(bin_folder, where, "nnkit", "grade", "--reference", "--stages", "1-5",
                  "--json", "report.json", "--quiet")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads((where / "report.json").read_text(encoding="utf-8"))


def test_the_wheels_declared_dependencies_are_all_it_needs(bare_venv, tmp_path):
    # Nothing of this machine's packages is visible: a dependency missing from the metadata
    # would fail here (an import error at start, or checks failing on the reference).
    report = grade_in(bare_venv, tmp_path)
    graded = [stage for stage in report["stages"] if stage["stage"] <= 5]
    assert all(stage["passed"] for stage in graded), report["problems"]
    assert report["score"] == sum(stage["max_score"] for stage in graded) > 0


def test_a_plain_venv_install_keeps_bubblewrap(bare_venv, tmp_path):
    # NumPy sits in the same site-packages as the kit: the worker must still see it (only the
    # kit's data is hidden), so bubblewrap passes its self-test and fences the grading.
    assert grade_in(bare_venv, tmp_path)["isolation"].startswith("bubblewrap")
