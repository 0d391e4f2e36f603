"""The job summary a CI run shows: a Markdown table of stages, points, MNIST accuracy and time.

`nnkit summary report.json` prints it, and appends it to $GITHUB_STEP_SUMMARY when GitHub
Actions sets that variable, so it appears on the run's page.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import click

from autograder.checks import autograding
from autograder.checks.headline import blockers, shortened
from autograder.checks.places import read_cells
from autograder.checks.report import (
    Report,
    ReportError,
    ReportUnreadable,
    StageResult,
    read_report,
)
from autograder.rendering import render

FAILING_SHOWN = 8  # the rest are one `nnkit check` away; a summary should stay readable


def symbol(stage: StageResult) -> str:
    if not stage.ran:
        return "🔒"
    return "✅" if stage.passed else "❌"


def mnist_line(report: Report) -> str:
    accuracy, seconds = report.mnist.get("accuracy"), report.mnist.get("train_seconds")
    if accuracy is None:
        return "MNIST: not trained yet (stage 6 trains your network once stages 1-5 work)."
    line = f"**MNIST test accuracy: {accuracy:.2%}** · training time {seconds:.1f} s"
    if report.calibration:
        line += (f" ({seconds / report.calibration:.1f}× this runner's reference workload of "
                 f"{report.calibration:.2f} s)")
    return line


def markdown(report: Report) -> str:
    found = blockers(report, read_cells(report.submission))  # named first, as in `nnkit check`
    failing = [replace(check, message=shortened(check.message, found))
               for stage in report.stages if stage.ran for check in stage.checks
               if not check.passed]
    who = f" for {report.student}" if report.student else ""
    title = f"nnkit: {report.score:g}/{report.max_score:g}{who}"
    shown_problems = {blocker.problem for blocker in found}
    return render("summary.md.j2", report=report, title=title, failing=failing, symbol=symbol,
                  mnist_line=mnist_line(report), shown=FAILING_SHOWN,
                  first=[blocker.text for blocker in found],
                  notes=[p for p in report.problems if p not in shown_problems])


def summary_report(path: str | Path) -> Report:
    """The report to summarise; a plain one-line error (exit 1) if it cannot be."""
    try:
        return read_report(path)
    except ReportUnreadable as error:
        raise click.ClickException(f"cannot read the report {path}: {error}") from None
    except ReportError as error:
        raise click.ClickException(f"{path} is not a report written by `nnkit grade --json` "
                                   f"({error})") from None


@click.command(name="summary")
@click.argument("report_path", metavar="REPORT", type=click.Path(dir_okay=False))
def summary_command(report_path: str) -> None:
    """Print REPORT (from `nnkit grade --json`) as a Markdown summary; in GitHub Actions, also
    add it to the job summary ($GITHUB_STEP_SUMMARY) and set the step's output `result`
    ($GITHUB_OUTPUT) to GitHub Classroom's autograding result, self-reported."""
    report = summary_report(report_path)
    text = markdown(report)
    click.echo(text)
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(text + "\n")
    autograding.write_output(report)  # GitHub Classroom's points, self-reported
