"""The correct-variant catalogue: right answers written differently from the reference. Every
one must pass every stage it is graded on; a failure here is a false fail of the kit."""

from tests.kit.catalogue.entries import Variant
from tests.kit.catalogue.mistakes import (
    BACKWARD_LOOP,
    CROSS_ENTROPY,
    HYPERPARAMS,
    INIT_WEIGHTS,
    OUTPUT_DELTA,
    SIGMOID_PRIME,
    STABLE_SIGMOID,
    UPDATE,
)

NEURON_COST = "    residual = neuron(x, w, b) - y\n    return float(np.sum(residual**2))\n"
NEURON_GRADIENT = ("    residual = neuron(x, w, b) - y\n"
                   "    return float(2 * np.sum(residual * x)), float(2 * np.sum(residual))\n")
FORWARD = """    activations = [np.asarray(X, dtype=float)]
    for layer in range(1, len(params) // 2 + 1):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(sigmoid(z))
    return activations[-1], activations
"""
BACKWARD_HEAD = "    activations = cache\n    n_layers = len(activations) - 1\n"
TRAIN = """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    m = X.shape[0]
    history = []
    for _ in range(epochs):
        order = rng.permutation(m)
        outputs = np.empty(Y.shape)  # row i: sample i's output, from the minibatch it was in
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            A, cache = forward(params, X[batch])
            outputs[batch] = A
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
        # The same number as averaging the minibatches' costs, in one call per epoch instead of
        # one per minibatch, and without a second pass over the data.
        history.append(cross_entropy(outputs, Y))
    return params, history
"""

VARIANTS: list[Variant] = [
    Variant("loops-instead-of-vectorisation", (
        (NEURON_COST, """    total = 0.0
    for xi, yi in zip(x, y):
        total += (b + w * xi - yi) ** 2
    return total
"""),
        (NEURON_GRADIENT, """    dw = db = 0.0
    for xi, yi in zip(x, y):
        error = b + w * xi - yi
        dw += 2 * error * xi
        db += 2 * error
    return dw, db
"""),
        (BACKWARD_LOOP, """    grads = {key: np.zeros_like(value) for key, value in params.items()}
    for i in range(m):  # one sample at a time, summing each sample's share
        delta = (activations[-1][i] - Y[i]) / m
        for layer in range(n_layers, 0, -1):
            a_prev = activations[layer - 1][i]
            grads[f"W{layer}"] += np.outer(a_prev, delta)
            grads[f"b{layer}"] += delta
            delta = (params[f"W{layer}"] @ delta) * a_prev * (1.0 - a_prev)
    return grads
"""),
        (CROSS_ENTROPY, """    total = 0.0
    for a_row, y_row in zip(A, Y):
        for a, y in zip(a_row, y_row):
            total -= y * np.log(a) + (1 - y) * np.log(1 - a)
    return total / len(A)
"""),
    )),
    Variant("exponent-trick-sigmoid", (
        (STABLE_SIGMOID, "    z = np.asarray(z, dtype=float)\n"
                         "    e = np.exp(-np.abs(z))  # the exponent is never positive\n"
                         "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"),
    )),
    Variant("clipped-exponent-sigmoid", (
        (STABLE_SIGMOID, "    z = np.clip(np.asarray(z, dtype=float), -500.0, 500.0)\n"
                         "    return 1.0 / (1.0 + np.exp(-z))\n"),
        (SIGMOID_PRIME, "    return np.exp(-np.logaddexp(0.0, z) - np.logaddexp(0.0, -z))\n"),
    )),
    Variant("dict-cache", (
        (FORWARD, """    cache = {"A0": np.asarray(X, dtype=float)}
    layers = len(params) // 2
    for layer in range(1, layers + 1):
        z = cache[f"A{layer - 1}"] @ params[f"W{layer}"] + params[f"b{layer}"]
        cache[f"A{layer}"] = sigmoid(z)
    return cache[f"A{layers}"], cache
"""),
        (BACKWARD_HEAD, "    activations = [cache[f'A{i}'] for i in range(len(cache))]\n"
                        "    n_layers = len(activations) - 1\n"),
    )),
    Variant("cache-of-z-and-a-pairs", (
        (FORWARD, """    a = np.asarray(X, dtype=float)
    cache = [(None, a)]
    for layer in range(1, len(params) // 2 + 1):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        a = sigmoid(z)
        cache.append((z, a))
    return a, cache
"""),
        (BACKWARD_HEAD + "    m = Y.shape[0]\n    grads = {}\n" + OUTPUT_DELTA + BACKWARD_LOOP,
         """    m = Y.shape[0]
    grads = {}
    delta = (cache[-1][1] - Y) / m
    for layer in range(len(cache) - 1, 0, -1):
        z_prev, a_prev = cache[layer - 1]
        grads[f"b{layer}"] = delta.sum(axis=0)
        grads[f"W{layer}"] = a_prev.T @ delta
        if layer > 1:
            delta = (delta @ params[f"W{layer}"].T) * sigmoid_prime(z_prev)
    return grads
"""),
    )),
    Variant("biases-first-key-order", (
        ("""    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params
""", """    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    weights = {f"W{k}": rng.normal(0.0, 1.0 / np.sqrt(i), size=(i, o))
               for k, (i, o) in enumerate(pairs, start=1)}
    biases = {f"b{k}": np.zeros(o) for k, (_, o) in reversed(list(enumerate(pairs, start=1)))}
    return {**biases, **weights}
"""),
        (UPDATE, "    return {key: params[key] - learning_rate * grads[key] "
                 "for key in sorted(grads)}\n"),
    )),
    Variant("uniform-init-with-the-right-std", (
        (INIT_WEIGHTS,
         "rng.uniform(-np.sqrt(3.0 / n_in), np.sqrt(3.0 / n_in), size=(n_in, n_out))"),
    )),
    Variant("xavier-glorot-init", (
        (INIT_WEIGHTS, "rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))"),
    )),
    Variant("einsum-everywhere", (
        ('        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]\n',
         '        z = np.einsum("mi,io->mo", activations[-1], params[f"W{layer}"]) '
         '+ params[f"b{layer}"]\n'),
        ('        grads[f"W{layer}"] = activations[layer - 1].T @ delta\n',
         '        grads[f"W{layer}"] = np.einsum("mi,mo->io", activations[layer - 1], delta)\n'),
        ('            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)\n',
         '            delta = np.einsum("mo,io->mi", delta, params[f"W{layer}"]) '
         '* a_prev * (1.0 - a_prev)\n'),
        (CROSS_ENTROPY, '    return float(-(np.einsum("mk,mk->", Y, np.log(A)) '
                        '+ np.einsum("mk,mk->", 1 - Y, np.log(1 - A))) / m)\n'),
    )),
    Variant("stable-log1p-cross-entropy", (
        (CROSS_ENTROPY,
         "    return float(-(Y * np.log(A) + (1 - Y) * np.log1p(-A)).sum(axis=1).mean())\n"),
    )),
    Variant("running-minibatch-cost-history", (
        (TRAIN, """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    m = X.shape[0]
    history = []
    for _ in range(epochs):
        order = rng.permutation(m)
        epoch_cost = 0.0
        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
            A, cache = forward(params, X[batch])
            epoch_cost += cross_entropy(A, Y[batch]) * len(batch)
            params = update(params, backward(params, cache, Y[batch]), learning_rate)
        history.append(epoch_cost / m)
    return params, history
"""),
    )),
    Variant("while-loop-training-with-in-place-shuffle", (
        (TRAIN, """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, seed)
    indices = np.arange(X.shape[0])
    history = []
    for _epoch in range(epochs):
        rng.shuffle(indices)
        start = 0
        while start < len(indices):
            rows = indices[start:start + batch_size]
            A, cache = forward(params, X[rows])
            grads = backward(params, cache, Y[rows])
            params = update(params, grads, learning_rate=learning_rate)
            start += batch_size
        A, _ = forward(params, X)
        history.append(cross_entropy(A, Y))
    return params, np.array(history)
"""),
        (UPDATE, """    new = {key: value.copy() for key, value in params.items()}
    for key in new:
        new[key] -= learning_rate * grads[key]  # in place, but on the copies only
    return new
"""),
        ("    return np.argmax(forward(params, X)[0], axis=1)",
         "    A, _ = forward(params, X)\n    return A.argmax(axis=-1)"),
    )),
    # The one variant trained on MNIST (about 10 s): a deeper network with different settings.
    Variant("deeper-network-on-mnist", (
        (HYPERPARAMS, """HYPERPARAMS = {
    "layer_sizes": [784, 64, 32, 10],
    "epochs": 3,
    "batch_size": 16,
    "learning_rate": 1.0,
}
"""),
    ), stages=(1, 2, 3, 4, 5, 6)),
]
