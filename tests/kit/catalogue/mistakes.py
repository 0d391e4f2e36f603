"""The mistake catalogue: common wrong solutions, the stage that must catch each one first, and
the words the student must read there. Each edit's `old` text occurs exactly once in the
reference solution (generated from assignments/neural_network/neural_network.py)."""

from tests.kit.catalogue.entries import Mistake

# Reference lines that several entries edit.
NEURON_GRADIENT = "    return float(2 * np.sum(residual * x)), float(2 * np.sum(residual))\n"
DESCENT_STEP = "        w, b = w - learning_rate * dw, b - learning_rate * db\n"
STABLE_SIGMOID = """    z = np.asarray(z, dtype=float)
    # The same function through tanh, which never overflows: four cheap NumPy operations where
    # the e^z trick needs about nine, and training calls the sigmoid thousands of times an epoch.
    return 0.5 + 0.5 * np.tanh(0.5 * z)
"""
SIGMOID_PRIME = "    s = sigmoid(z)\n    return s * (1.0 - s)\n"
INIT_WEIGHTS = "rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))"
LAYER_SUM = 'z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]'
BIAS_GRADIENT = 'grads[f"b{layer}"] = delta.sum(axis=0)'
CROSS_ENTROPY = ("    return float(-(np.vdot(Y, np.log(A)) + np.vdot(1 - Y, np.log1p(-A))) "
                 "/ m)\n")
OUTPUT_DELTA = "    delta = (activations[-1] - Y) / m\n"
PROPAGATE = '            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)\n'
BACKWARD_LOOP = """    for layer in range(n_layers, 0, -1):
        grads[f"W{layer}"] = activations[layer - 1].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            a_prev = activations[layer - 1]
            delta = (delta @ params[f"W{layer}"].T) * a_prev * (1.0 - a_prev)
    return grads
"""
UPDATE = """    new_params = {}
    for key, value in params.items():
        step = grads[key] * -learning_rate  # a new array; adding in place spares a temporary
        step += value
        new_params[key] = step
    return new_params
"""
TRAIN_STEP = ("            params = update(params, backward(params, cache, Y[batch]), "
              "learning_rate)\n")
BATCHES = """        for start in range(0, m, batch_size):
            batch = order[start : start + batch_size]
"""
HYPERPARAMS = """HYPERPARAMS = {
    "layer_sizes": [784, 100, 10],
    "epochs": 4,
    "batch_size": 24,
    "learning_rate": 0.5,
}
"""

# -- issue 18: mistakes caught at their stage, each with a message naming the cause -------------
SIGMOID_IN_PLACE = """    z = np.asarray(z, dtype=float)
    z *= 0.5  # halve in place: saves a temporary array
    return 0.5 + 0.5 * np.tanh(z)
"""
SCIPY_SIGMOID = "    from scipy.special import expit\n\n    return expit(z)\n"
SIGMOID_NP_WHERE = """    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
"""
SWEEP_HYPERPARAMS = """# Pick the learning rate by a short sweep on 1,000 digits.
trial_costs = {rate: train(X_test[:1000], Y_test[:1000], [784, 30, 10], 2, 24, rate)[1][-1]
               for rate in (0.1, 0.5, 1.0)}
best_rate = min(trial_costs, key=trial_costs.get)
HYPERPARAMS = {
    "layer_sizes": [784, 100, 10],
    "epochs": 4,
    "batch_size": 24,
    "learning_rate": best_rate,
}
"""

MISTAKES: list[Mistake] = [
    # -- stage 1: one neuron ----------------------------------------------------------------------
    Mistake("neuron-swaps-w-and-b", 1, "neuron_values", "you swapped w and b",
            (("    return b + w * np.asarray(x, dtype=float)",
              "    return w + b * np.asarray(x, dtype=float)"),)),
    Mistake("cost-averaged-not-summed", 1, "cost_values", "MEAN of the squared errors",
            (("    return float(np.sum(residual**2))", "    return float(np.mean(residual**2))"),)),
    Mistake("cost-halved", 1, "cost_values", "don't multiply by 1/2",
            (("    return float(np.sum(residual**2))",
              "    return float(0.5 * np.sum(residual**2))"),)),
    Mistake("neuron-gradient-missing-factor-2", 1, "gradient_values",
            "the factor 2 from differentiating the square is missing",
            ((NEURON_GRADIENT,
              "    return float(np.sum(residual * x)), float(np.sum(residual))\n"),)),
    Mistake("neuron-gradient-sign-error", 1, "gradient_values",
            "the sign is flipped: it is (a - y), not (y - a)",
            ((NEURON_GRADIENT, "    residual = -residual\n" + NEURON_GRADIENT),)),
    Mistake("neuron-gradient-averaged", 1, "gradient_values",
            "you averaged over the samples; the cost is a sum",
            ((NEURON_GRADIENT,
              "    return float(2 * np.mean(residual * x)), float(2 * np.mean(residual))\n"),)),
    Mistake("neuron-gradient-wrong-order", 1, "gradient_values",
            "You returned them in the wrong order",
            ((NEURON_GRADIENT,
              "    return float(2 * np.sum(residual)), float(2 * np.sum(residual * x))\n"),)),
    Mistake("descent-steps-uphill", 1, "descent_converges", "your steps go uphill",
            ((DESCENT_STEP, "        w, b = w + learning_rate * dw, b + learning_rate * db\n"),)),
    Mistake("descent-gradient-computed-once", 1, "descent_converges",
            "recompute the gradient at the current (w, b) inside the loop",
            (("    for _ in range(steps):\n        dw, db = neuron_gradient(w, b, x, y)\n",
              "    dw, db = neuron_gradient(w, b, x, y)\n    for _ in range(steps):\n"),)),
    Mistake("descent-records-cost-before-step", 1, "descent_records_costs",
            "costs[0] is the cost BEFORE the first step",
            (("        costs.append(neuron_cost(w, b, x, y))\n", ""),
             (DESCENT_STEP, "        costs.append(neuron_cost(w, b, x, y))\n" + DESCENT_STEP))),
    Mistake("descent-ignores-starting-point", 1, "descent_records_costs",
            "start from the w and b it is given",
            (("    costs = []\n", "    costs = []\n    w, b = 0.0, 0.0\n"),)),
    # -- stage 2: sigmoid -------------------------------------------------------------------------
    Mistake("sigmoid-sign-error", 2, "sigmoid_values", "Your values are sigmoid(-z)",
            ((STABLE_SIGMOID, "    return 1.0 / (1.0 + np.exp(z))\n"),)),
    Mistake("sigmoid-overflow-warnings", 2, "sigmoid_is_stable",
            "np.exp(-z) overflows for large negative z",
            ((STABLE_SIGMOID, "    return 1.0 / (1.0 + np.exp(-z))\n"),)),
    Mistake("sigmoid-math-exp-on-arrays", 2, "sigmoid_values",
            "A function from the math module got an array",
            (("import numpy as np\n", "import math\n\nimport numpy as np\n"),
             (STABLE_SIGMOID, "    return 1.0 / (1.0 + math.exp(-z))\n"))),
    Mistake("sigmoid-prime-of-z-not-sigmoid", 2, "derivative_values", "You computed z(1-z)",
            ((SIGMOID_PRIME, "    return z * (1.0 - z)\n"),)),
    Mistake("sigmoid-prime-applies-sigmoid-twice", 2, "derivative_values",
            "You applied the sigmoid twice",
            ((SIGMOID_PRIME, "    s = sigmoid(sigmoid(z))\n    return s * (1.0 - s)\n"),)),
    Mistake("sigmoid-prime-returns-sigmoid", 2, "derivative_values",
            "You returned sigmoid(z) itself",
            ((SIGMOID_PRIME, "    return sigmoid(z)\n"),)),
    Mistake("sigmoid-prime-sign-error", 2, "derivative_values", "not s(s - 1)",
            ((SIGMOID_PRIME, "    s = sigmoid(z)\n    return s * (s - 1.0)\n"),)),
    # -- stage 3: initialisation and the forward pass ----------------------------------------------
    Mistake("init-weights-transposed", 3, "init_shapes", "It looks transposed",
            ((INIT_WEIGHTS, "rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))"),)),
    Mistake("init-all-zero-weights", 3, "init_statistics", "is all the same value",
            ((INIT_WEIGHTS, "np.zeros((n_in, n_out))"),)),
    Mistake("init-unscaled-weights", 3, "init_statistics", "unscaled standard normal weights",
            ((INIT_WEIGHTS, "rng.normal(0.0, 1.0, size=(n_in, n_out))"),)),
    Mistake("init-scaled-by-n-not-sqrt-n", 3, "init_statistics",
            "you divided by n_in instead of sqrt(n_in)",
            ((INIT_WEIGHTS, "rng.normal(0.0, 1.0 / n_in, size=(n_in, n_out))"),)),
    Mistake("init-weights-not-zero-mean", 3, "init_statistics", "it should be zero-mean",
            ((INIT_WEIGHTS, "rng.uniform(0.0, 2.0 / np.sqrt(n_in), size=(n_in, n_out))"),)),
    Mistake("init-random-biases", 3, "init_statistics", "should start at zero",
            (("np.zeros(n_out)", "rng.normal(0.0, 1.0, n_out)"),)),
    Mistake("init-unseeded", 3, "init_seeding", "gave different weights",
            (("    rng = np.random.default_rng(seed)\n    params = {}\n",
              "    rng = np.random.default_rng()\n    params = {}\n"),)),
    Mistake("init-ignores-its-seed", 3, "init_seeding", "it ignores its seed",
            (("    rng = np.random.default_rng(seed)\n    params = {}\n",
              "    rng = np.random.default_rng(0)\n    params = {}\n"),)),
    Mistake("forward-without-biases", 3, "forward_values", "network without biases",
            ((LAYER_SUM, 'z = activations[-1] @ params[f"W{layer}"]'),)),
    Mistake("forward-without-output-sigmoid", 3, "forward_values", "before the sigmoid",
            (("        activations.append(sigmoid(z))\n",
              "        activations.append(sigmoid(z) if layer < len(params) // 2 else z)\n"),)),
    Mistake("forward-reuses-first-layer-weights", 3, "forward_values",
            "every layer uses the weights W1",
            ((LAYER_SUM, 'z = activations[-1] @ params["W1"] + params[f"b{layer}"]'),)),
    Mistake("forward-multiplies-by-transposed-weights", 3, "forward_values",
            "shapes that don't fit: in a @ W the columns of a",
            ((LAYER_SUM, 'z = activations[-1] @ params[f"W{layer}"].T + params[f"b{layer}"]'),)),
    Mistake("forward-modifies-its-input", 3, "forward_is_pure", "forward changed its input X",
            (("    activations = [np.asarray(X, dtype=float)]\n",
              "    X /= np.abs(X).max()  # scale the inputs to [-1, 1]\n"
              "    activations = [np.asarray(X, dtype=float)]\n"),)),
    Mistake("forward-modifies-params", 3, "forward_is_pure", "forward changed params['b1']",
            (("    for layer in range(1, len(params) // 2 + 1):\n",
              "    for layer in range(1, len(params) // 2 + 1):\n"
              '        params[f"b{layer}"] = params[f"b{layer}"].reshape(1, -1)\n'),)),
    Mistake("forward-returns-no-cache", 3, "forward_values", "should return a pair (A, cache)",
            (("    return activations[-1], activations\n", "    return activations[-1]\n"),)),
    # -- stage 4: cross entropy and backpropagation ----------------------------------------------
    Mistake("cross-entropy-summed-not-averaged", 4, "cross_entropy_values",
            "average over the samples (divide by m)",
            ((CROSS_ENTROPY,
              "    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))\n"),)),
    Mistake("cross-entropy-missing-second-term", 4, "cross_entropy_values",
            "The (1 - y) log(1 - a) term is missing",
            ((CROSS_ENTROPY, "    return float(-np.sum(Y * np.log(A)) / m)\n"),)),
    Mistake("cross-entropy-sign-error", 4, "cross_entropy_values", "the cost has a minus in front",
            ((CROSS_ENTROPY,
              "    return float(np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)\n"),)),
    Mistake("cross-entropy-mean-over-every-entry", 4, "cross_entropy_values",
            "You averaged over every entry",
            ((CROSS_ENTROPY,
              "    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))\n"),)),
    Mistake("backward-missing-1-over-m", 4, "backward_one_hidden_layer",
            "it is 7 times too big (m = 7 samples)",
            ((OUTPUT_DELTA, "    delta = activations[-1] - Y\n"),)),
    Mistake("backward-divides-by-m-twice", 4, "backward_one_hidden_layer",
            "you divided by m twice",
            (('        grads[f"W{layer}"] = activations[layer - 1].T @ delta\n'
              '        grads[f"b{layer}"] = delta.sum(axis=0)\n',
              '        grads[f"W{layer}"] = activations[layer - 1].T @ delta / m\n'
              '        grads[f"b{layer}"] = delta.sum(axis=0) / m\n'),)),
    Mistake("backward-wrong-sign", 4, "backward_one_hidden_layer",
            "delta_L = (a - y) / m, not (y - a) / m",
            ((OUTPUT_DELTA, "    delta = (Y - activations[-1]) / m\n"),)),
    Mistake("backward-missing-sigma-prime", 4, "backward_one_hidden_layer",
            "backpropagation without the sigma' factor",
            ((PROPAGATE, '            delta = delta @ params[f"W{layer}"].T\n'),)),
    Mistake("backward-sigma-prime-of-activations", 4, "backward_one_hidden_layer",
            "sigmoid_prime applied to the activations",
            ((PROPAGATE,
              '            delta = (delta @ params[f"W{layer}"].T) * sigmoid_prime(a_prev)\n'),)),
    Mistake("backward-quadratic-cost-delta", 4, "backward_one_hidden_layer",
            "those of the quadratic cost",
            ((OUTPUT_DELTA,
              "    A = activations[-1]\n    delta = (A - Y) * A * (1.0 - A) / m\n"),)),
    Mistake("backward-bias-gradient-wrong-axis", 4, "backward_shapes",
            "It has one value per sample (m = 7)",
            ((BIAS_GRADIENT, 'grads[f"b{layer}"] = delta.sum(axis=1)'),)),
    Mistake("backward-bias-gradient-averaged", 4, "backward_one_hidden_layer",
            "only the bias gradients (b1, b2) are wrong",
            ((BIAS_GRADIENT, 'grads[f"b{layer}"] = delta.mean(axis=0)'),)),
    Mistake("backward-forgets-bias-gradients", 4, "backward_shapes", "has no 'b1'",
            (('        grads[f"b{layer}"] = delta.sum(axis=0)\n', ""),)),
    Mistake("backward-through-wrong-layer-weights", 4, "backward_any_depth",
            "through the weights of the layer below",
            ((PROPAGATE,
              '            delta = (delta @ params[f"W{layer - 1}"].T) '
              '* a_prev * (1.0 - a_prev)\n'),)),
    Mistake("backward-weights-not-transposed", 4, "backward_any_depth",
            "through W_l instead of its transpose",
            ((PROPAGATE,
              '            delta = (delta @ params[f"W{layer}"]) * a_prev * (1.0 - a_prev)\n'),)),
    Mistake("backward-only-one-hidden-layer", 4, "backward_any_depth",
            "works for one hidden layer (layer_sizes=[5, 4, 3]) but not for 0 hidden layers",
            ((BACKWARD_LOOP, """    X, hidden, output = activations
    delta2 = (output - Y) / m
    delta1 = (delta2 @ params["W2"].T) * hidden * (1.0 - hidden)
    return {"W1": X.T @ delta1, "b1": delta1.sum(axis=0),
            "W2": hidden.T @ delta2, "b2": delta2.sum(axis=0)}
"""),)),
    Mistake("backward-gradient-transposed-square-layers", 4, "backward_any_depth",
            "the gradient is transposed (right values, rows and columns swapped)",
            (('        grads[f"W{layer}"] = activations[layer - 1].T @ delta\n',
              '        grads[f"W{layer}"] = delta.T @ activations[layer - 1]\n'
              '        if grads[f"W{layer}"].shape != params[f"W{layer}"].shape:\n'
              '            grads[f"W{layer}"] = grads[f"W{layer}"].T\n'),)),
    # -- stage 5: update, predict, train ---------------------------------------------------------
    Mistake("update-adds-the-gradient", 5, "update_values", "You added the gradient",
            ((UPDATE,
              "    return {key: value + learning_rate * grads[key] "
              "for key, value in params.items()}\n"),)),
    Mistake("update-ignores-learning-rate", 5, "update_values", "the learning_rate is not used",
            ((UPDATE, "    return {key: value - grads[key] for key, value in params.items()}\n"),)),
    Mistake("update-mutates-its-inputs", 5, "update_is_pure",
            "update changed its argument params['W1'] in place",
            ((UPDATE, "    for key in params:\n"
                      "        params[key] -= learning_rate * grads[key]\n"
                      "    return params\n"),)),
    Mistake("predict-wrong-axis", 5, "predict_labels", "one value per output, not per sample",
            (("    return np.argmax(forward(params, X)[0], axis=1)",
              "    return np.argmax(forward(params, X)[0], axis=0)"),)),
    Mistake("predict-returns-probabilities", 5, "predict_labels",
            "predict returned the output activations",
            (("    return np.argmax(forward(params, X)[0], axis=1)",
              "    return forward(params, X)[0]"),)),
    Mistake("train-ignores-learning-rate", 5, "train_behaviour",
            "passed learning_rate=0.1 to update",
            ((TRAIN_STEP,
              "            params = update(params, backward(params, cache, Y[batch]), 0.1)\n"),)),
    Mistake("train-ignores-batch-size", 5, "train_behaviour", "did you ignore batch_size",
            ((BATCHES, "        for start in [0]:\n            batch = order\n"),)),
    Mistake("train-reuses-first-minibatch", 5, "train_behaviour",
            "Every minibatch of epoch 1 held the same rows",
            (("            batch = order[start : start + batch_size]\n",
              "            batch = order[:batch_size]\n"),)),
    Mistake("train-drops-last-partial-minibatch", 5, "train_behaviour",
            "The last, smaller minibatch was dropped",
            (("        for start in range(0, m, batch_size):\n",
              "        for start in range(0, m - batch_size + 1, batch_size):\n"),)),
    Mistake("train-never-shuffles", 5, "train_behaviour", "the data is never shuffled",
            (("        order = rng.permutation(m)\n", "        order = np.arange(m)\n"),)),
    Mistake("train-shuffles-only-once", 5, "train_behaviour", "not reshuffled each epoch",
            (("        order = rng.permutation(m)\n", ""),
             ("    history = []\n", "    history = []\n    order = rng.permutation(m)\n"))),
    Mistake("train-reinitialises-every-epoch", 5, "train_behaviour",
            "called init_params 3 times",
            (("    params = init_params(layer_sizes, seed)\n", ""),
             ("    for _ in range(epochs):\n",
              "    for _ in range(epochs):\n        params = init_params(layer_sizes, seed)\n"))),
    Mistake("train-discards-updated-params", 5, "train_behaviour",
            "the parameters returned by update were not used by the next forward call",
            ((TRAIN_STEP, "            update(params, backward(params, cache, Y[batch]), "
                          "learning_rate)\n"),)),
    Mistake("train-ignores-seed", 5, "train_behaviour",
            "the first forward call did not use init_params(layer_sizes, seed)",
            (("    params = init_params(layer_sizes, seed)\n",
              "    params = init_params(layer_sizes)\n"),)),
    Mistake("train-history-per-minibatch", 5, "train_behaviour", "That is one per minibatch",
            (("        history.append(cross_entropy(outputs, Y))\n", ""),
             (TRAIN_STEP,
              TRAIN_STEP + "            history.append(cross_entropy(A, Y[batch]))\n"))),
    Mistake("train-history-includes-initial-cost", 5, "train_behaviour",
            "It includes the cost before training",
            (("    history = []\n",
              "    history = [cross_entropy(forward(params, X)[0], Y)]\n"),)),
    # -- stage 6: MNIST ---------------------------------------------------------------------------
    Mistake("mnist-wrong-output-layer", 6, "hyperparameters_valid",
            "The last entry is the output layer: 10 digits",
            (('    "layer_sizes": [784, 100, 10],', '    "layer_sizes": [784, 100, 1],'),)),
    # Weak on purpose and cheap: one full-batch step of a network without a hidden layer trains
    # in about two seconds and reaches about 30%.
    Mistake("mnist-hyperparameters-too-weak", 6, "mnist_accuracy", "is below the 95% needed",
            ((HYPERPARAMS, """HYPERPARAMS = {
    "layer_sizes": [784, 10],
    "epochs": 1,
    "batch_size": 60000,
    "learning_rate": 0.5,
}
"""),)),
    # -- issue 18: the mistakes a first-year student met, and ten more that students make ------
    Mistake("descent-updates-w-before-b-gradient", 1, "descent_records_costs",
            "you computed b's gradient with the NEW w",
            ((DESCENT_STEP, "        w = w - learning_rate * dw\n"
                            "        dw, db = neuron_gradient(w, b, x, y)\n"
                            "        b = b - learning_rate * db\n"),)),
    Mistake("cost-squares-the-sum", 1, "cost_values", "you squared the sum",
            (("    return float(np.sum(residual**2))",
              "    return float(np.sum(residual) ** 2)"),)),
    Mistake("neuron-gradient-forgets-x", 1, "gradient_values", "dC/dw is missing the factor x",
            ((NEURON_GRADIENT,
              "    return float(2 * np.sum(residual)), float(2 * np.sum(residual))\n"),)),
    Mistake("descent-one-step-too-few", 1, "descent_records_costs", "one step too few",
            (("    for _ in range(steps):\n", "    for _ in range(steps - 1):\n"),)),
    Mistake("sigmoid-writes-into-its-input", 2, "sigmoid_keeps_input",
            "sigmoid changed its input z in place",
            ((STABLE_SIGMOID, SIGMOID_IN_PLACE),)),
    Mistake("sigmoid-np-where-computes-both-branches", 2, "sigmoid_is_stable",
            "np.where(condition, a, b) computes BOTH a and b",
            ((STABLE_SIGMOID, SIGMOID_NP_WHERE),)),
    Mistake("sigmoid-prime-mixes-s-and-z", 2, "derivative_values", "You computed s(1 - z)",
            ((SIGMOID_PRIME, "    s = sigmoid(z)\n    return s * (1.0 - z)\n"),)),
    Mistake("sigmoid-prime-from-the-raw-formula", 2, "derivative_values",
            "Build it on your stable sigmoid",
            ((SIGMOID_PRIME, "    return np.exp(-z) / (1.0 + np.exp(-z)) ** 2\n"),)),
    Mistake("init-keys-count-from-zero", 3, "init_shapes", "count the layers from 1",
            (("enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1)",
              "enumerate(zip(layer_sizes[:-1], layer_sizes[1:]))"),)),
    Mistake("init-biases-two-dimensional", 3, "init_shapes",
            "a bias is a 1-D vector: np.zeros(n_out)",
            (("np.zeros(n_out)", "np.zeros((1, n_out))"),)),
    Mistake("forward-loop-skips-last-layer", 3, "forward_values",
            "your loop stops one layer early",
            (("    for layer in range(1, len(params) // 2 + 1):\n",
              "    for layer in range(1, len(params) // 2):\n"),)),
    Mistake("cross-entropy-log10", 4, "cross_entropy_values", "natural logarithm",
            ((CROSS_ENTROPY, "    return float(-np.sum(Y * np.log10(A) + (1 - Y) * np.log10(1 - A))"
                             " / m)\n"),)),
    Mistake("backward-changes-the-cache-in-place", 4, "backward_keeps_cache",
            "backward changed the cache",
            ((OUTPUT_DELTA, "    delta = activations[-1]  # no copy needed\n"
                            "    delta -= Y\n    delta /= m\n"),)),
    Mistake("backward-np-matrix-star", 4, "backward_shapes",
            "with np.matrix, * is the matrix product",
            ((PROPAGATE, '            delta = np.matrix(delta) * np.matrix(params[f"W{layer}"]).T'
                         ' * a_prev * (1.0 - a_prev)\n'),)),
    Mistake("backward-m-from-the-outputs", 4, "backward_one_hidden_layer",
            "m = len(Y[0]) counts the outputs",
            (("    m = Y.shape[0]\n", "    m = len(Y[0])\n"),)),
    Mistake("backward-loop-skips-first-layer", 4, "backward_shapes",
            "Your loop stops before layer 1",
            (("    for layer in range(n_layers, 0, -1):\n",
              "    for layer in range(n_layers, 1, -1):\n"),)),
    Mistake("update-forgets-the-biases", 5, "update_values", "missing b1, b2",
            ((UPDATE, "    return {key: value - learning_rate * grads[key]\n"
                      "            for key, value in params.items()"
                      " if key.startswith(\"W\")}\n"),)),
    Mistake("predict-argmax-without-axis", 5, "predict_labels", "np.argmax without axis",
            (("    return np.argmax(forward(params, X)[0], axis=1)",
              "    return np.argmax(forward(params, X)[0])"),)),
    Mistake("train-shuffles-callers-data-in-place", 5, "train_keeps_inputs",
            "train shuffled the caller's X and Y in place",
            (("        order = rng.permutation(m)\n",
              "        order = rng.permutation(m)\n"
              "        X[:], Y[:] = X[order], Y[order]  # shuffle the data itself\n"
              "        order = np.arange(m)\n"),)),
    Mistake("train-unseeded-permutation", 5, "train_behaviour",
            "the same seed gave a different training",
            (("        order = rng.permutation(m)\n",
              "        order = np.random.permutation(m)\n"),)),
    Mistake("train-one-epoch-too-few", 5, "train_behaviour", "one epoch too few",
            (("    for _ in range(epochs):\n", "    for _ in range(epochs - 1):\n"),)),
    Mistake("mnist-hyperparams-from-a-lowercase-variable", 6, "hyperparameters_valid",
            "HYPERPARAMS was not defined when grading",
            ((HYPERPARAMS, SWEEP_HYPERPARAMS),)),
    Mistake("mnist-layer-sizes-without-the-input", 6, "hyperparameters_valid",
            "The first entry is the input layer",
            (('    "layer_sizes": [784, 100, 10],', '    "layer_sizes": [100, 10],'),)),
    Mistake("mnist-learning-rate-as-text", 6, "hyperparameters_valid", "That is text (in quotes)",
            (('"learning_rate": 0.5', '"learning_rate": "0.5"'),)),
    # -- issue 23: a library does the work only where the course allows it ---------------------
    Mistake("scipy-expit-without-permission", 2, "sigmoid_values",
            "scipy is not available at grading (your code imports scipy.special): the course "
            "allows NumPy and the standard library",
            ((STABLE_SIGMOID, SCIPY_SIGMOID),)),
]
