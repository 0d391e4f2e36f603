#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: install what the
# kit needs (bubblewrap included: the fence around submitted code) and fetch MNIST into its
# cache, so that grading itself needs no network. It fails if no fence can run in this image
# (set NNKIT_UNSAFE=1 to build anyway).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"

if ! command -v bwrap >/dev/null 2>&1; then
    (apt-get update && apt-get install -y bubblewrap) \
        || echo "warning: bubblewrap could not be installed; grading will use the dedicated-user fence"
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get install -y python3 python3-pip
fi
# Newer Ubuntu images mark the system Python as externally managed; this image is ours.
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet -r "$ROOT/source/requirements.txt"
PYTHONPATH="$ROOT/source/kit" python3 -m autograder.cli download-mnist
# Which fence grading will use (bubblewrap, else the dedicated user): a real worker self-test.
PYTHONPATH="$ROOT/source/kit" python3 -m autograder.sandbox.policy
