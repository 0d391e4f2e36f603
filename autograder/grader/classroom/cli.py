"""`nnkit classroom`: grade a GitHub Classroom assignment on the instructor's side."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from functools import wraps
from pathlib import Path

import click

from autograder.checks.grade import GradeOptions, parse_stages
from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError
from autograder.grader.classroom import board_notes, pipeline, shards, signing
from autograder.grader.classroom.roster import (
    GITHUB_API,
    RosterError,
    Student,
    from_github,
    read_roster,
)
from autograder.grader.classroom.validation import Policy, roster_names


def environment_faults(function):
    """The kit's own faults (no git, no key, no network): one line and exit status 3."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except KitEnvironmentError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_ENVIRONMENT)

    return wrapper


def parse_deadline(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO date and time, e.g. "
                                 "2026-12-01T23:59:00+01:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no time zone: add one (e.g. Z for UTC, or "
                                 "+01:00), so that the deadline is the same on every runner")
    return moment


def class_list(roster: str | None, org: str | None, prefix: str | None, token: str | None,
               api: str) -> list[Student]:
    if roster:
        try:
            return read_roster(roster, org, prefix)
        except RosterError as error:
            raise click.UsageError(str(error)) from None
    if not (org and prefix):
        raise click.UsageError("give a ROSTER file, or --org and --prefix (with a token) to list "
                               "the assignment's repositories through the GitHub API")
    if not token:
        raise click.UsageError("listing an organisation's repositories needs a token: --token "
                               "or $GITHUB_TOKEN")
    return from_github(org, prefix, token, api)


def warn_if_recomputable(anonymise: bool, salt: str) -> None:
    warning = board_notes.anonymise_warning(anonymise, salt)
    if warning:
        click.echo(warning, err=True)


def board_options(function):
    for option in reversed([
        click.option("--title", default="Leaderboard", show_default=True,
                     help="The board's heading."),
        click.option("--anonymise", is_flag=True, help="Show pseudonyms instead of names."),
        click.option("--salt", default="", help="Secret mixed into the pseudonyms."),
    ]):
        function = option(function)
    return function


key_option = click.option(
    "--key", "key_path", type=click.Path(dir_okay=False), envvar="NNKIT_COURSE_KEY_FILE",
    help="Course key file (`nnkit classroom keygen`, or a secret of 32+ bytes for HMAC): "
         "`grade` signs with it; the board then accepts only reports that verify. "
         "[env: NNKIT_COURSE_KEY_FILE]")


@click.group(name="classroom")
def classroom_group() -> None:
    """Grade a class's repositories yourself (GitHub Classroom, or any git URLs): a board that
    ranks only your own, signed grading, and a similarity report across the class."""


@classroom_group.command(name="grade")
@click.argument("roster", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--deadline", required=True, help="ISO date and time with a zone; each "
              "repository is graded at its last commit before it.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for checkouts, reports, the board and the similarity report.")
@click.option("--org", help="GitHub organisation of the classroom.")
@click.option("--prefix", help="The assignment's repository prefix (repositories are "
              "PREFIX-<github_username>).")
@click.option("--token", envvar="GITHUB_TOKEN", help="GitHub token that can read the "
              "students' repositories. [env: GITHUB_TOKEN]")
@click.option("--api-url", default=GITHUB_API, show_default=True, help="GitHub's REST API.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Submissions graded at the same time.")
@click.option("--shard", "shard_text", help="Grade only shard i of N (i/N, e.g. 2/4), for N "
              "runners in parallel; `nnkit classroom merge` joins their OUT folders.")
@key_option
@click.option("--stages", "stages_text", help="Stages to grade, e.g. 1-5 (default: all).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.95, show_default=True,
              help="MNIST test accuracy needed to pass stage 6.")
@click.option("--time-budget", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds allowed for train() on MNIST.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for train().")
@board_options
@environment_faults
def grade_command(roster: str | None, deadline: str, out: Path, org: str | None,
                  prefix: str | None, token: str | None, api_url: str, jobs: int,
                  shard_text: str | None, key_path: str | None, stages_text: str | None,
                  threshold: float, time_budget: float, seed: int, title: str,
                  anonymise: bool, salt: str) -> None:
    """Fetch each repository of ROSTER at its last commit before --deadline, grade it in the
    sandbox (as grade-batch does), sign the reports and build the board from them alone.

    ROSTER: a file of `student,url` lines, or GitHub Classroom's roster CSV with --org and
    --prefix; without ROSTER, --org and --prefix list the repositories through the GitHub API."""
    moment = parse_deadline(deadline)
    students = class_list(roster, org, prefix, token, api_url)
    if shard_text:
        try:
            index, count = shards.parse_shard(shard_text)
        except shards.ShardError as error:
            raise click.BadParameter(str(error), param_hint="--shard") from None
        students = shards.select(students, index, count)
    key = signing.load_key(key_path) if key_path else None
    if key is None:
        click.echo("warning: no --key: the reports are not signed, so the board cannot tell "
                   "them from hand-written ones (it still rejects impossible values)", err=True)
    elif not key.can_sign:
        raise click.UsageError("--key is a public key: grading signs, so it needs the private "
                               "key (keep it as a CI secret; publish the .pub file)")
    options = GradeOptions(stages=parse_stages(stages_text), mnist_threshold=threshold,
                           mnist_time_budget=time_budget, seed=seed)
    record = pipeline.grade_class(students, moment, out, options, jobs, key, token,
                                  progress=True, say=lambda m: click.echo(m, err=True))
    graded = [name for name, entry in record.items() if "error" not in entry]
    click.echo(f"{len(graded)} graded, {len(record) - len(graded)} not graded "
               f"({out / pipeline.FETCHED} says why)")
    if shard_text:
        click.echo(f"shard {shard_text}: join the shards' folders with `nnkit classroom merge`")
        return
    policy = Policy(key=key, roster=roster_names(record), deadline=moment)
    warn_if_recomputable(anonymise, salt)
    board = pipeline.build([out], out, policy, (), title, anonymise, salt)
    report_board(board)


def report_board(board: pipeline.ClassBoard) -> None:
    flagged = [p for p in board.pairs if p.flagged]
    click.echo(f"board: {board.out / 'board' / 'index.html'} ({len(board.entries)} students); "
               f"{len(board.rejected)} not on it (rejected.txt); similarity: "
               f"{board.out / 'similarity.html'} ({len(flagged)} pairs flagged)")
    for item in board.rejected:
        click.echo(f"  not on the board: {item}", err=True)


@classroom_group.command(name="merge")
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the board, grades.csv, rejected.txt and the similarity report.")
@key_option
@click.option("--roster", "roster_path", type=click.Path(exists=True, dir_okay=False),
              help="Accept only these students (default: everyone the shards fetched).")
@click.option("--org", help="With a GitHub Classroom roster: its organisation.")
@click.option("--prefix", help="With a GitHub Classroom roster: the assignment's prefix.")
@click.option("--extra", "extra", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="More report files to consider (each is checked like the others).")
@board_options
@environment_faults
def merge_command(folders: tuple[Path, ...], out: Path, key_path: str | None,
                  roster_path: str | None, org: str | None, prefix: str | None,
                  extra: tuple[Path, ...], title: str, anonymise: bool, salt: str) -> None:
    """Join the OUT folders of sharded `grade` runs (FOLDERS) into one board: only reports that
    pass the checks (and, with --key, whose signature verifies) are ranked."""
    if roster_path:
        try:
            names = roster_names(s.name for s in read_roster(roster_path, org, prefix,
                                                                need_urls=False))
        except RosterError as error:
            raise click.UsageError(str(error)) from None
    else:
        names = roster_names(name for folder in folders
                             for name in _fetched(folder / pipeline.FETCHED))
    deadlines = {entry["deadline"] for folder in folders
                 for entry in _fetched(folder / pipeline.FETCHED).values() if "deadline" in entry}
    if len(deadlines) > 1:
        raise click.UsageError("the folders were graded for different deadlines ("
                               f"{', '.join(sorted(deadlines))}): merge one round at a time")
    key = signing.load_key(key_path) if key_path else None
    if key is None:
        click.echo("warning: no --key: signatures are not checked", err=True)
    policy = Policy(key=key, roster=names,
                    deadline=parse_deadline(deadlines.pop()) if deadlines else None)
    warn_if_recomputable(anonymise, salt)
    board = pipeline.build(list(folders), out, policy, extra, title, anonymise, salt)
    report_board(board)


def _fetched(path: Path) -> dict[str, dict]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise click.UsageError(f"{path.parent} is not an OUT folder of `nnkit classroom grade` "
                               f"({path.name}: {error})") from None


@classroom_group.command(name="keygen")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for course.key (private: a CI secret) and course.pub (public).")
def keygen_command(out: Path) -> None:
    """Make an ed25519 key pair for signing the class's reports."""
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / "course.key", out / "course.pub"
    if private.exists():
        raise click.UsageError(f"{private} exists; not overwriting a course key")
    key = signing.generate(private, public)
    click.echo(f"wrote {private} (keep it secret: a repository or organisation secret) and "
               f"{public} (key id {key.key_id})")
