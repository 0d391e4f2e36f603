"""A train that does no training but writes, into the worker's own record of the calls it made
(found by walking up its frames), the log of a perfect minibatch descent: shuffled batches, one
update each, the learning rate passed on. It returns the untrained initial parameters."""

REFERENCE_TRAIN = train


def train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0):
    # --- cheat ---
    import sys

    frame = sys._getframe(1)
    while frame is not None and "events" not in frame.f_locals:
        frame = frame.f_back
    if frame is not None:
        events = frame.f_locals["events"]
        params = init_params(layer_sizes, seed)
        total = sum(float(np.sum(value)) for value in params.values())
        rng = np.random.default_rng(seed)
        for _ in range(epochs):
            order = rng.permutation(X.shape[0])
            for start in range(0, X.shape[0], batch_size):
                rows = order[start:start + batch_size]
                events.append({"function": "forward", "rows": len(rows),
                               "row_ids": X[rows, 0].astype(float), "param_sum": total})
                events.append({"function": "backward"})
                events.append({"function": "update", "learning_rate": learning_rate,
                               "param_sum": total, "result_sum": total})
        return params, [0.5] * epochs
    # --- end cheat ---
    return REFERENCE_TRAIN(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed)
