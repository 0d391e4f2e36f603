"""PyTorch side of benchmarks/training.py, run in its own process. Prints one JSON line."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import mnist_environment  # noqa: E402


def main() -> None:
    sizes, epochs, batch, rate = json.loads(sys.argv[1])
    mnist_environment()
    from autograder.data import load_mnist

    X, Y, _ = load_mnist("train")
    X_test, _, test_labels = load_mnist("test")
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X, Y, X_test = (torch.from_numpy(np.ascontiguousarray(a)) for a in (X, Y, X_test))
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.SGD(model.parameters(), lr=rate, momentum=0.0)
    loss_function = torch.nn.BCELoss(reduction="sum")  # the kit's cost: summed, then / m
    ends, accuracies, spent, faults = [], [], 0.0, 0
    m = X.shape[0]
    for _ in range(epochs):
        before, started = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.perf_counter()
        order = torch.randperm(m)
        for start in range(0, m, batch):
            rows = order[start:start + batch]
            optimiser.zero_grad()
            loss = loss_function(model(X[rows]), Y[rows]) / len(rows)
            loss.backward()
            optimiser.step()
        spent += time.perf_counter() - started
        faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        ends.append(spent)
        with torch.no_grad():
            predictions = model(X_test).argmax(1).numpy()
        accuracies.append(float(np.mean(predictions == test_labels)))
    print(json.dumps({"epoch_seconds": np.diff([0.0, *ends]).tolist(),
                      "faults_per_epoch": faults / epochs, "accuracy": accuracies,
                      "version": torch.__version__}))


if __name__ == "__main__":
    main()
