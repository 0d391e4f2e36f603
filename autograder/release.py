"""`nnkit release OUTDIR`: a complete student repository, with no solution and no hidden check.

What goes in:
- the student notebook (every solution block replaced by a stub) at the top, where the
  workflow and `nnkit check` look for it, and any files the assignment folder holds beside it;
- the parts of the kit a student runs: the `autograder` package without `autograder/grader`
  (instructor only: the grader's arithmetic, the models of wrong backprops, batch grading...)
  and with hidden checks cut out of the stage modules, the MNIST manifest, the staged suite
  tests/stages, and a pyproject of its own;
- the expected values its checks compare with, recorded by running those checks on the
  reference with the public inputs (autograder/grader/recording.py): answers for those inputs,
  no implementation of any graded function;
- the assignment's source as the STUDENT version (so `nnkit start` still works; the reference
  solution exists only in the instructor's kit, and `nnkit grade --reference` refuses);
- a student README and the GitHub Actions workflow that grades every push.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder import assignment
from autograder.checks.stages import STAGES
from autograder.rendering import render

KIT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "templates"
WORKFLOW = Path(".github/workflows/grade.yml")
SKIPPED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")
INSTRUCTOR_ONLY = Path("autograder") / "grader"  # never in a release
RECORDED = Path("autograder") / "checks" / "expected_values.npz"  # written fresh for each release


class ReleaseError(Exception):
    """The release cannot be written; the message says why."""


# -- hidden checks ---------------------------------------------------------------------------
def _is_hidden_check(decorator: ast.expr) -> bool:
    """`@STAGE.check(name, points, needs, hidden=...)` with a hidden flag that is not a literal
    False (a flag computed at run time counts as hidden: better cut than leaked)."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "check"):
        return False
    flags = [keyword.value for keyword in decorator.keywords if keyword.arg == "hidden"]
    flags += decorator.args[3:4]
    return any(not (isinstance(flag, ast.Constant) and flag.value is False) for flag in flags)


def hidden_check_functions(text: str) -> list[ast.FunctionDef]:
    """The module-level functions of a stage module that are registered as hidden checks."""
    return [node for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_is_hidden_check(decorator) for decorator in node.decorator_list)]


def without_hidden_checks(text: str) -> str:
    """The module with every hidden check cut out: decorators, body, and the comment lines
    right above it."""
    hidden = hidden_check_functions(text)
    if not hidden:
        return text
    lines = text.splitlines(keepends=True)
    for node in reversed(hidden):
        start = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        del lines[start:node.end_lineno]
    return re.sub(r"\n{4,}", "\n\n\n", "".join(lines))


# -- what goes in ----------------------------------------------------------------------------
def package_files(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, minus caches and compiled bytecode."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in SKIPPED for part in path.parts) \
                and path.suffix != ".pyc":
            yield path


def shipped(relative: Path) -> bool:
    """Whether the kit's file `relative` (to the kit's root) goes into a release."""
    return INSTRUCTOR_ONLY not in (relative, *relative.parents) and relative != RECORDED


def _copy_package(kit_root: Path, out: Path) -> None:
    for path in package_files(kit_root / "autograder"):
        if not shipped(path.relative_to(kit_root)):
            continue
        target = out / path.relative_to(kit_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            target.write_text(without_hidden_checks(path.read_text(encoding="utf-8")),
                              encoding="utf-8")
        else:
            shutil.copyfile(path, target)


def _copy_tree(kit_root: Path, relative: str, out: Path) -> None:
    for path in package_files(kit_root / relative):
        target = out / path.relative_to(kit_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _write_assignment(kit_root: Path, name: str, out: Path) -> Path:
    """The student notebook at the top, the student source under assignments/, and the
    assignment's other files (pictures and such) beside both."""
    import jupytext

    folder = kit_root / "assignments" / name
    source = folder / f"{name}.py"
    if not source.is_file():
        raise ReleaseError(f"the assignment's source {source} is missing")
    text = assignment.student(source.read_text(encoding="utf-8"))
    if assignment.solution_blocks(text):
        raise ReleaseError(f"{source} still holds solution markers after stubbing; "
                           "check that every BEGIN SOLUTION has its END SOLUTION")
    (out / "assignments" / name).mkdir(parents=True, exist_ok=True)
    (out / "assignments" / name / source.name).write_text(text, encoding="utf-8")
    for path in package_files(folder):
        if path.suffix != ".py":
            for target in (out / path.relative_to(folder),
                           out / "assignments" / name / path.relative_to(folder)):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    notebook = out / f"{name}.ipynb"
    jupytext.write(assignment.notebook(text), notebook, fmt="ipynb")
    return notebook


def _pyproject(kit_root: Path) -> str:
    """The release's own pyproject: the kit's name, version and dependencies; pytest for the
    staged suite; tests/stages as the test path."""
    kit = tomllib.loads((kit_root / "pyproject.toml").read_text(encoding="utf-8"))
    project = kit["project"]
    dev = [requirement for requirement in project.get("optional-dependencies", {}).get("dev", [])
           if re.match(r"pytest\b(?![-_])", requirement)]
    package_data = kit.get("tool", {}).get("setuptools", {}).get("package-data", {})
    return render("release_pyproject.toml.j2", project=project, dev=dev or ["pytest"],
                  package_data=package_data.get("autograder", []))


def released_stages() -> list[dict]:
    """Each stage as the release grades it: without its hidden checks' points."""
    return [{"number": stage.number, "name": stage.name, "summary": stage.summary,
             "points": sum(check.points for check in stage.checks if not check.hidden)}
            for stage in STAGES]


def write_release(outdir: str | Path, kit_root: str | Path = KIT_ROOT,
                  name: str = assignment.DEFAULT) -> Path:
    """Write the student repository into `outdir` (new or empty) and return its path."""
    out, kit_root = Path(outdir), Path(kit_root)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder; "
                           "give a new folder for the release")
    try:
        from autograder.grader.recording import RecordingFailed, record_kit_reference
    except ModuleNotFoundError:
        raise ReleaseError("this copy of the kit has no grader (it is a student release), so it "
                           "cannot record the expected values a release needs") from None
    out.mkdir(parents=True, exist_ok=True)
    _copy_package(kit_root, out)
    try:
        record_kit_reference(out / RECORDED, kit_root / "assignments" / name / f"{name}.py")
    except RecordingFailed as error:
        raise ReleaseError(f"the expected values cannot be recorded: {error}") from None
    _copy_tree(kit_root, "source_data", out)
    _copy_tree(kit_root, "tests/stages", out)
    shutil.copyfile(kit_root / "tests" / "__init__.py", out / "tests" / "__init__.py")
    notebook = _write_assignment(kit_root, name, out)
    (out / "pyproject.toml").write_text(_pyproject(kit_root), encoding="utf-8")
    (out / "README.md").write_text(
        render("student_readme.md.j2", notebook=notebook.name, stages=released_stages(),
               workflow=WORKFLOW.as_posix()), encoding="utf-8")
    (out / ".gitignore").write_text(render("student_gitignore.j2"), encoding="utf-8")
    (out / WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
    # Copied, not rendered: GitHub's ${{ }} expressions would clash with Jinja's.
    shutil.copyfile(TEMPLATES / "student_workflow.yml", out / WORKFLOW)
    return out


@click.command(name="release")
@click.argument("outdir", type=click.Path(file_okay=False))
def release_command(outdir: str) -> None:
    """Write a student repository into OUTDIR: the notebook with stubs, the staged checks, the
    kit, a README and a GitHub Actions workflow that grades every push. No solution, no hidden
    check."""
    try:
        out = write_release(outdir)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from None
    count = sum(1 for path in out.rglob("*") if path.is_file())
    click.echo(f"Wrote a student repository to {out} ({count} files). Push it to GitHub, or make "
               f"it a GitHub Classroom template: {WORKFLOW.as_posix()} grades every push.")
