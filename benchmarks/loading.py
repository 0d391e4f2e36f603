"""MNIST loading speed: from the compressed .gz files (first use, builds the cache) and from the
kit's cache (uncompressed, memory-mapped .npy files verified against the manifest when written).

    python benchmarks/loading.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median, mnist_environment, table, timed, write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    mnist_environment()
    from autograder.data import load_mnist, mnist_arrays

    def both_raw() -> None:
        mnist_arrays("train", progress=False)
        mnist_arrays("test", progress=False)

    def both_scaled() -> None:
        load_mnist("train", progress=False)
        load_mnist("test", progress=False)

    compressed, cached, scaled = [], [], []
    for _ in range(args.repeats):
        cache = tempfile.mkdtemp(prefix="nnkit-bench-cache-")
        os.environ["NNKIT_CACHE_DIR"] = cache
        compressed.append(timed(both_raw))  # empty cache: decompress, verify, write .npy
        cached.append(timed(both_raw))  # memory-mapped from the cache
        scaled.append(timed(both_scaled))  # plus conversion to float64 in [0, 1] and one-hot
        shutil.rmtree(cache)
    rows = [["from the .gz files (first use: decompress, sha256, parse, write cache)",
             f"{median(compressed):.3f}"],
            ["from the kit's cache (uint8, memory-mapped)", f"{median(cached):.4f}"],
            ["from the cache, as float64 in [0, 1] with one-hot labels", f"{median(scaled):.3f}"]]
    body = (f"All four files (train and test, images and labels); medians of {args.repeats}.\n\n"
            + table(["how", "median s"], rows)
            + f"\n\nCache vs compressed: {median(compressed) / median(cached):.0f}x faster.")
    write_results("loading", "MNIST loading speed", body)


if __name__ == "__main__":
    main()
