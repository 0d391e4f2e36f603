"""Write a pure-Python wheel from a set of files, with no build tool.

`nnkit release` packs the student's copy of the kit with it: an installed kit (pip, pipx) need
not have setuptools or `build` around. The format is the binary distribution format
(packaging.python.org/specifications/binary-distribution-format/): the files, plus a
NAME-VERSION.dist-info folder holding METADATA, WHEEL, entry_points.txt and RECORD.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

TAG = "py3-none-any"
EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same files make the same wheel


@dataclass(frozen=True)
class Project:
    """The core metadata a wheel declares, from a pyproject [project] table."""

    name: str
    version: str
    summary: str = ""
    requires_python: str = ""
    license: str = ""
    dependencies: tuple[str, ...] = ()
    extras: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scripts: dict[str, str] = field(default_factory=dict)
    description: str = ""  # Markdown

    @classmethod
    def from_table(cls, table: dict, description: str = "") -> Project:
        license_ = table.get("license", "")
        return cls(name=table["name"], version=str(table["version"]),
                   summary=table.get("description", ""),
                   requires_python=table.get("requires-python", ""),
                   license=license_ if isinstance(license_, str) else license_.get("text", ""),
                   dependencies=tuple(table.get("dependencies", ())),
                   extras={extra: tuple(requirements) for extra, requirements
                           in table.get("optional-dependencies", {}).items()},
                   scripts=dict(table.get("scripts", {})), description=description)

    @property
    def distribution(self) -> str:
        """The name as wheel file names spell it."""
        return re.sub(r"[-_.]+", "_", self.name).lower()

    @property
    def filename(self) -> str:
        return f"{self.distribution}-{self.version}-{TAG}.whl"


def for_extra(requirement: str, extra: str) -> str:
    """A Requires-Dist line that applies only with `extra` (keeping the requirement's marker)."""
    spec, _, marker = (part.strip() for part in requirement.partition(";"))
    condition = f'extra == "{extra}"'
    return f"{spec}; ({marker}) and {condition}" if marker else f"{spec}; {condition}"


def metadata(project: Project) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {project.name}", f"Version: {project.version}"]
    if project.summary:
        lines.append(f"Summary: {project.summary}")
    if project.license:
        lines.append(f"License: {project.license}")
    if project.requires_python:
        lines.append(f"Requires-Python: {project.requires_python}")
    lines += [f"Requires-Dist: {requirement}" for requirement in project.dependencies]
    for extra, requirements in project.extras.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f"Requires-Dist: {for_extra(requirement, extra)}" for requirement in requirements]
    if project.description:
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + project.description
    return "\n".join(lines) + "\n"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(folder: str | Path, project: Project, files: dict[str, bytes]) -> Path:
    """Write the wheel of `files` (path inside the wheel -> content) into `folder`."""
    info = f"{project.distribution}-{project.version}.dist-info"
    generated = {f"{info}/METADATA": metadata(project).encode(),
                 f"{info}/WHEEL": (f"Wheel-Version: 1.0\nGenerator: nnkit\nRoot-Is-Purelib: true\n"
                                   f"Tag: {TAG}\n").encode()}
    if project.scripts:
        generated[f"{info}/entry_points.txt"] = ("[console_scripts]\n" + "".join(
            f"{name} = {target}\n" for name, target in project.scripts.items())).encode()
    everything = {**dict(sorted(files.items())), **generated}
    record = [_record_line(path, data) for path, data in everything.items()]
    everything[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = Path(folder) / project.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in everything.items():
            entry = zipfile.ZipInfo(name, EPOCH)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return path
