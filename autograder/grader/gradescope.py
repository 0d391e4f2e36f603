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
from autograder.checks.grade import ALL_STAGES, GradeOptions, grade
from autograder.checks.report import Report
from autograder.checks.stages import STAGES
from autograder.release import KIT_ROOT, TEMPLATES, package_files

DEFAULT_ROOT = "/autograder"
ROOT_ENV = "AUTOGRADER_ROOT"
SETTINGS = "nnkit_gradescope.json"
SCRIPTS = {"setup.sh": "gradescope_setup.sh", "run_autograder": "gradescope_run_autograder"}


# -- building the package --------------------------------------------------------------------
def requirements(kit_root: Path = KIT_ROOT) -> str:
    project = tomllib.loads((kit_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return "".join(f"{requirement}\n" for requirement in project["dependencies"])


def build_package(out_zip: str | Path, threshold: float = 0.95, time_budget: float = 600.0,
                  seed: int = 0, kit_root: str | Path = KIT_ROOT) -> Path:
    """Write the Gradescope autograder zip and return its path."""
    out_zip, kit_root = Path(out_zip), Path(kit_root)
    settings = {"threshold": threshold, "time_budget": time_budget, "seed": seed}
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, template in SCRIPTS.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16  # a regular, executable file
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (TEMPLATES / template).read_text(encoding="utf-8"))
        archive.writestr("requirements.txt", requirements(kit_root))
        archive.writestr(SETTINGS, json.dumps(settings, indent=2) + "\n")
        for folder in ("autograder", "source_data"):
            for path in package_files(kit_root / folder):
                archive.write(path, f"kit/{path.relative_to(kit_root).as_posix()}")
    return out_zip


# -- inside Gradescope -----------------------------------------------------------------------
def hidden_check_ids() -> set[str]:
    return {check.id for stage in STAGES for check in stage.checks if check.hidden}


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
    """Grade root/submission with the package's settings; write root/results/results.json."""
    root = Path(root)
    settings = json.loads((root / "source" / SETTINGS).read_text(encoding="utf-8"))
    options = GradeOptions(stages=ALL_STAGES, mnist_threshold=settings["threshold"],
                           mnist_time_budget=settings["time_budget"], seed=settings["seed"])
    report = grade(root / "submission", options)
    report.student = submitters(root) or "gradescope submission"
    calibration.calibrate(report)
    target = root / "results" / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results(report), indent=2) + "\n", encoding="utf-8")
    print(overview(report))  # goes to Gradescope's stdout log, for the instructor
    return target


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
    path = build_package(out_zip, threshold, time_budget, seed)
    click.echo(f"Wrote {path}: upload it as the assignment's autograder on Gradescope "
               "(Configure Autograder, zip file upload).")


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else os.environ.get(ROOT_ENV, DEFAULT_ROOT))
