"""backward by central differences of the cost, not by backpropagation: exact enough for the
small networks of the gradient checks, but far too slow for a realistic one (784-100-10)."""

REFERENCE_BACKWARD = backward


def backward(params, cache, Y):
    # --- cheat ---
    X, epsilon, grads = cache[0], 1e-5, {}
    for key, array in params.items():
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + epsilon
            plus = cross_entropy(forward(params, X)[0], Y)
            array[index] = saved - epsilon
            minus = cross_entropy(forward(params, X)[0], Y)
            array[index] = saved
            gradient[index] = (plus - minus) / (2 * epsilon)
        grads[key] = gradient
    return grads
    # --- end cheat ---
    return REFERENCE_BACKWARD(params, cache, Y)
