"""Looks for the MNIST test labels on disk, to train on the test set; fails fast when it cannot
find them (as under the grader's fence it must)."""

import glob
import os

import autograder


def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    # --- cheat ---
    kit = os.path.dirname(os.path.dirname(autograder.__file__))
    places = [os.environ.get("NNKIT_MNIST_DIR", ""), os.environ.get("NNKIT_CACHE_DIR", ""),
              os.path.expanduser("~/.cache/nnkit"), "/root/.cache/nnkit",
              os.path.join(kit, "..", "shared", "mnist"), "/work/shared/mnist", "/tmp"]
    found = [path for place in places if place
             for path in glob.glob(os.path.join(place, "**", "t10k-labels*"), recursive=True)]
    if not found:
        raise FileNotFoundError(f"no MNIST test set in {len(places)} places")
    raise RuntimeError(f"found the MNIST test set at {found[0]}: would train on it")
    # --- end cheat ---
    raise NotImplementedError("train is not written yet")
