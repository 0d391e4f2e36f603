"""Graded with --substitute-reference after a backward that fails: searches its own process for
the reference solution (code objects compiled from it, their names and constants) and reports
what it found in predict's error message, which the report quotes."""


def predict(params, X):
    # --- cheat ---
    import gc
    import inspect

    found = [obj for obj in gc.get_objects()
             if inspect.isfunction(obj) and obj.__code__.co_filename == "reference solution"]
    raise ValueError(f"reference functions in this process: {len(found)}")
    # --- end cheat ---
    return np.argmax(forward(params, X)[0], axis=1)
