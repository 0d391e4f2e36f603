"""The MNIST manifest: which files make up MNIST, how to verify them, where to download them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from autograder.errors import KitEnvironmentError
from autograder.resources import kit_file

# source_data/ sits at the project root in a checkout; an installed kit carries it as data.
MANIFEST_PATH = kit_file("source_data/mnist.json")
SPLITS = ("train", "test")
KINDS = ("images", "labels")


class MnistDataError(KitEnvironmentError):
    """MNIST data is missing, corrupt or unreachable; the message names the file and the fix."""


@dataclass(frozen=True)
class MnistFile:
    """One of the four MNIST files. `sha256` and `size` describe the decompressed IDX payload."""

    name: str  # canonical file name, e.g. "train-images-idx3-ubyte.gz"
    split: str
    kind: str
    shape: tuple[int, ...]
    sha256: str
    size: int

    @property
    def items(self) -> int:
        return self.shape[0]

    @property
    def stem(self) -> str:
        """The canonical name without ".gz", as used for uncompressed copies."""
        return self.name.removesuffix(".gz")


@dataclass(frozen=True)
class Manifest:
    files: tuple[MnistFile, ...]
    mirrors: tuple[str, ...]

    def split_files(self, split: str) -> dict[str, MnistFile]:
        """The files of one split, keyed by kind ("images", "labels")."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
        return {f.kind: f for f in self.files if f.split == split}


@cache
def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    """Read and sanity-check the manifest (cached: it never changes while the kit runs)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        files = tuple(_parse_file(entry) for entry in doc["files"])
        mirrors = tuple(str(url) for url in doc["mirrors"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MnistDataError(
            f"The kit's MNIST manifest {path} is missing or malformed ({exc!r}); "
            "restore source_data/mnist.json from the kit (or reinstall nnkit)."
        ) from exc
    found = sorted((f.split, f.kind) for f in files)
    if found != sorted((s, k) for s in SPLITS for k in KINDS):
        raise MnistDataError(
            f"The kit's MNIST manifest {path} must list images and labels for both splits, "
            f"found {found}; restore source_data/mnist.json from the kit."
        )
    return Manifest(files=files, mirrors=mirrors)


def _parse_file(entry: dict) -> MnistFile:
    shape = tuple(int(n) for n in entry["shape"])
    if int(entry["items"]) != shape[0]:
        raise ValueError(f"{entry['file']}: items {entry['items']} != shape[0] {shape[0]}")
    return MnistFile(
        name=str(entry["file"]),
        split=str(entry["split"]),
        kind=str(entry["kind"]),
        shape=shape,
        sha256=str(entry["sha256"]).lower(),
        size=int(entry["size"]),
    )
