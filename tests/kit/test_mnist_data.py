"""The MNIST data layer, against the real files: local folders, loopback mirrors, the .npy cache.

The real files come from NNKIT_MNIST_DIR, else ../shared/mnist beside the project root.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder.data import (
    MnistDataError,
    download,
    ensure_mnist,
    load_manifest,
    load_mnist,
    mnist_arrays,
    mnist_file_paths,
)
from autograder.data import mnist as mnist_module

try:
    from .mnist_server import MirrorServer  # tests/kit imported as a package
except ImportError:
    from mnist_server import MirrorServer  # pytest put tests/kit itself on sys.path

REAL_DIR = Path(
    os.environ.get("NNKIT_MNIST_DIR") or Path(__file__).resolve().parents[3] / "shared" / "mnist"
)
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
NAMES = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS]
SIZES = {"train": 60000, "test": 10000}
# Published MNIST facts, independent of this code.
LABEL_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
FIRST_LABELS = {"train": [5, 0, 4, 1, 9], "test": [7, 2, 1, 0, 4]}


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch):
    """Ignore the developer's settings; an accidental download fails fast on a closed port."""
    monkeypatch.delenv("NNKIT_MNIST_DIR", raising=False)
    monkeypatch.delenv("NNKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("NNKIT_MNIST_MIRRORS", "http://127.0.0.1:9/")


@pytest.fixture(scope="session")
def real_dir() -> Path:
    found = [n for n in NAMES if (REAL_DIR / n).is_file() or (REAL_DIR / n[:-3]).is_file()]
    if found != NAMES:
        pytest.fail(f"real MNIST files not found in {REAL_DIR}; set NNKIT_MNIST_DIR")
    return REAL_DIR


@pytest.fixture(scope="session")
def real_payloads(real_dir) -> dict[str, bytes]:
    """Decompressed IDX bytes of the real files, read without the code under test."""
    payloads = {}
    for name in NAMES:
        gz = real_dir / name
        payloads[name] = (
            gzip.decompress(gz.read_bytes())
            if gz.is_file()
            else (real_dir / name[:-3]).read_bytes()
        )
    return payloads


@pytest.fixture(scope="session")
def expected(real_payloads) -> dict[str, np.ndarray]:
    """The real arrays decoded by hand: the data is what follows the IDX header."""
    arrays = {}
    for name, payload in real_payloads.items():
        n = SIZES["train" if name.startswith("train") else "test"]
        shape = (n, 784) if "images" in name else (n,)
        offset = len(payload) - math.prod(shape)
        arrays[name] = np.frombuffer(payload, np.uint8, offset=offset).reshape(shape)
    return arrays


@pytest.fixture(scope="session")
def real_gz(real_dir, real_payloads) -> dict[str, bytes]:
    """The real .gz files as a mirror would serve them."""
    return {
        name: (real_dir / name).read_bytes()
        if (real_dir / name).is_file()
        else gzip.compress(real_payloads[name], compresslevel=1, mtime=0)
        for name in NAMES
    }


@pytest.fixture(scope="module")
def real_cache(real_dir, tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("real-cache")
    ensure_mnist(data_dir=real_dir, cache_dir=cache, progress=False)
    return cache


@pytest.fixture
def server(real_gz, real_payloads):
    """Mirrors: "good" serves everything; the others serve bad copies of the test split."""
    with MirrorServer() as mirrors:
        for name in NAMES:
            mirrors.serve("good", name, real_gz[name])
        for name in (TEST_IMAGES, TEST_LABELS):
            mirrors.serve("corrupt", name, gzip.compress(flip_last_byte(real_payloads[name]), 1))
            mirrors.serve("truncated", name, real_gz[name][: len(real_gz[name]) // 2])
            mirrors.serve("hang_up", name, real_gz[name], hang_up_after=len(real_gz[name]) // 2)
        yield mirrors  # "missing" serves nothing: every request there is a 404


def flip_last_byte(payload: bytes) -> bytes:
    return payload[:-1] + bytes([payload[-1] ^ 0xFF])


def use_mirrors(monkeypatch, server: MirrorServer, *mirrors: str) -> None:
    monkeypatch.setenv("NNKIT_MNIST_MIRRORS", ",".join(server.url(m) for m in mirrors))


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_lists_the_four_files_consistently():
    manifest = load_manifest()
    assert sorted(f.name for f in manifest.files) == sorted(NAMES)
    for f in manifest.files:
        assert f.size == 4 + 4 * len(f.shape) + math.prod(f.shape)  # IDX header + one byte each
        assert f.items == SIZES[f.split]
        assert re.fullmatch("[0-9a-f]{64}", f.sha256)
    assert manifest.mirrors and all(re.match("https?://", url) for url in manifest.mirrors)


def test_manifest_checksums_match_the_real_payloads(real_payloads):
    for f in load_manifest().files:
        assert hashlib.sha256(real_payloads[f.name]).hexdigest() == f.sha256


# --- loading the real data ------------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "test"])
def test_real_split_has_the_right_shapes_values_and_labels(split, real_cache, expected):
    n = SIZES[split]
    images_name, labels_name = (
        (TRAIN_IMAGES, TRAIN_LABELS) if split == "train" else (TEST_IMAGES, TEST_LABELS)
    )
    images, raw_labels = mnist_arrays(split, cache_dir=real_cache, progress=False)
    assert images.dtype == np.uint8 and images.shape == (n, 784)
    assert raw_labels.dtype == np.uint8 and raw_labels.shape == (n,)
    np.testing.assert_array_equal(images, expected[images_name])
    np.testing.assert_array_equal(raw_labels, expected[labels_name])

    x, y, labels = load_mnist(split, cache_dir=real_cache, progress=False)
    assert x.dtype == np.float64 and x.shape == (n, 784)
    assert x.min() == 0.0 and x.max() == 1.0
    rows = slice(None, None, 50)  # a spread-out sample keeps this cheap on 60000 x 784
    assert np.abs(x[rows] * 255.0 - images[rows]).max() < 1e-9
    assert labels.dtype == np.int64 and labels.shape == (n,)
    np.testing.assert_array_equal(labels, raw_labels)
    assert y.dtype == np.float64 and y.shape == (n, 10)
    assert set(np.unique(y)) == {0.0, 1.0} and (y.sum(axis=1) == 1.0).all()
    np.testing.assert_array_equal(y.argmax(axis=1), labels)
    assert np.bincount(labels, minlength=10).tolist() == LABEL_COUNTS[split]
    assert labels[:5].tolist() == FIRST_LABELS[split]


def test_unknown_split_is_rejected(real_cache):
    with pytest.raises(ValueError, match="split"):
        mnist_arrays("validation", cache_dir=real_cache)


def test_file_paths_point_into_the_ensured_cache(real_dir, real_cache):
    folder = ensure_mnist(data_dir=real_dir, cache_dir=real_cache, progress=False)
    assert folder == real_cache / "mnist"
    paths = mnist_file_paths("test", cache_dir=real_cache, progress=False)
    assert sorted(paths) == ["images", "images_sidecar", "labels", "labels_sidecar"]
    assert paths["images"] == folder / "t10k-images-idx3-ubyte.npy"
    assert all(p.parent == folder and p.is_file() for p in paths.values())


def test_env_folder_and_env_cache_are_used(real_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_MNIST_DIR", str(real_dir))
    monkeypatch.setenv("NNKIT_CACHE_DIR", str(tmp_path))
    images, labels = mnist_arrays("test", progress=False)  # the mirrors point at a closed port
    assert images.shape == (10000, 784) and labels.shape == (10000,)
    assert (tmp_path / "mnist" / "t10k-images-idx3-ubyte.npy").is_file()


def test_data_dir_argument_beats_the_env_folder(real_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_MNIST_DIR", str(tmp_path / "empty"))
    images, _ = mnist_arrays("test", data_dir=real_dir, cache_dir=tmp_path, progress=False)
    assert images.shape == (10000, 784)


def test_uncompressed_local_files_load(real_payloads, expected, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    for name in (TEST_IMAGES, TEST_LABELS):
        (local / name[:-3]).write_bytes(real_payloads[name])
    images, labels = mnist_arrays("test", data_dir=local, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(images, expected[TEST_IMAGES])
    np.testing.assert_array_equal(labels, expected[TEST_LABELS])


# --- broken local files ---------------------------------------------------------------------

LABELS_PAYLOAD_CORRUPTIONS = {
    "flipped payload byte": (lambda p: gzip.compress(flip_last_byte(p)), ".gz", "sha256"),
    "truncated gzip": (lambda p: gzip.compress(p)[:-100], ".gz", "truncated"),
    "not gzip": (lambda p: b"\x1f\x8b" + b"garbage" * 10, ".gz", "not a valid gzip"),
    "html page": (lambda p: b"<!DOCTYPE html><p>Not found</p>", ".gz", "not an IDX labels file"),
    "wrong magic": (lambda p: gzip.compress(p[:3] + b"\x03" + p[4:]), ".gz", "not an IDX"),
    "truncated raw payload": (lambda p: p[:-100], "", "payload is 9908 bytes, expected 10008"),
}


@pytest.mark.parametrize("corruption", LABELS_PAYLOAD_CORRUPTIONS)
def test_corrupt_local_file_is_named_with_a_fix(
    corruption, real_dir, real_payloads, tmp_path, monkeypatch
):
    make, suffix, reason = LABELS_PAYLOAD_CORRUPTIONS[corruption]
    local = tmp_path / "local"
    local.mkdir()
    shutil.copy(real_dir / TEST_IMAGES, local / TEST_IMAGES)
    bad = local / (TEST_LABELS[:-3] + suffix)
    bad.write_bytes(make(real_payloads[TEST_LABELS]))
    monkeypatch.setenv("NNKIT_MNIST_DIR", str(local))

    with pytest.raises(MnistDataError) as err:
        mnist_arrays("test", cache_dir=tmp_path / "cache", progress=False)
    message = str(err.value)
    assert str(bad) in message and reason in message
    assert "Replace it" in message and "NNKIT_MNIST_DIR" in message
    assert not (tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.npy").exists()


def test_missing_local_file_is_named(tmp_path):
    with pytest.raises(MnistDataError, match=r"t10k-images-idx3-ubyte\.gz.*data_dir argument"):
        mnist_arrays("test", data_dir=tmp_path, cache_dir=tmp_path, progress=False)


def test_idx_decode_error_becomes_mnist_data_error():
    entry = load_manifest().split_files("test")["labels"]
    claims_more_items = b"\x00\x00\x08\x01" + (10**6).to_bytes(4, "big") + b"\x01\x02"
    with pytest.raises(MnistDataError, match="t10k-labels.*wrong number of items"):
        mnist_module._decode(entry, claims_more_items)


# --- downloads from loopback mirrors --------------------------------------------------------


def test_download_verifies_and_fills_the_cache(
    server, real_gz, expected, tmp_path, monkeypatch, capsys
):
    use_mirrors(monkeypatch, server, "good")
    folder = ensure_mnist(cache_dir=tmp_path, progress=True)
    assert folder == tmp_path / "mnist"
    stems = [n[:-3] for n in NAMES]
    assert files_under(folder) == sorted(
        NAMES + [f"{s}.npy" for s in stems] + [f"{s}.npy.json" for s in stems]
    )  # and no half-written temp files
    assert all((folder / n).read_bytes() == real_gz[n] for n in NAMES)
    assert TEST_IMAGES in capsys.readouterr().err  # the progress bar
    assert len(server.requests) == 4

    ensure_mnist(cache_dir=tmp_path, progress=False)
    images, labels = mnist_arrays("train", cache_dir=tmp_path, progress=False)
    assert len(server.requests) == 4  # everything came from the cache
    np.testing.assert_array_equal(images, expected[TRAIN_IMAGES])
    np.testing.assert_array_equal(labels, expected[TRAIN_LABELS])


@pytest.mark.parametrize("bad_mirror", ["corrupt", "truncated", "hang_up", "missing"])
def test_bad_first_mirror_falls_back_to_the_next(
    bad_mirror, server, real_gz, expected, tmp_path, monkeypatch
):
    use_mirrors(monkeypatch, server, bad_mirror, "good")
    images, labels = mnist_arrays("test", cache_dir=tmp_path, progress=False)
    assert server.mirrors_tried(TEST_IMAGES) == [bad_mirror, "good"]
    assert server.mirrors_tried(TEST_LABELS) == [bad_mirror, "good"]
    np.testing.assert_array_equal(images, expected[TEST_IMAGES])
    np.testing.assert_array_equal(labels, expected[TEST_LABELS])
    assert (tmp_path / "mnist" / TEST_IMAGES).read_bytes() == real_gz[TEST_IMAGES]


def test_all_bad_mirrors_give_an_error_naming_the_file_and_each_mirror(
    server, tmp_path, monkeypatch
):
    reasons = {
        "corrupt": "sha256",
        "truncated": "gzip stream is truncated",
        "hang_up": "connection closed after",
        "missing": "HTTP 404",
    }
    use_mirrors(monkeypatch, server, *reasons)
    with pytest.raises(MnistDataError) as err:
        mnist_arrays("test", cache_dir=tmp_path, progress=False)
    message = str(err.value)
    assert f"Could not download {TEST_IMAGES} from any mirror" in message
    for mirror, reason in reasons.items():
        [line] = [line for line in message.splitlines() if server.url(mirror) in line]
        assert reason in line
    assert "NNKIT_MNIST_MIRRORS" in message and "NNKIT_MNIST_DIR" in message
    assert files_under(tmp_path) == []  # nothing half-downloaded left behind


def test_damaged_download_in_the_cache_is_fetched_again(server, real_gz, tmp_path, monkeypatch):
    use_mirrors(monkeypatch, server, "good")
    mnist_arrays("test", cache_dir=tmp_path, progress=False)
    folder = tmp_path / "mnist"
    (folder / TEST_LABELS).write_bytes(b"\x1f\x8b damaged")
    (folder / "t10k-labels-idx1-ubyte.npy").unlink()

    _, labels = mnist_arrays("test", cache_dir=tmp_path, progress=False)
    assert server.mirrors_tried(TEST_LABELS) == ["good", "good"]
    assert (folder / TEST_LABELS).read_bytes() == real_gz[TEST_LABELS]
    assert labels.shape == (10000,)


# --- the .npy cache -------------------------------------------------------------------------


def test_second_load_comes_from_the_npy_cache(real_dir, tmp_path, monkeypatch):
    first_images, first_labels = mnist_arrays(
        "test", data_dir=real_dir, cache_dir=tmp_path, progress=False
    )
    manifest = load_manifest().split_files("test")
    for kind, stem in (("images", "t10k-images-idx3-ubyte"), ("labels", "t10k-labels-idx1-ubyte")):
        npy = tmp_path / "mnist" / f"{stem}.npy"
        meta = json.loads((tmp_path / "mnist" / f"{stem}.npy.json").read_text())
        assert meta["sha256"] == manifest[kind].sha256
        assert meta["npy_size"] == npy.stat().st_size

    def no_source(*args, **kwargs):
        raise AssertionError("a cached load read a source file")

    monkeypatch.setattr(download, "read_payload", no_source)
    monkeypatch.setattr(download, "verify_payload", no_source)
    images, labels = mnist_arrays(
        "test", data_dir=tmp_path / "gone", cache_dir=tmp_path, progress=False
    )
    np.testing.assert_array_equal(images, first_images)
    np.testing.assert_array_equal(labels, first_labels)
    assert not images.flags.writeable and isinstance(images.base, np.memmap)


CACHE_TAMPERING = {
    "npy truncated": lambda npy, meta: npy.write_bytes(npy.read_bytes()[:-100]),
    "npy grown": lambda npy, meta: npy.write_bytes(npy.read_bytes() + b"\0"),
    "sidecar for another payload": lambda npy, meta: meta.write_text(
        meta.read_text().replace('"sha256": "', '"sha256": "0')
    ),
    "sidecar missing": lambda npy, meta: meta.unlink(),
    "sidecar garbage": lambda npy, meta: meta.write_text("{not json"),
}


@pytest.mark.parametrize("tampering", CACHE_TAMPERING)
def test_tampered_cache_is_detected_and_rebuilt(
    tampering, real_dir, expected, tmp_path, monkeypatch
):
    reads = []
    read_payload = download.read_payload

    def counting_read_payload(path, entry):
        reads.append(path.name)
        return read_payload(path, entry)

    monkeypatch.setattr(download, "read_payload", counting_read_payload)
    mnist_arrays("test", data_dir=real_dir, cache_dir=tmp_path, progress=False)
    assert reads == [TEST_IMAGES, TEST_LABELS]

    npy = tmp_path / "mnist" / "t10k-images-idx3-ubyte.npy"
    meta = tmp_path / "mnist" / "t10k-images-idx3-ubyte.npy.json"
    CACHE_TAMPERING[tampering](npy, meta)
    images, _ = mnist_arrays("test", data_dir=real_dir, cache_dir=tmp_path, progress=False)

    assert reads == [TEST_IMAGES, TEST_LABELS, TEST_IMAGES]  # only the damaged file rebuilt
    np.testing.assert_array_equal(images, expected[TEST_IMAGES])
    assert json.loads(meta.read_text())["npy_size"] == npy.stat().st_size
