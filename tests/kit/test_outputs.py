"""Commands that write folders or archives leave nothing behind when they fail, say why in one
line that names the fix, and can simply be run again; the terminal says when the sandbox was
weakened; an instructor's own copy of the assignment is used when named."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import assignment
from autograder.checks.fence import weakened
from autograder.cli import main
from autograder.errors import EXIT_ENVIRONMENT
from autograder.grader import gradescope, release
from autograder.sandbox.dedicated_user import DedicatedUserIsolation
from autograder.sandbox.isolation import BubblewrapIsolation, Isolation


def nnkit(*args: str, **env: str):
    return CliRunner().invoke(main, list(args), env=env)


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got:\n{output}"
    assert "Traceback" not in output
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def unclosed_assignment(tmp_path: Path) -> Path:
    """An instructor's copy with a solution block whose END marker was deleted."""
    own = tmp_path / "own" / "neural_network"
    own.mkdir(parents=True)
    text = assignment.read_source()
    position = text.rindex(assignment.END)
    (own / "neural_network.py").write_text(text[:position] + text[position + 16:],
                                           encoding="utf-8")
    return own


# -- release -----------------------------------------------------------------------------------
def test_a_failed_release_leaves_nothing_and_a_retry_succeeds(tmp_path, unclosed_assignment):
    out = tmp_path / "out" / "repo"
    result = nnkit("release", str(out), NNKIT_ASSIGNMENT=str(unclosed_assignment))
    assert result.exit_code == 1
    assert "still holds solution markers" in one_line(result.output)
    assert leftovers(tmp_path / "out") == []  # neither the folder nor a temporary one
    assert nnkit("release", str(out)).exit_code == 0
    assert (out / "neural_network.ipynb").is_file() and leftovers(tmp_path / "out") == ["repo"]


def test_a_release_failing_late_leaves_an_empty_target_folder_empty(tmp_path, monkeypatch):
    out = tmp_path / "repo"
    out.mkdir()

    def fail_at_the_end(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / "README.md"))

    monkeypatch.setattr(release, "released_stages", fail_at_the_end)  # after the wheel is written
    result = nnkit("release", str(out))
    assert result.exit_code == 1
    line = one_line(result.output)
    assert "No space left on device" in line and "free space" in line
    assert leftovers(out) == [] and leftovers(tmp_path) == ["repo"]


def test_release_from_a_missing_assignment_says_which_file_in_one_line(tmp_path):
    result = nnkit("release", str(tmp_path / "repo"), NNKIT_ASSIGNMENT=str(tmp_path / "nope.py"))
    assert result.exit_code == 2  # click: --assignment's path does not exist
    assert "does not exist" in result.output and "nope.py" in result.output
    assert leftovers(tmp_path) == []


# -- start and generate ------------------------------------------------------------------------
def test_start_and_generate_with_a_missing_source_fail_in_one_line_and_write_nothing(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()  # exists, so --assignment accepts it, but holds no neural_network.py
    for command in (("start", str(tmp_path / "work")), ("generate", str(tmp_path / "gen"))):
        result = nnkit(*command, NNKIT_ASSIGNMENT=str(folder))
        assert result.exit_code == EXIT_ENVIRONMENT, result.output
        line = one_line(result.output)
        assert str(folder / "neural_network.py") in line and "NNKIT_ASSIGNMENT" in line
    assert leftovers(tmp_path) == ["course"]


def test_generate_failing_midway_keeps_the_files_already_there(tmp_path, monkeypatch):
    out = tmp_path / "gen"
    assert nnkit("generate", str(out)).exit_code == 0
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    real = assignment.write_solution

    def broken(folder, name=assignment.DEFAULT):
        real(folder, name)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(assignment, "write_solution", broken)
    own = tmp_path / "own.py"  # new files would differ from those there
    own.write_text(assignment.read_source() + "\n# EDITED\n", encoding="utf-8")
    result = nnkit("generate", str(out), NNKIT_ASSIGNMENT=str(own))
    assert result.exit_code == 1 and "Input/output error" in one_line(result.output)
    after = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert after == before  # the new student files were not moved in either


def test_start_writes_the_notebook_whole_and_nothing_else(tmp_path):
    result = nnkit("start", str(tmp_path / "work"))
    assert result.exit_code == 0, result.output
    assert leftovers(tmp_path / "work") == ["neural_network.ipynb"]


# -- gradescope --------------------------------------------------------------------------------
def test_a_failed_gradescope_build_leaves_no_partial_zip(tmp_path, monkeypatch):
    target = tmp_path / "autograder.zip"
    target.write_bytes(b"the previous, good package")
    calls = []

    def failing(folder):
        calls.append(folder)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return release.package_files(folder)

    monkeypatch.setattr(gradescope, "package_files", failing)
    result = nnkit("gradescope", str(target))
    assert result.exit_code == 1 and "No space left on device" in one_line(result.output)
    assert leftovers(tmp_path) == ["autograder.zip"]
    assert target.read_bytes() == b"the previous, good package"
    monkeypatch.undo()
    assert nnkit("gradescope", str(target)).exit_code == 0
    assert zipfile.is_zipfile(target) and leftovers(tmp_path) == ["autograder.zip"]


# -- an instructor's own assignment ------------------------------------------------------------
def test_generate_uses_the_instructors_own_copy_by_option_or_variable(tmp_path):
    own = tmp_path / "course" / "neural_network"
    own.mkdir(parents=True)
    text = assignment.read_source().replace("# %% [markdown]", "# %% [markdown]\n# OUR COURSE", 1)
    (own / "neural_network.py").write_text(text, encoding="utf-8")
    for how, (args, env) in {"option": (["--assignment", str(own)], {}),
                             "variable": ([], {"NNKIT_ASSIGNMENT": str(own / "neural_network.py")}),
                             }.items():
        result = nnkit(*args, "generate", str(tmp_path / how), **env)
        assert result.exit_code == 0, result.output
        student = (tmp_path / how / "student" / "neural_network.py").read_text(encoding="utf-8")
        assert "OUR COURSE" in student, how
        assert "NNKIT_ASSIGNMENT" not in os.environ, "the option must not outlive the command"
    plain = nnkit("generate", str(tmp_path / "kit"), NNKIT_ASSIGNMENT="")
    assert plain.exit_code == 0
    assert "OUR COURSE" not in (tmp_path / "kit" / "student" / "neural_network.py").read_text()


# -- the fence ---------------------------------------------------------------------------------
def test_the_terminal_warns_when_the_worker_ran_without_bubblewrap(tmp_path):
    fallback = nnkit("grade", "--reference", "--stages", "1", "--quiet", NNKIT_ISOLATION="process")
    assert fallback.exit_code == 0, fallback.output
    warnings = [line for line in fallback.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "WITHOUT the full sandbox" in warnings[0]
    assert "NNKIT_ISOLATION=process" in warnings[0] and "apt install bubblewrap" in warnings[0]
    fenced = nnkit("grade", "--reference", "--stages", "1", "--quiet")
    assert fenced.exit_code == 0 and "warning:" not in fenced.output  # bubblewrap works here


def test_the_fence_warning_follows_the_fences_own_verdict_not_its_name():
    # The verdict is the fence's own (Isolation.strength), carried in the report as `fence`.
    assert weakened("strong", "bubblewrap (no network, own pid/ipc/uts namespaces)") is None
    assert weakened("strong", "dedicated user (uid of its own, no network, ...)") is None
    assert weakened("strong", "a strong fence named in a way nobody expected") is None
    assert weakened("none", "none (not started)") is None  # no submitted code ran
    assert weakened("", "") is None  # a report from before the verdict: nothing to go on
    for name in ("process group + rlimits (memory 4096 MB; ...)", "bubblewrap, they say"):
        assert name in weakened("weak", name)
    assert [type(fence).strength for fence in (Isolation(), BubblewrapIsolation())] == \
        ["weak", "strong"]
    assert DedicatedUserIsolation.strength == "strong"


def test_a_release_from_a_lone_source_file_takes_nothing_else_from_its_folder(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "nn.py").write_text(assignment.read_source(), encoding="utf-8")
    (folder / "private-notes.txt").write_text("not for students", encoding="utf-8")
    result = nnkit("release", str(tmp_path / "repo"), NNKIT_ASSIGNMENT=str(folder / "nn.py"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(next((tmp_path / "repo" / "vendor").glob("*.whl"))) as archive:
        names = archive.namelist()
    assert "nnkit_data/assignments/neural_network/neural_network.py" in names
    assert not [name for name in names if "private-notes" in name]
    assert not list((tmp_path / "repo").rglob("private-notes.txt"))
    # From its own folder (<name>/<name>.py) the assignment's pictures come along.
    kit = nnkit("release", str(tmp_path / "kit-repo"))
    assert kit.exit_code == 0 and (tmp_path / "kit-repo" / "my_digit.png").is_file()
