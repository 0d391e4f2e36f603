"""Measure how far realistic correct variants land from the grader's expected values, on the
checks' own inputs: the numbers behind autograder/checks/tolerances.py. Run from the repository
root: python benchmarks/tolerances.py (a second or two).

Each line is the largest relative error |got - expected| / |expected| of one variant over the
inputs of one check (for backward: gradcheck's norm-based relative error)."""

from __future__ import annotations

import numpy as np

from autograder.checks.gradcheck import relative_error
from autograder.checks.stages.stage3_forward import FORWARD_CASES
from autograder.grader import arithmetic
from autograder.student.workshop import TABLE_X, TABLE_Y

F32 = np.float32


def worst(got, expected) -> float:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    return float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)))


def cross_entropy_inputs():
    rng = np.random.default_rng(4)  # as stage 4's cross_entropy_values draws them
    for m, k in ((6, 3), (1, 4), (10, 10)):
        A = rng.uniform(0.05, 0.95, (m, k))
        yield A, arithmetic.one_hot(rng.integers(0, k, m), k)


def cross_entropy_variants() -> dict[str, float]:
    def log_plus(eps):
        return lambda A, Y: -np.sum(Y * np.log(A + eps) + (1 - Y) * np.log(1 - A + eps)) / len(A)

    def clipped(eps):
        def cost(A, Y):
            A = np.clip(A, eps, 1 - eps)
            return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / len(A)
        return cost

    variants = {f"log(a + {eps:g})": log_plus(eps) for eps in (1e-7, 1e-8, 1e-9, 1e-12)}
    variants.update({f"clip(a, {eps:g}, 1 - {eps:g})": clipped(eps) for eps in (1e-7, 1e-12)})
    variants["float32"] = lambda A, Y: float(
        -np.sum(Y.astype(F32) * np.log(A.astype(F32))
                + (1 - Y.astype(F32)) * np.log(1 - A.astype(F32))) / len(A))
    return {name: max(worst(cost(A, Y), arithmetic.cross_entropy(A, Y))
                      for A, Y in cross_entropy_inputs()) for name, cost in variants.items()}


def float32_forward() -> float:
    errors = []
    for seed, (layer_sizes, m) in enumerate(FORWARD_CASES):
        params = arithmetic.random_network(layer_sizes, seed)
        X = np.random.default_rng(seed).normal(size=(m, layer_sizes[0]))
        a = X.astype(F32)
        for layer in range(1, len(layer_sizes)):
            z = a @ params[f"W{layer}"].astype(F32) + params[f"b{layer}"].astype(F32)
            a = (F32(0.5) + F32(0.5) * np.tanh(F32(0.5) * z)).astype(F32)
        errors.append(worst(a, arithmetic.output(params, X)))
    return max(errors)


def float32_backward() -> float:
    errors = []
    for layer_sizes, m, seed in (([5, 4, 3], 7, 2), ([3, 2], 5, 10), ([4, 4, 4], 6, 11),
                                 ([6, 5, 4, 3], 1, 12), ([3, 3, 3, 3, 3], 4, 13)):
        params = arithmetic.random_network(layer_sizes, seed)
        X, Y = arithmetic.random_batch(m, layer_sizes[0], layer_sizes[-1], seed)
        acts = [a.astype(F32) for a in arithmetic.activations(params, X)]
        delta = (acts[-1] - Y.astype(F32)) / F32(m)
        for layer in range(len(layer_sizes) - 1, 0, -1):
            numerical = arithmetic.numerical_gradient(
                lambda p=params, x=X, y=Y: arithmetic.network_cost(p, x, y), params[f"W{layer}"])
            errors.append(relative_error(acts[layer - 1].T @ delta, numerical))
            a_prev = acts[layer - 1]
            delta = (delta @ params[f"W{layer}"].astype(F32).T) * a_prev * (1 - a_prev)
    return max(errors)


def float32_stage1() -> dict[str, float]:
    x, y = TABLE_X.astype(F32), TABLE_Y.astype(F32)
    errors = {"neuron_cost": 0.0, "neuron_gradient": 0.0, "gradient_descent (3 steps)": 0.0}
    for w, b in ((0.0, 0.0), (-0.5, 1.0), (1.3, -2.2), (0.5, -0.2)):
        r64 = b + w * TABLE_X - TABLE_Y
        r32 = F32(b) + F32(w) * x - y
        errors["neuron_cost"] = max(errors["neuron_cost"],
                                    worst(np.sum(r32**2), np.sum(r64**2)))
        errors["neuron_gradient"] = max(errors["neuron_gradient"], worst(
            [2 * np.sum(r32 * x), 2 * np.sum(r32)], [2 * np.sum(r64 * TABLE_X), 2 * np.sum(r64)]))
    w64, b64, w32, b32 = 0.5, -0.2, F32(0.5), F32(-0.2)
    for _ in range(3):
        r64, r32 = b64 + w64 * TABLE_X - TABLE_Y, b32 + w32 * x - y
        w64, b64 = w64 - 0.01 * 2 * np.sum(r64 * TABLE_X), b64 - 0.01 * 2 * np.sum(r64)
        w32, b32 = w32 - F32(0.01) * 2 * np.sum(r32 * x), b32 - F32(0.01) * 2 * np.sum(r32)
    errors["gradient_descent (3 steps)"] = worst([w32, b32], [w64, b64])
    return errors


def main() -> None:
    print("cross_entropy on stage 4's inputs (a in [0.05, 0.95]):")
    for name, error in cross_entropy_variants().items():
        print(f"  {name:28s} {error:.1e}")
    print("float32 throughout:")
    for name, error in float32_stage1().items():
        print(f"  {name:28s} {error:.1e}")
    z = np.linspace(-6.0, 6.0, 24)
    sigmoid32 = F32(0.5) + F32(0.5) * np.tanh(F32(0.5) * z.astype(F32))
    print(f"  {'sigmoid':28s} {worst(sigmoid32, arithmetic.logistic(z)):.1e}")
    print(f"  {'forward':28s} {float32_forward():.1e}")
    print(f"  {'backward (gradcheck error)':28s} {float32_backward():.1e}")


if __name__ == "__main__":
    main()
