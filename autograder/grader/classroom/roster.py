"""Who is in the class and where each one's repository is.

Three sources:
- a file of `student,url` lines (a header line is allowed; url: a git URL or a local path);
- GitHub Classroom's roster export (columns identifier, github_username, github_id, name): the
  repositories are then ORG/PREFIX-<github_username> on GitHub (`--org`, `--prefix`);
- no file, `--org` and `--prefix` with a token: the organisation's repositories named
  PREFIX-<user>, listed through the GitHub REST API.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import KitEnvironmentError

GITHUB_API = "https://api.github.com"
GITHUB = "https://github.com"
# GitHub user names, and safe folder and file names: letters, digits, '-', '_' and '.'.
NAME = re.compile(r"[A-Za-z0-9][\w.-]*")
URL_COLUMNS = ("url", "repository", "repo", "path")
NAME_COLUMNS = ("student", "github_username", "login", "username")


class RosterError(ValueError):
    """The roster cannot be read; the message says which line and why."""


@dataclass(frozen=True)
class Student:
    name: str
    url: str | None  # None: no repository (has not accepted the assignment)


def _check_name(name: str, where: str) -> str:
    if not NAME.fullmatch(name):
        raise RosterError(f"{where}: {name!r} is not a usable student name (letters, digits, "
                          "'-', '_' and '.', starting with a letter or digit, as GitHub's are)")
    return name


def _url(value: str, base: Path) -> str:
    """A git URL as given, or a local path made absolute (relative to the roster's folder)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", value) or re.match(r"^[\w.-]+@[\w.-]+:", value):
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def read_roster(path: str | Path, org: str | None = None, prefix: str | None = None,
                github: str = GITHUB, need_urls: bool = True) -> list[Student]:
    """The class, in the file's order (see the module's docstring). With need_urls=False
    (only the names matter, e.g. to check a board), a Classroom roster needs no --org."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RosterError(f"cannot read the roster {path}: {error.strerror}") from None
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(f"the roster {path} is empty")
    header = [cell.strip().casefold() for cell in rows[0]]
    name_column = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    url_column = next((header.index(c) for c in URL_COLUMNS if c in header), None)
    if name_column is None:  # no header: student,url
        name_column, url_column, body, first = 0, 1, rows, 1
    else:
        body, first = rows[1:], 2
    classroom = url_column is None
    if classroom and need_urls and not (org and prefix):
        raise RosterError(f"{path} is a GitHub Classroom roster (no url column): give --org and "
                          "--prefix, so that the repositories are ORG/PREFIX-<github_username>")
    students, seen = [], set()
    for number, row in enumerate(body, start=first):
        where = f"{path} line {number}"
        cells = [cell.strip() for cell in row] + [""] * len(header)
        name = cells[name_column]
        if not name and classroom:  # on the roster, but no GitHub account linked yet
            fallback = re.sub(r"[^\w.-]+", "_", cells[header.index("identifier")]
                              if "identifier" in header else "").strip("_.")
            if fallback:
                students.append(Student(_check_name(fallback, where), None))
            continue
        _check_name(name, where)
        if name.casefold() in seen:
            raise RosterError(f"{where}: {name} is on the roster twice")
        seen.add(name.casefold())
        if classroom:
            url = f"{github}/{org}/{prefix}-{name}.git" if org and prefix else None
        else:
            url = _url(cells[url_column], path.parent) if cells[url_column] else None
        students.append(Student(name, url))
    return students


def from_github(org: str, prefix: str, token: str, api: str = GITHUB_API) -> list[Student]:
    """The organisation's repositories named PREFIX-<user>, through the REST API (paginated)."""
    students, page = [], 1
    while True:
        query = urllib.parse.urlencode({"per_page": 100, "page": page, "type": "all"})
        request = urllib.request.Request(
            f"{api}/orgs/{urllib.parse.quote(org)}/repos?{query}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "nnkit-classroom"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                repositories = json.load(response)
        except urllib.error.HTTPError as error:
            raise KitEnvironmentError(f"GitHub refused to list {org}'s repositories (HTTP "
                                      f"{error.code}): check the token's access to the "
                                      "organisation (it needs read access to its repositories)"
                                      ) from None
        except (urllib.error.URLError, OSError) as error:
            raise KitEnvironmentError(f"cannot reach the GitHub API at {api} ({error}); check "
                                      "the network, or give a roster file instead") from None
        if not isinstance(repositories, list):
            raise KitEnvironmentError(f"the GitHub API at {api} did not answer with a list")
        for repository in repositories:
            name = str(repository.get("name", ""))
            if name.startswith(f"{prefix}-") and NAME.fullmatch(name[len(prefix) + 1:]):
                students.append(Student(name[len(prefix) + 1:], repository.get("clone_url")))
        if len(repositories) < 100:
            break
        page += 1
    students.sort(key=lambda student: student.name.casefold())
    return students
