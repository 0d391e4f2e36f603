"""Gradescope: `nnkit gradescope OUT.zip` builds an autograder package; inside Gradescope,
`python3 -m autograder.grader.gradescope` grades a submission and writes results.json.

The package holds, at the top of the zip as Gradescope requires: `setup.sh` (installs the
kit's requirements and fetches MNIST once, when the image is built), `run_autograder` (grades
each submission), `requirements.txt`, the grading settings, and `kit/`: the autograder package
and the MNIST manifest. No solution: the assignment's source is not in it. Hidden checks are
(they are the instructor's), shown to students only once grades are published.

results.json follows Gradescope's autograder specification: one test per check (name, number,
score, max_score, status, output, visibility), the total score, execution_time, an overall
output, and leaderboard entries for MNIST accuracy and training time.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile
from dataclasses import asdict
from pathlib import Path

import click

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder.checks import calibration
from autograder.checks.grade import GradeOptions, all_stages, grade
from autograder.checks.report import Report
from autograder.checks.stages import STAGES
from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError
from autograder.grader.release import TEMPLATES, package_files
from autograder.outputs import building_file, one_line_errors, write_atomically
from autograder.resources import KitLayout
from autograder.sandbox.policy import fence_for_credit, unsafe_from_environment

DEFAULT_ROOT = "/autograder"
ROOT_ENV = "AUTOGRADER_ROOT"
SETTINGS = "nnkit_gradescope.json"
SCRIPTS = {"setup.sh": "gradescope_setup.sh", "run_autograder": "gradescope_run_autograder"}


# -- building the package --------------------------------------------------------------------
def requirements(kit_root: str | Path | None = None) -> str:
    path = KitLayout.of(kit_root).data / "pyproject.toml"
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    return "".join(f"{requirement}\n" for requirement in project["dependencies"])


def build_package(out_zip: str | Path, threshold: float = 0.95, time_budget: float = 600.0,
                  seed: int = 0, kit_root: str | Path | None = None) -> Path:
    """Write the Gradescope autograder zip and return its path (written beside it under a
    temporary name and renamed when complete: a failure leaves no partial zip)."""
    out_zip, layout = Path(out_zip), KitLayout.of(kit_root)
    from autograder import settings as course_settings

    # What submitted code may import at Gradescope: the course's setting, as when graded here.
    settings = {"threshold": threshold, "time_budget": time_budget, "seed": seed,
                "allowed_packages": list(course_settings.current().allowed_packages)}
    with building_file(out_zip) as partial:
        _write_package(partial, layout, settings, requirements(kit_root))
    return out_zip


def _write_package(path: Path, layout: KitLayout, settings: dict, needs: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, template in SCRIPTS.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16  # a regular, executable file
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (TEMPLATES / template).read_text(encoding="utf-8"))
        archive.writestr("requirements.txt", needs)
        archive.writestr(SETTINGS, json.dumps(settings, indent=2) + "\n")
        # kit/ is laid out like the repository (autograder/, source_data/): run_autograder puts
        # it on PYTHONPATH and autograder.resources reads it as a checkout.
        for root, folder in ((layout.package.parent, layout.package),
                             (layout.data, layout.data / "source_data")):
            for file in package_files(folder):
                archive.write(file, f"kit/{file.relative_to(root).as_posix()}")


# -- inside Gradescope -----------------------------------------------------------------------
def hidden_check_ids() -> set[str]:
    return {check.id for stage in STAGES for check in stage.checks if check.withheld}


def submitters(root: Path) -> str:
    """The names Gradescope gives in submission_metadata.json, if it is there."""
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        names = [user["name"] for user in metadata.get("users", []) if user.get("name")]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return ""
    return ", ".join(names)


def overview(report: Report) -> str:
    lines = [f"Score: {report.score:g}/{report.max_score:g}"]
    accuracy = report.mnist.get("accuracy")
    if accuracy is not None:
        lines.append(f"MNIST test accuracy: {accuracy:.2%} "
                     f"(trained in {report.mnist['train_seconds']:.1f} s)")
    else:
        lines.append("MNIST: not trained (stage 6 needs train() and HYPERPARAMS to work).")
    lines += [f"Note: {problem}" for problem in report.problems]
    return "\n".join(lines)


def leaderboard_entries(report: Report) -> list[dict]:
    """Accuracy always (0 when nothing was trained); times only when training happened, since
    there is no honest number for a time that was never measured."""
    accuracy, seconds = report.mnist.get("accuracy"), report.mnist.get("train_seconds")
    entries = [{"name": "MNIST accuracy", "value": round(accuracy or 0.0, 4), "order": "desc"}]
    if seconds is not None:
        entries.append({"name": "Training time (s)", "value": round(seconds, 2), "order": "asc"})
        if report.calibration:
            entries.append({"name": "Normalised time", "order": "asc",
                            "value": round(seconds / report.calibration, 2)})
    return entries


def results(report: Report) -> dict:
    """The report in Gradescope's results.json format."""
    hidden = hidden_check_ids()
    tests = []
    for stage in report.stages:
        for number, check in enumerate(stage.checks, start=1):
            tests.append({
                "name": f"Stage {stage.stage} ({stage.name}): {check.name}",
                "number": f"{stage.stage}.{number}",
                "score": check.score,
                "max_score": check.max_score,
                "status": "passed" if check.passed else "failed",
                "output": check.message or ("passed" if check.passed else "failed"),
                "tags": [f"stage {stage.stage}"],
                "visibility": "after_published" if check.id in hidden else "visible",
            })
    return {
        "score": report.score,
        "execution_time": round(report.seconds),
        "output": overview(report),
        "tests": tests,
        "leaderboard": leaderboard_entries(report),
        "extra_data": {"nnkit_report": asdict(report)},
    }


def run(root: str | Path) -> Path:
    """Grade root/submission with the package's settings; write root/results/results.json.

    Grading is for credit: under bubblewrap or the dedicated-user fence (KitEnvironmentError
    without either, unless NNKIT_UNSAFE=1). Neither lets the worker see root/, so nothing but
    this process can write results/; results.json is written last, atomically, after grade()
    has killed every process of the submission."""
    root = Path(root)
    settings = json.loads((root / "source" / SETTINGS).read_text(encoding="utf-8"))
    options = GradeOptions(stages=all_stages(), mnist_threshold=settings["threshold"],
                           mnist_time_budget=settings["time_budget"], seed=settings["seed"],
                           allowed_packages=tuple(settings.get("allowed_packages", ())),
                           for_credit=True, unsafe=unsafe_from_environment())
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)  # whatever was there is not this grading's
    fence_for_credit(options.unsafe)  # no fence: refuse before any submitted code runs
    report = grade(root / "submission", options)
    report.student = submitters(root) or "gradescope submission"
    calibration.calibrate(report)
    write_atomically(target, json.dumps(results(report), indent=2) + "\n")
    print(overview(report))  # goes to Gradescope's stdout log, for the instructor
    return target


def main(argv: list[str]) -> None:
    try:
        run(argv[1] if len(argv) > 1 else os.environ.get(ROOT_ENV, DEFAULT_ROOT))
    except KitEnvironmentError as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(EXIT_ENVIRONMENT) from None


@click.command(name="gradescope")
@click.argument("out_zip", metavar="OUT.zip", type=click.Path(dir_okay=False))
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.95, show_default=True,
              help="MNIST test accuracy needed to pass stage 6.")
@click.option("--time-budget", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds allowed for train() on MNIST (Gradescope's own limit is "
                   "set in the assignment's settings; keep it larger).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed passed to train().")
def gradescope_command(out_zip: str, threshold: float, time_budget: float, seed: int) -> None:
    """Build a Gradescope autograder package (setup.sh, run_autograder, the kit without the
    solution) into OUT.zip."""
    with one_line_errors():
        path = build_package(out_zip, threshold, time_budget, seed)
    click.echo(f"Wrote {path}: upload it as the assignment's autograder on Gradescope "
               "(Configure Autograder, zip file upload).")


if __name__ == "__main__":
    main(sys.argv)
