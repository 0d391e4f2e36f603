"""The wheel `nnkit release` writes without a build tool: valid core metadata (`twine check`),
a RECORD whose every hash and size matches, extras with their markers kept, and the same bytes
for the same files."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from autograder.wheelfile import Project, for_extra, write_wheel

PROJECT = Project(name="demo.kit", version="1.2.3+student", summary="A demo.",
                  requires_python=">=3.10", license="MIT",
                  dependencies=("numpy>=1.24", "tomli>=2; python_version < '3.11'"),
                  extras={"dev": ("pytest>=8",), "notebook": ("notebook>=7; os_name != 'nt'",)},
                  scripts={"demo": "demo_kit.cli:main"}, description="# Demo\n\nText.\n")
FILES = {"demo_kit/__init__.py": b"", "demo_kit/cli.py": b"def main():\n    print('hi')\n",
         "demo_kit/data/picture.png": bytes(range(256))}


def test_the_wheel_is_named_and_laid_out_as_the_format_requires(tmp_path):
    wheel = write_wheel(tmp_path, PROJECT, FILES)
    assert wheel.name == "demo_kit-1.2.3+student-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = Parser().parsestr(archive.read("demo_kit-1.2.3+student.dist-info/METADATA")
                                 .decode())
        entry_points = archive.read("demo_kit-1.2.3+student.dist-info/entry_points.txt").decode()
    assert set(FILES) <= set(names)
    assert meta["Name"] == "demo.kit" and meta["Version"] == "1.2.3+student"
    assert meta.get_all("Provides-Extra") == ["dev", "notebook"]
    assert meta.get_all("Requires-Dist") == [
        "numpy>=1.24", "tomli>=2; python_version < '3.11'", 'pytest>=8; extra == "dev"',
        "notebook>=7; (os_name != 'nt') and extra == \"notebook\""]
    assert meta.get_payload() == PROJECT.description
    assert entry_points == "[console_scripts]\ndemo = demo_kit.cli:main\n"


def test_every_record_line_matches_its_file(tmp_path):
    wheel = write_wheel(tmp_path, PROJECT, FILES)
    with zipfile.ZipFile(wheel) as archive:
        record = archive.read("demo_kit-1.2.3+student.dist-info/RECORD").decode().splitlines()
        listed = {line.split(",")[0] for line in record}
        assert listed == set(archive.namelist())
        for line in record:
            path, digest, size = line.split(",")
            if path.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == f"sha256={expected.decode()}" and int(size) == len(data), path


def test_the_same_files_make_the_same_wheel(tmp_path):
    first = write_wheel(tmp_path / "a", PROJECT, FILES).read_bytes()
    second = write_wheel(tmp_path / "b", PROJECT, dict(reversed(FILES.items()))).read_bytes()
    assert first == second


def test_twine_accepts_the_wheels_metadata(tmp_path):
    wheel = write_wheel(tmp_path, PROJECT, FILES)
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "PASSED" in run.stdout, run.stdout + run.stderr


def test_a_requirement_keeps_its_own_marker_under_an_extra():
    assert for_extra("a>=1", "x") == 'a>=1; extra == "x"'
    assert for_extra("a>=1 ; sys_platform == 'linux' or os_name == 'nt'", "x") == \
        "a>=1; (sys_platform == 'linux' or os_name == 'nt') and extra == \"x\""


def test_pip_installs_the_wheel_and_runs_its_script(tmp_path):
    wheel = write_wheel(tmp_path, PROJECT, FILES)
    target = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                          "--target", str(target), str(wheel)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (target / "demo_kit" / "data" / "picture.png").read_bytes() == bytes(range(256))
    script = Path(target / "bin" / "demo")
    assert script.is_file() and "demo_kit.cli" in script.read_text()
