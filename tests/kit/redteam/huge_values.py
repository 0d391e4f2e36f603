"""Values made to blow up the report and the grader: a 3 MB string where numbers are expected
(quoted in the failure message), an exception whose message is 50 MB, and a 400 MB array where
a number is expected (a reply larger than the checks need)."""

REFERENCE = {"neuron": neuron, "neuron_cost": neuron_cost,
             "neuron_gradient": neuron_gradient}


def neuron(x, w, b):
    # --- cheat ---
    return "x" * 3_000_000
    # --- end cheat ---
    return REFERENCE["neuron"](x, w, b)


def neuron_cost(w, b, x, y):
    # --- cheat ---
    raise ValueError("y" * 50_000_000)
    # --- end cheat ---
    return REFERENCE["neuron_cost"](w, b, x, y)


def neuron_gradient(w, b, x, y):
    # --- cheat ---
    return np.zeros(50_000_000), 0.0
    # --- end cheat ---
    return REFERENCE["neuron_gradient"](w, b, x, y)
