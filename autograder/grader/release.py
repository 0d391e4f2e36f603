"""`nnkit release OUTDIR`: a complete student repository, with no solution and no hidden check.

What goes in:
- the student notebook (every solution block replaced by a stub) at the top, where the
  workflow and `nnkit check` look for it, and any files the assignment folder holds beside it;
- the kit a student runs, as ONE wheel (vendor/nnkit-VERSION+student-py3-none-any.whl, that
  requirements.txt installs): the `autograder` package without `autograder/grader` (hidden
  checks cut out of the stages; the expected values its checks compare with, recorded from the
  reference for the public inputs, in place of the grader's arithmetic), the
  MNIST manifest and the assignment's source as the STUDENT version (so `nnkit start` still
  works; the reference solution exists only in the instructor's kit, and `nnkit grade
  --reference` refuses). No loose copy of the kit's source sits beside it to drift;
- the staged suite tests/stages and a pyproject.toml holding pytest's settings;
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
from autograder.grader import release_checks
from autograder.outputs import building_folder, one_line_errors
from autograder.rendering import render
from autograder.resources import DATA_PACKAGE, KitLayout
from autograder.wheelfile import Project, write_wheel

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # autograder/templates
WORKFLOW = Path(".github/workflows/grade.yml")
VENDOR = "vendor"  # the release's copy of the kit, as a wheel
SKIPPED = ("__pycache__", ".pytest_cache", ".ipynb_checkpoints")


class ReleaseError(Exception):
    """The release cannot be written; the message says why."""


# -- hidden checks ---------------------------------------------------------------------------
# -- what goes in ----------------------------------------------------------------------------
def package_files(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, minus caches and compiled bytecode."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in SKIPPED for part in path.parts) \
                and path.suffix != ".pyc":
            yield path


def _student_source(layout: KitLayout) -> str:
    """The assignment's source with every solution block replaced by a stub."""
    try:
        text = layout.source.read_text(encoding="utf-8")
    except OSError:
        raise ReleaseError(f"the assignment's source {layout.source} is missing: point "
                           "NNKIT_ASSIGNMENT (or --assignment) at your copy of the assignment, "
                           "or reinstall nnkit") from None
    text = assignment.student(text)
    if assignment.BEGIN in text or assignment.END in text:
        raise ReleaseError(f"{layout.source} still holds solution markers after stubbing; "
                           "check that every BEGIN SOLUTION has its END SOLUTION")
    return text


def _beside_source(layout: KitLayout) -> Iterator[Path]:
    """The assignment's other files (pictures and such), beside its source in the assignment's
    own folder (<name>/<name>.py). A source file named on its own (NNKIT_ASSIGNMENT=~/nn.py)
    brings nothing else: the folder around it may hold anything."""
    folder = layout.source.parent
    if folder.name != layout.source.stem:
        return iter(())
    return (path for path in package_files(folder) if path.suffix != ".py")


INSTRUCTOR_ONLY = Path("grader")  # inside the package: never in a release
RECORDED = Path("checks") / "expected_values.npz"  # written fresh for each release


def shipped(relative: Path) -> bool:
    """Whether the package's file `relative` (to autograder/) goes into a release."""
    return INSTRUCTOR_ONLY not in (relative, *relative.parents) and relative != RECORDED


def recorded_values(layout: KitLayout) -> bytes:
    """The expected values of the release's checks, recorded from the kit's reference."""
    import tempfile

    from autograder.grader.recording import RecordingFailed, record_kit_reference  # heavy
    with tempfile.TemporaryDirectory(prefix="nnkit-recorded-") as folder:
        path = Path(folder) / RECORDED.name
        try:
            record_kit_reference(path, layout.source)
        except RecordingFailed as error:
            raise ReleaseError(f"the expected values cannot be recorded: {error}") from None
        return path.read_bytes()


def release_package_files(layout: KitLayout, name: str = assignment.DEFAULT) -> dict[str, bytes]:
    """What the release's copy of the kit (its wheel) holds, by path inside the wheel: the
    `autograder` package with every hidden check cut out, and as `nnkit_data` the MNIST manifest
    and the assignment's STUDENT source with the files beside it (so `nnkit start` works in a
    release). The one list of the release's kit: filter or extend it here. Never in it:
    autograder/grader (instructor only: the grader's arithmetic, the models of wrong backprops,
    batch grading...); in their place, the expected values the release's checks compare with,
    recorded from the reference for the public inputs (autograder/grader/recording.py)."""
    files: dict[str, bytes] = {}
    for path in package_files(layout.package):
        if not shipped(path.relative_to(layout.package)):
            continue
        relative = f"autograder/{path.relative_to(layout.package).as_posix()}"
        files[relative] = (release_checks.shipped_text(path).encode()
                           if path.suffix == ".py" else path.read_bytes())
    files.update(release_checks.course_check_files())  # the instructor's own, visible checks
    files[f"autograder/{RECORDED.as_posix()}"] = recorded_values(layout)
    data = DATA_PACKAGE
    files[f"{data}/__init__.py"] = b'"""nnkit\'s data files (read by autograder.resources)."""\n'
    manifest = layout.data / "source_data" / "mnist.json"
    if not manifest.is_file():
        raise ReleaseError(f"the MNIST manifest {manifest} is missing: reinstall nnkit, or "
                           "restore source_data/mnist.json in the kit")
    files[f"{data}/source_data/mnist.json"] = manifest.read_bytes()
    folder = f"{data}/assignments/{name}"
    files[f"{folder}/{name}.py"] = _student_source(layout).encode()
    for path in _beside_source(layout):
        files[f"{folder}/{path.relative_to(layout.source.parent).as_posix()}"] = path.read_bytes()
    return files


def _version(layout: KitLayout) -> str:
    """autograder.__version__ of the kit being released (read, not imported: it may be a
    different tree than the running one)."""
    init = (layout.package / "__init__.py").read_text(encoding="utf-8")
    for node in ast.parse(init).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "__version__"
                                                for target in node.targets):
            return str(ast.literal_eval(node.value))
    raise ReleaseError(f"{layout.package / '__init__.py'} does not set __version__")


def release_project(layout: KitLayout) -> Project:
    """The release's kit as a project: the kit's name, version and dependencies; pytest (and
    any extra the template adds) for the student."""
    path = layout.data / "pyproject.toml"
    try:
        kit = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ReleaseError(f"the kit's project file {path} cannot be read ({error})") from None
    # A local version label marks the student's build of this version (no grader, no hidden
    # check), so pip never takes an installed instructor's kit of the same version for it.
    version = _version(layout)
    project = {**kit["project"], "version": f"{version}{'.' if '+' in version else '+'}student"}
    dev = [requirement for requirement in project.get("optional-dependencies", {}).get("dev", [])
           if re.match(r"pytest\b(?![-_])", requirement)]
    table = tomllib.loads(render("release_pyproject.toml.j2", project=project,
                                 dev=dev or ["pytest"]))["project"]
    return Project.from_table(table, description=render("release_wheel_readme.md.j2"))


def requirements_line(project: Project) -> str:
    """How the release installs its kit: the wheel it carries, with every extra."""
    extras = f"[{','.join(project.extras)}]" if project.extras else ""
    return f"./{VENDOR}/{project.filename}{extras}"


def released_stages() -> list[dict]:
    """Each stage as the release grades it: without its hidden checks' points."""
    return [{"number": stage.number, "name": stage.name, "summary": stage.summary,
             "points": sum(check.points for check in stage.checks if not check.withheld)}
            for stage in STAGES]


def write_release(outdir: str | Path, kit_root: str | Path | None = None,
                  name: str = assignment.DEFAULT) -> Path:
    """Write the student repository into `outdir` (new or empty) and return its path. It is
    built in a temporary folder beside `outdir` and moved into place when complete, so a
    failure leaves nothing behind."""
    out = Path(outdir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder; "
                           "give a new folder for the release")
    layout = KitLayout.of(kit_root, name)
    with building_folder(out) as staging:
        _fill(staging, layout, name)
    return out


def _fill(out: Path, layout: KitLayout, name: str) -> None:
    import jupytext

    project = release_project(layout)
    files = release_package_files(layout, name)
    wheel = write_wheel(out / VENDOR, project, files)
    text = files[f"{DATA_PACKAGE}/assignments/{name}/{name}.py"].decode()
    notebook = out / f"{name}.ipynb"
    jupytext.write(assignment.notebook(text), notebook, fmt="ipynb")
    for path in _beside_source(layout):
        target = out / path.relative_to(layout.source.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for path in package_files(layout.data / "tests" / "stages"):
        target = out / path.relative_to(layout.data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    shutil.copyfile(layout.data / "tests" / "__init__.py", out / "tests" / "__init__.py")
    (out / "requirements.txt").write_text(
        render("release_requirements.txt.j2", line=requirements_line(project)), encoding="utf-8")
    (out / "pyproject.toml").write_text(render("release_settings.toml.j2", wheel=wheel.name),
                                        encoding="utf-8")
    (out / "README.md").write_text(
        render("student_readme.md.j2", notebook=notebook.name, stages=released_stages(),
               workflow=WORKFLOW.as_posix(), wheel=f"{VENDOR}/{wheel.name}"), encoding="utf-8")
    (out / ".gitignore").write_text(render("student_gitignore.j2"), encoding="utf-8")
    (out / WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
    # Copied, not rendered: GitHub's ${{ }} expressions would clash with Jinja's.
    shutil.copyfile(TEMPLATES / "student_workflow.yml", out / WORKFLOW)


@click.command(name="release")
@click.argument("outdir", type=click.Path(file_okay=False))
def release_command(outdir: str) -> None:
    """Write a student repository into OUTDIR: the notebook with stubs, the staged checks, the
    kit, a README and a GitHub Actions workflow that grades every push. No solution, no hidden
    check."""
    with one_line_errors(ReleaseError):
        out = write_release(outdir)
    count = sum(1 for path in out.rglob("*") if path.is_file())
    click.echo(f"Wrote a student repository to {out} ({count} files). Push it to GitHub, or make "
               f"it a GitHub Classroom template: {WORKFLOW.as_posix()} grades every push.")
