"""`nnkit regrade`: grade one student again, and show what changed.

`--as-before` (the default) grades exactly as the report was graded: the same code (for a
classroom report, the commit in its `source`, fetched again from its repository or from the
SUBMISSION given, a clone of it), the same stages, seed, MNIST threshold and time budget and
reference substitution (the report's `grading`), and the same inputs: public ones if the report
says `"inputs": "public"`, else the course secret, which must be the one it was graded with
(its fingerprint is in the report; reports of older kits have none, and are taken on trust).
`--current` grades SUBMISSION as it is now with the settings in force now (the course's
threshold and time budget, the secret configured here), on the report's stages and seed, so
that a dispute can be settled against today's grading.

Either way, the kit grading is the one installed now: the changes shown are those of the code,
the settings and the kit between the two gradings (the report's `kit_version` says which).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from autograder import settings
from autograder.checks.grade import ALL_STAGES, GradeOptions, grade, secret_fingerprint
from autograder.checks.inputs import read_secret
from autograder.checks.report import Report, ReportError, report_data
from autograder.outputs import write_atomically

NOT_SELECTED = "not selected for this grading"


class RegradeError(ValueError):
    """The report cannot be graded again as asked; the message says why and what to do."""


# -- reading the old grading -------------------------------------------------------------------
def read(path: Path) -> dict:
    try:
        return report_data(path, hostile=True)  # the kit's one reader: any file may be given
    except ReportError as error:
        raise RegradeError(f"{path} {error}") from None


def recorded_stages(data: dict) -> tuple[int, ...]:
    """The stages that were selected: the report's `grading`, else (older kits) every stage
    whose checks do not say it was not selected."""
    stages = (data.get("grading") or {}).get("stages")
    if isinstance(stages, list) and stages:
        return tuple(int(n) for n in stages)
    selected = [stage["stage"] for stage in data["stages"]
                if stage.get("ran", True) or not any(
                    NOT_SELECTED in str(c.get("message", "")) for c in stage.get("checks", []))]
    return tuple(selected) or ALL_STAGES


def options_as_before(data: dict, secret: bytes | None) -> GradeOptions:
    grading = data.get("grading") or {}
    public = data.get("inputs") == "public"
    wanted = grading.get("secret_fingerprint")
    if not public and secret is None:
        raise RegradeError("this report was graded with the course secret: give the same one "
                           "(--secret-file, or $NNKIT_COURSE_SECRET_FILE)")
    if not public and wanted and secret_fingerprint(secret) != wanted:
        raise RegradeError("the course secret given is not the one this report was graded with "
                           f"(fingerprint {secret_fingerprint(secret)}, the report's {wanted}): "
                           "give that course's secret file")
    return GradeOptions(stages=recorded_stages(data),
                        mnist_threshold=float(grading.get("threshold", 0.95)),
                        mnist_time_budget=float(grading.get("time_budget", 600.0)),
                        seed=int(data.get("seed", 0)),
                        substitute_reference=bool(grading.get("substitute_reference")),
                        allowed_packages=tuple((data.get("settings") or {}).get(
                            "allowed_packages", settings.current().allowed_packages)),
                        # the same inputs as before: public ones, if the report was graded on
                        # them (asked for explicitly, by the report itself)
                        secret=None if public else secret, public_inputs=public,
                        for_credit=True)


def options_current(data: dict, secret: bytes | None) -> GradeOptions:
    course = settings.current()
    return GradeOptions(stages=recorded_stages(data), mnist_threshold=course.threshold,
                        mnist_time_budget=course.time_budget, seed=int(data.get("seed", 0)),
                        substitute_reference=bool((data.get("grading") or {}).get(
                            "substitute_reference")), secret=secret, for_credit=True)


# -- the code to grade -------------------------------------------------------------------------
def checkout(repository: str, commit: str, into: Path) -> Path:
    """The repository's files at `commit` (real git, as classroom fetching does it)."""
    from autograder.grader.classroom.fetch import FetchError, _git, git_environment

    env = git_environment(repository, None)
    try:
        _git("clone", "--quiet", "--no-checkout", "--", repository, str(into), env=env)
        _git("checkout", "--quiet", "--detach", commit, env=env, cwd=into)
    except FetchError as error:
        raise RegradeError(f"cannot check out commit {commit} of {repository}: {error}") from None
    return into


def code_as_before(data: dict, submission: Path | None, scratch: Path) -> Path:
    """What was graded: for a classroom report, its commit (from SUBMISSION when that is a
    clone, else from the recorded repository); otherwise SUBMISSION itself."""
    source = data.get("source") or {}
    if source.get("commit"):
        repository = str(submission.resolve()) if submission and (submission / ".git").exists() \
            else source.get("repository")
        if not repository:
            raise RegradeError("the report names a commit but no repository: give SUBMISSION, a "
                               "clone of the student's repository")
        return checkout(repository, source["commit"], scratch / "checkout")
    if submission is None:
        raise RegradeError("give SUBMISSION: this report records no repository and commit (only "
                           "classroom reports do)")
    return submission


# -- what changed ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    check: str
    name: str
    before: float | None  # None: not in that grading
    after: float | None
    passed_before: bool | None
    passed_after: bool | None
    message_changed: bool

    def as_dict(self) -> dict:
        return {"check": self.check, "name": self.name, "before": self.before,
                "after": self.after, "passed_before": self.passed_before,
                "passed_after": self.passed_after, "message_changed": self.message_changed}


def checks_of(data: dict) -> dict[str, dict]:
    return {str(c.get("id")): c for stage in data.get("stages", [])
            for c in stage.get("checks", []) if isinstance(c, dict)}


def differences(before: dict, after: dict) -> dict:
    """Per check, what changed (points, verdict, message), and the totals."""
    old, new = checks_of(before), checks_of(after)
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        change = Change(key, str((b or a or {}).get("name", key)),
                        a.get("score") if a else None, b.get("score") if b else None,
                        a.get("passed") if a else None, b.get("passed") if b else None,
                        bool(a and b and a.get("message") != b.get("message")))
        if (change.before != change.after or change.passed_before != change.passed_after
                or change.message_changed):
            changes.append(change.as_dict())
    mnist = lambda data: (data.get("mnist") or {}).get("accuracy")  # noqa: E731
    return {"score_before": before.get("score"), "score_after": after.get("score"),
            "max_before": before.get("max_score"), "max_after": after.get("max_score"),
            "kit_before": before.get("kit_version"), "kit_after": after.get("kit_version"),
            "accuracy_before": mnist(before), "accuracy_after": mnist(after),
            "changes": changes}


def as_text(diff: dict, student: str) -> str:
    lines = [f"{student}: {diff['score_before']:g}/{diff['max_before']:g} before (kit "
             f"{diff['kit_before'] or '?'}), {diff['score_after']:g}/{diff['max_after']:g} now "
             f"(kit {diff['kit_after']})"]
    if diff["accuracy_before"] != diff["accuracy_after"]:
        lines.append(f"  MNIST accuracy: {diff['accuracy_before']} -> {diff['accuracy_after']}")
    if not diff["changes"]:
        lines.append("  no check changed")
    for c in diff["changes"]:
        points = (f"{'-' if c['before'] is None else format(c['before'], 'g')} -> "
                  f"{'-' if c['after'] is None else format(c['after'], 'g')} points")
        note = " (message changed)" if c["message_changed"] else ""
        lines.append(f"  {c['check']}: {points}{note}")
    return "\n".join(lines)


def regrade(report_path: Path, submission: Path | None, current: bool,
            secret: bytes | None) -> tuple[dict, dict, dict]:
    """Grade again; returns (the old report, the new report, the differences)."""
    before = read(report_path)
    with tempfile.TemporaryDirectory(prefix="nnkit-regrade-") as scratch:
        if current:
            if submission is None:
                raise RegradeError("--current grades SUBMISSION as it is now: give it")
            options, path = options_current(before, secret), submission
        else:
            options = options_as_before(before, secret)
            path = code_as_before(before, submission, Path(scratch))
        report: Report = grade(path, options)
    report.student = str(before.get("student") or report.student)
    report.source = before.get("source") or {}
    after = json.loads(report.to_json())
    return before, after, differences(before, after)


@click.command(name="regrade")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("submission", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--as-before/--current", "as_before", default=True, show_default=True,
              help="Grade as the report was graded (same commit, secret, seed, stages and "
                   "options), or SUBMISSION as it is now with the settings in force now.")
@click.option("--secret-file", type=click.Path(dir_okay=False),
              help="The course secret (default: $NNKIT_COURSE_SECRET_FILE, else "
                   "$NNKIT_COURSE_SECRET).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the new report here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write what changed as JSON here.")
def regrade_command(report: Path, submission: Path | None, as_before: bool,
                    secret_file: str | None, out: Path | None, json_path: Path | None) -> None:
    """Grade one student again from their REPORT (and SUBMISSION), and show what changed,
    check by check. Exits 0 when grading completed, 2 when it cannot be done as asked."""
    try:
        secret = read_secret(secret_file)
        before, after, diff = regrade(report, submission, not as_before, secret)
    except RegradeError as error:
        raise click.UsageError(str(error)) from None
    click.echo(as_text(diff, str(after.get("student"))))
    if out:
        write_atomically(out, json.dumps(after, indent=2) + "\n")
    if json_path:
        write_atomically(json_path, json.dumps({"mode": "as-before" if as_before else "current",
                                                "report": str(report), **diff}, indent=2) + "\n")
