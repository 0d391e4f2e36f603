"""`nnkit classroom`: the instructor grades the class's own repositories (real git over file://),
signs the reports, and builds a board that ranks that grading only; forged and impossible
reports are rejected with their reasons; a similarity report flags the copy; shards merge into
the same board; the board is opened in headless Chromium.

All six stages are graded: the ranking of the students who train is by MNIST accuracy, so it
is only meaningful with stage 6 (the class's networks are small: a few seconds each)."""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from autograder.checks.report import Report
from autograder.cli import main
from autograder.errors import KitEnvironmentError
from autograder.grader.classroom import shards, signing
from autograder.grader.classroom.leaderboard import BadReport, load_entries, read_entry
from autograder.grader.classroom.roster import RosterError, from_github, read_roster
from autograder.grader.classroom.validation import Policy
from tests.kit import chromium, workflow_steps
from tests.kit import classroom_students as students
from tests.kit.reports import report as made_up_report

TEMPLATES = Path(__file__).resolve().parents[2] / "autograder" / "templates"
EXPECTED = ["ada", "cal", "lee", "ben", "fay"]  # honest, copier, late (weak before), buggy, forger


def invoke(*arguments: str) -> str:
    result = CliRunner().invoke(main, [str(a) for a in arguments], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def board_rows(folder: Path, profile: Path) -> list[dict]:
    rows, _ = chromium.leaderboard(chromium.dump_dom(folder / "board" / "index.html", profile))
    return rows


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("classroom")
    deadline = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0)
    roster = students.make_class(root, deadline)
    signing.generate(root / "course.key", root / "course.pub")
    invoke("classroom", "grade", roster, "--deadline", deadline.isoformat(), "--out",
           root / "out", "--key", root / "course.key", "--jobs", "2")
    return {"root": root, "roster": roster, "deadline": deadline, "out": root / "out",
            "key": root / "course.key", "public": root / "course.pub"}


def report_of(graded: dict, student: str) -> dict:
    return json.loads((graded["out"] / "reports" / f"{student}.json").read_text())


# -- the end-to-end class ----------------------------------------------------------------------
def test_the_board_ranks_only_the_instructors_grading_of_each_repository(graded, tmp_path):
    out = graded["out"]
    rows = board_rows(out, tmp_path / "profile")
    assert [row["student"] for row in rows] == EXPECTED
    assert [row["rank"] for row in rows] == [1, 2, 3, 4, 5]
    markdown = (out / "board" / "leaderboard.md").read_text(encoding="utf-8")
    assert [line.split("|")[2].strip() for line in markdown.splitlines()
            if re.match(r"\| \d+ \|", line)] == EXPECTED
    # The forger's repository holds a report claiming 100%: graded on its code, it earns 0.
    assert report_of(graded, "fay")["score"] == 0 and report_of(graded, "ada")["score"] == 100
    public = signing.load_key(graded["public"])
    for student in EXPECTED:
        data = report_of(graded, student)
        assert signing.problem(data, public) is None, student
        assert data["source"]["repository"] == (graded["root"] / "repos" / student).as_uri()


def test_each_repository_is_graded_at_its_last_commit_before_the_deadline(graded):
    repo = graded["root"] / "repos" / "lee"
    before, after = students.git(repo, "rev-list", "--reverse", "HEAD").split()
    source = report_of(graded, "lee")["source"]
    assert source["commit"] == before != after  # the strong version came after the deadline
    assert datetime.fromisoformat(source["commit_time"]) < graded["deadline"]
    assert report_of(graded, "lee")["mnist"]["accuracy"] < 0.95  # the weak one was graded
    assert datetime.fromisoformat(source["deadline"]) == graded["deadline"]


def test_a_missing_repository_and_a_report_in_a_repository_are_listed_with_reasons(graded,
                                                                                tmp_path):
    out = graded["out"]
    rejected = (out / "rejected.txt").read_text(encoding="utf-8")
    assert re.search(r"^mo: repository could not be fetched: fatal: .*", rejected, re.MULTILINE)
    assert re.search(r"^fay: report\.json: found in the student's repository; .*it is not "
                     r"signed", rejected, re.MULTILINE)
    dom = chromium.dump_dom(out / "board" / "index.html", tmp_path / "profile")
    assert 'data-rejected="mo"' in dom and 'data-rejected="fay: report.json"' in dom
    grades = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in grades[1:]] == [*EXPECTED, "mo"]
    assert "error: repository could not be fetched" in grades[-1]


def test_the_board_opens_in_headless_chromium_as_a_picture_of_the_class(graded, tmp_path):
    from PIL import Image

    png = chromium.screenshot(graded["out"] / "board" / "index.html", tmp_path / "profile",
                              tmp_path / "board.png", size=(1200, 900))
    assert chromium.png_size(png) == (1200, 900)
    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    # A page with its table, stage boxes and medals, not a blank or an error page.
    assert colours is not None and len(colours) > 50, f"only {len(colours or [])} colours"
    greens = sum(count for count, (r, g, b) in colours if g > 130 and r < 60 and b < 110)
    assert greens > 500, "the passed stages' green boxes should show"


def extra_reports(graded: dict, folder: Path) -> dict[str, tuple[Path, str]]:
    """Hand-made reports beside the real ones, each with the reason it must be rejected."""
    folder.mkdir()
    key = signing.load_key(graded["key"])
    other = signing.key_from_bytes(b"x" * 40)
    ben = report_of(graded, "ben")

    def forged(**changes) -> dict:
        return students.forged_report(**{"student": "ada", **changes})

    tampered = copy.deepcopy(ben)
    tampered["stages"][2]["score"] += 7.0
    tampered["score"] += 7.0
    cases = {
        "unsigned": (forged(mnist={"accuracy": 0.991, "train_seconds": 3.0}),
                     "it is not signed"),
        "tampered": (tampered, "its signature does not match its content"),
        "other-key": (signing.sign(forged(), other), "it is signed with another key"),
        "accuracy": (signing.sign(forged(mnist={"accuracy": 1.5, "train_seconds": 2.0}), key),
                     "MNIST accuracy 1.5 is outside [0, 1]"),
        "negative-time": (signing.sign(forged(mnist={"accuracy": 0.97,
                                                     "train_seconds": -1.0}), key),
                          "training time -1 s is negative"),
        "above-max": (signing.sign(forged(score=120.0), key), "score 120 is outside [0, 100]"),
        "future": (signing.sign(forged(graded_at=(datetime.now(timezone.utc) + timedelta(
            days=2)).isoformat()), key), "is in the future"),
        "not-on-roster": (signing.sign(forged(student="zed"), key),
                          "'zed' is not on the roster"),
        # Genuinely signed, but for an earlier round: not replayed into this one.
        "replayed": (signing.sign({**ben, "source": {**ben["source"], "deadline":
                                                     "2020-01-01T00:00:00+00:00"}}, key),
                     "it was graded for the deadline 2020-01-01T00:00:00+00:00, not"),
    }
    written = {}
    for name, (data, reason) in cases.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        written[name] = (path, reason)
    return written


def test_forged_tampered_and_impossible_reports_are_rejected_each_with_its_reason(graded,
                                                                               tmp_path):
    cases = extra_reports(graded, tmp_path / "extra")
    merged = tmp_path / "merged"
    extra = [argument for path, _ in cases.values() for argument in ("--extra", path)]
    invoke("classroom", "merge", graded["out"], "--out", merged, "--key", graded["public"],
           *extra)
    assert [row["student"] for row in board_rows(merged, tmp_path / "p")] == EXPECTED
    rejected = (merged / "rejected.txt").read_text(encoding="utf-8").splitlines()
    for name, (path, reason) in cases.items():
        lines = [line for line in rejected if line.startswith(f"{path}:")]
        assert len(lines) == 1 and reason in lines[0], (name, reason, lines)
    page = (merged / "board" / "index.html").read_text(encoding="utf-8")
    assert all(f'data-rejected="{path}"' in page for path, _ in cases.values())


def test_without_a_key_impossible_values_are_still_rejected_but_a_plausible_forgery_is_not(
        graded, tmp_path):
    cases = extra_reports(graded, tmp_path / "extra")
    impossible = ["accuracy", "negative-time", "above-max", "future"]
    result = CliRunner().invoke(main, ["leaderboard", *(str(cases[n][0]) for n in impossible),
                                       str(cases["unsigned"][0]), "--out",
                                       str(tmp_path / "board")])
    assert result.exit_code == 0, result.output
    rejected = (tmp_path / "board" / "rejected.txt").read_text(encoding="utf-8")
    for name in impossible:
        assert f"{cases[name][0]}: rejected: " in rejected and cases[name][1] in rejected
        assert f"skipped {cases[name][0]}: rejected" in result.output  # printed, too
    # What only a signature can tell: the plausible hand-written report is ranked.
    entries = load_entries([cases["unsigned"][0]])
    assert [entry.student for entry in entries] == ["ada"]


def test_the_similarity_report_flags_the_copy_and_nothing_else(graded):
    out = graded["out"]
    pairs = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    flagged = [{pair["left"], pair["right"]} for pair in pairs if pair["flagged"]]
    assert flagged == [{"ada", "cal"}]
    top = pairs[0]
    assert {top["left"], top["right"]} == {"ada", "cal"} and top["similarity"] > 0.9
    assert all(pair["similarity"] < 0.5 for pair in pairs[1:])
    html = (out / "similarity.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="pair flagged" data-left="ada" data-right="cal".*?'
                        r"</section>", html, re.DOTALL)
    assert section and section.group(0).count("<mark>") > 10
    assert "<h3>forward:" in section.group(0) and "acts" in section.group(0)  # side by side


def test_each_report_gives_every_functions_similarity_to_the_reference_and_flags_never_fail(
        graded):
    ben = report_of(graded, "ben")["similarity"]  # the reference, forward left unwritten
    assert "backward" in ben["flagged"] and ben["reference"]["backward"] == 1.0
    assert "forward" not in ben["reference"] or "forward" not in ben["flagged"]
    ada = report_of(graded, "ada")["similarity"]
    assert ada["reference"]["forward"] < 0.9 and "forward" not in ada["flagged"]
    assert report_of(graded, "ada")["score"] == 100  # flagged functions cost nothing
    assert report_of(graded, "fay")["similarity"]["reference"] == {}  # stubs: nothing to compare


def test_code_pasted_from_the_grader_is_flagged_whatever_its_names():
    import inspect

    from autograder.grader import arithmetic
    from autograder.grader.classroom import similarity

    pasted = inspect.getsource(arithmetic.activations).replace("def activations", "def forward")
    pasted = re.sub(r"\blayers\b", "outs", pasted).replace("weights", "w").replace("bias", "c")
    found = similarity.against_reference({"forward": pasted})
    assert found["flagged_grader"] == ["forward"] and found["flagged"] == []
    assert found["grader"]["forward"] == {"similarity": 1.0, "closest": "arithmetic.activations"}
    own = similarity.against_reference({"forward": students.honest().split("def forward")[1]
                                        .split("\ndef ")[0].join(["def forward", ""])})
    assert own["flagged_grader"] == []


def test_a_sharded_run_merges_into_the_same_board(graded, tmp_path):
    folders = []
    for index in (1, 2):
        folder = tmp_path / f"shard{index}"
        invoke("classroom", "grade", graded["roster"], "--deadline",
               graded["deadline"].isoformat(), "--out", folder, "--key", graded["key"],
               "--shard", f"{index}/2")
        folders.append(folder)
    graded_by = [set(json.loads((f / "fetched.json").read_text())) for f in folders]
    assert graded_by[0] | graded_by[1] == {*EXPECTED, "mo"} and not graded_by[0] & graded_by[1]
    assert not (folders[0] / "board").exists()  # a shard's board would be a partial one
    invoke("classroom", "merge", *folders, "--out", tmp_path / "merged", "--key",
           graded["public"])

    def table(folder: Path) -> list[list[str]]:
        text = (folder / "board" / "leaderboard.md").read_text(encoding="utf-8")
        return [[cell.strip() for i, cell in enumerate(line.split("|")) if i in (1, 2, 3, 4, 5)]
                for line in text.splitlines() if re.match(r"\| \d+ \|", line)]

    assert table(tmp_path / "merged") == table(graded["out"])
    assert [row["student"] for row in board_rows(tmp_path / "merged", tmp_path / "p")] == \
        EXPECTED
    pairs = json.loads((tmp_path / "merged" / "similarity.json").read_text())
    assert [{p["left"], p["right"]} for p in pairs if p["flagged"]] == [{"ada", "cal"}]


# -- signing -----------------------------------------------------------------------------------
@pytest.fixture(params=["ed25519", "hmac"])
def key(request, tmp_path) -> signing.Key:
    if request.param == "ed25519":
        return signing.generate(tmp_path / "k", tmp_path / "k.pub")
    return signing.key_from_bytes(b"a course secret that is long enough!!")


def test_a_signature_verifies_and_any_change_to_the_report_breaks_it(key):
    data = json.loads(made_up_report("ada", accuracy=0.97, train_seconds=3.0).to_json())
    signed = signing.sign(data, key)
    assert signing.problem(signed, key) is None
    assert signing.problem(json.loads(json.dumps(signed)), key) is None  # survives a round trip
    for change in (lambda d: d.update(student="bob"), lambda d: d["mnist"].update(accuracy=0.98),
                   lambda d: d["stages"][0].update(score=9.0), lambda d: d.update(extra=1)):
        changed = copy.deepcopy(signed)
        change(changed)
        assert "does not match its content" in signing.problem(changed, key)
    assert "not signed" in signing.problem(data, key)


def test_a_public_key_verifies_but_cannot_sign_and_a_short_secret_is_refused(tmp_path):
    private = signing.generate(tmp_path / "course.key", tmp_path / "course.pub")
    public = signing.load_key(tmp_path / "course.pub")
    signed = signing.sign({"score": 1}, private)
    assert signing.problem(signed, public) is None and not public.can_sign
    with pytest.raises(KitEnvironmentError, match="can only verify"):
        signing.sign({"score": 1}, public)
    with pytest.raises(KitEnvironmentError, match="at least 32"):
        signing.key_from_bytes(b"short")
    assert oct((tmp_path / "course.key").stat().st_mode & 0o777) == "0o600"


# -- validation --------------------------------------------------------------------------------
def plain(**mnist) -> Report:
    return made_up_report("ada", accuracy=mnist.get("accuracy", 0.97),
                          train_seconds=mnist.get("train_seconds", 3.0))


@pytest.mark.parametrize(("change", "reason"), [
    (lambda d: d["mnist"].update(accuracy=-0.1), "MNIST accuracy -0.1 is outside [0, 1]"),
    (lambda d: d["mnist"].update(train_seconds=-0.5), "training time -0.5 s is negative"),
    (lambda d: d.update(calibration=-1.0), "calibration time -1 s is negative"),
    (lambda d: d.update(seconds=-2.0), "grading time -2.0 s is negative"),
    (lambda d: d.update(score=101.0), "score 101 is outside [0, 100]"),
    (lambda d: d.update(max_score=1000.0, score=1000.0), "the kit's maximum is 100"),
    (lambda d: d["stages"][1].update(score=11.0), "stage 2 scores 11/10"),
    (lambda d: d.update(score=50.0), "is not the sum of its stages' scores"),
    (lambda d: d.update(graded_at="2999-01-01T00:00:00+00:00"), "is in the future"),
])
def test_impossible_values_are_rejected_with_their_reason(change, reason, tmp_path):
    data = json.loads(plain().to_json())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_entry(path).student == "ada"  # the untouched report is accepted
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BadReport, match=re.escape(reason)):
        read_entry(path)


def test_a_name_not_on_the_roster_is_rejected(tmp_path):
    path = tmp_path / "report.json"
    plain().write(path)
    assert read_entry(path, Policy(roster=frozenset({"ada"}))).student == "ada"
    with pytest.raises(BadReport, match="'ada' is not on the roster"):
        read_entry(path, Policy(roster=frozenset({"bob"})))


# -- roster, shards, fetching ------------------------------------------------------------------
def test_a_github_classroom_roster_names_the_repositories_org_prefix_user(tmp_path):
    roster = tmp_path / "classroom_roster.csv"
    roster.write_text('"identifier","github_username","github_id","name"\n'
                      '"ada@uni.edu","ada-l","101","Ada L"\n'
                      '"bob@uni.edu","","",""\n', encoding="utf-8")
    ada, bob = read_roster(roster, org="course", prefix="nn-2026")
    assert (ada.name, ada.url) == ("ada-l", "https://github.com/course/nn-2026-ada-l.git")
    assert bob.url is None and bob.name == "bob_uni.edu"  # not accepted yet: no repository
    with pytest.raises(RosterError, match="give --org and --prefix"):
        read_roster(roster)
    # Checking a board needs only the names: `nnkit leaderboard --roster` reads them alone.
    assert [s.name for s in read_roster(roster, need_urls=False)] == ["ada-l", "bob_uni.edu"]
    reports = tmp_path / "reports"
    made_up_report("ada-l").write(tmp_path / "ada.json")
    made_up_report("eve").write(tmp_path / "eve.json")
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "ada.json"),
                                       str(tmp_path / "eve.json"), "--roster", str(roster),
                                       "--out", str(reports)])
    assert result.exit_code == 0, result.output
    assert "'eve' is not on the roster" in (reports / "rejected.txt").read_text()
    assert [e.student for e in load_entries([tmp_path / "ada.json"])] == ["ada-l"]
    bad = tmp_path / "bad.csv"
    bad.write_text("student,url\n../etc,/tmp/x\n", encoding="utf-8")
    with pytest.raises(RosterError, match="line 2: '../etc' is not a usable student name"):
        read_roster(bad)


def test_shards_cover_the_class_exactly_once_whatever_its_order():
    names = [f"s{i:02}" for i in range(23)]
    for count in (1, 2, 3, 7):
        parts = [shards.select(names, i, count, key=str) for i in range(1, count + 1)]
        assert sorted(sum(parts, [])) == sorted(names)
        assert parts == [shards.select(names[::-1], i, count, key=str)
                         for i in range(1, count + 1)]
    for text in ("0/2", "3/2", "1/0", "two"):
        with pytest.raises(shards.ShardError):
            shards.parse_shard(text)


class FakeGitHub(BaseHTTPRequestHandler):
    repos: list[dict] = []
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        match = re.fullmatch(r"/orgs/course/repos\?per_page=100&page=(\d+)&type=all", self.path)
        if not match or self.headers.get("Authorization") != "Bearer sekrit":
            self.send_response(404)
            self.end_headers()
            return
        page = int(match.group(1))
        body = json.dumps(self.repos[(page - 1) * 100:page * 100]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_the_organisation_is_listed_through_the_github_api_and_graded(tmp_path):
    deadline = datetime.now(timezone.utc) - timedelta(hours=1)
    for name in ("ada", "ben"):
        students.commit(tmp_path / "repos" / name, {"neural_network.py": students.stubs()},
                        "start", deadline - timedelta(days=1))
    other = [{"name": f"unrelated-{i}", "clone_url": "file:///nowhere"} for i in range(99)]
    FakeGitHub.repos = other + [{"name": f"nn-{n}", "clone_url": (tmp_path / "repos" / n).as_uri()}
                                for n in ("ben", "ada")]  # the second page holds one of them
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api = f"http://127.0.0.1:{server.server_port}"
    try:
        assert [s.name for s in from_github("course", "nn", "sekrit", api)] == ["ada", "ben"]
        with pytest.raises(KitEnvironmentError, match=r"HTTP 404.*check the token"):
            from_github("course", "nn", "wrong", api)
        invoke("classroom", "grade", "--org", "course", "--prefix", "nn", "--token", "sekrit",
               "--api-url", api, "--deadline", deadline.isoformat(), "--out", tmp_path / "out",
               "--stages", "1")
    finally:
        server.shutdown()
        server.server_close()
    assert {path for path, _ in FakeGitHub.seen} >= {
        "/orgs/course/repos?per_page=100&page=1&type=all",
        "/orgs/course/repos?per_page=100&page=2&type=all"}
    entries = load_entries([tmp_path / "out" / "reports"])
    assert sorted(entry.student for entry in entries) == ["ada", "ben"]


def test_a_symbolic_link_in_a_repository_is_checked_out_as_a_plain_file(tmp_path):
    from autograder.grader.classroom.fetch import fetch

    repo = tmp_path / "repo"
    students.commit(repo, {"README.md": "hi"}, "start", datetime.now(timezone.utc))
    (repo / "neural_network.py").symlink_to("/etc/passwd")
    students.git(repo, "add", "neural_network.py")
    students.git(repo, "commit", "--quiet", "-m", "link")
    got = fetch(repo.as_uri(), datetime.now(timezone.utc) + timedelta(minutes=1),
                tmp_path / "checkout")
    copied = tmp_path / "checkout" / "neural_network.py"
    assert not copied.is_symlink() and copied.read_text() == "/etc/passwd"
    assert len(got.commit) == 40 and not (tmp_path / "checkout" / ".git").exists()


# -- the student's CI and the instructor's workflow --------------------------------------------
def test_student_ci_emits_classrooms_autograding_result_labelled_self_reported(tmp_path):
    report = made_up_report("ada", passed=3)
    report.write(tmp_path / "report.json")
    output = tmp_path / "github_output"
    done = subprocess.run(["python3", "-m", "autograder.cli", "summary",
                           str(tmp_path / "report.json")], capture_output=True, text=True,
                          env={**__import__("os").environ, "GITHUB_OUTPUT": str(output)},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "self-reported" in done.stdout and "instructor" in done.stdout
    (line,) = output.read_text(encoding="utf-8").splitlines()
    assert line.startswith("result=")
    result = json.loads(base64.b64decode(line.removeprefix("result=")))
    assert result["version"] == 1 and result["status"] == "fail"
    assert result["max_score"] == 100
    assert sum(test["score"] for test in result["tests"]) == report.score
    assert all(test["name"].endswith("(self-reported)") for test in result["tests"])
    assert [test["status"] for test in result["tests"]][:4] == ["pass"] * 3 + ["fail"]
    assert set(result["tests"][0]) >= {"name", "status", "score", "message", "test_code",
                                       "filename", "line_no", "execution_time"}


def test_the_student_workflow_hands_the_points_to_classrooms_reporter(tmp_path):
    path = TEMPLATES / "student_workflow.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert job["name"] == "Autograding Tests"  # the check run the reporter writes on
    reporter = next(step for step in job["steps"] if str(step.get("uses", "")).startswith(
        "classroom-resources/autograding-grading-reporter@"))
    assert reporter["with"]["runners"] == "nnkit"
    assert reporter["env"]["NNKIT_RESULTS"] == "${{ steps.summary.outputs.result }}"
    assert "self-reported" in reporter["name"] and "vars.NNKIT_CLASSROOM_POINTS" in reporter["if"]
    assert any(step.get("id") == "summary" and step.get("run") == "nnkit summary report.json"
               for step in job["steps"])
    lint = subprocess.run([workflow_steps.actionlint(), "-no-color", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout


def test_the_instructors_workflow_passes_actionlint_shards_merges_and_publishes(tmp_path):
    path = TEMPLATES / "classroom_workflow.yml"

    def lint(file: Path) -> subprocess.CompletedProcess:
        return subprocess.run([workflow_steps.actionlint(), "-no-color", str(file)],
                              capture_output=True, text=True, timeout=120)

    run = lint(path)
    assert run.returncode == 0, run.stdout + run.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(path.read_text(encoding="utf-8").replace(
        "    needs: grade\n", "    needs: grading\n"), encoding="utf-8")
    assert lint(broken).returncode == 1  # the check can fail: a merge that needs no such job
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads `on` as true
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    grade, merge, publish = (workflow["jobs"][name] for name in ("grade", "merge", "publish"))
    assert len(grade["strategy"]["matrix"]["shard"]) >= 2
    grading = next(step["run"] for step in grade["steps"] if "classroom grade" in
                   step.get("run", ""))
    assert '--shard "$SHARD/$SHARDS"' in grading and "--key" in grading
    assert merge["needs"] == "grade" and publish["needs"] == "merge"
    merging = next(step["run"] for step in merge["steps"] if "classroom merge" in
                   step.get("run", ""))
    assert "--key course.pub" in merging
    uses = [step.get("uses", "") for step in merge["steps"] + publish["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_classroom_benchmark_reports_both_job_counts_side_by_side(tmp_path):
    from tests.kit.test_benchmark_scripts import NUMBER, run_benchmark

    text = run_benchmark("classroom.py", tmp_path, "--repositories", "2", "--stages", "1")
    for jobs in (1, 2):
        assert re.search(rf"^\| `--jobs {jobs}` \| {NUMBER} \| {NUMBER} \| {NUMBER} \| "
                         rf"\d+% \|$", text, re.MULTILINE), text
    assert re.search(rf"`--jobs 2` grades the class {NUMBER}x as fast", text), text
