"""Grading runs a submission's top-level helpers and skips its experiments, and says which
statements it skipped and why (autograder/sandbox/worker_side/plan.py, `plan_blocks`)."""

from __future__ import annotations

import ast
import io

from autograder.checks.terminal import Printer
from autograder.sandbox.loader import parse_block, plan_blocks
from tests.kit.conftest import apply_edits, failing_checks


def plan(source: str, needed: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """(first lines of the statements that run, reasons of those skipped), for checks that
    call `needed`."""
    plans, skipped = plan_blocks([("cell", parse_block(source, "cell"))], needed)
    return [ast.unparse(node).splitlines()[0] for node in plans[0].body], \
        [f"line {s.line}: {s.reason}" for s in skipped]


HELPERS = '''import functools
from collections import namedtuple
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

sigmoid_vec = np.vectorize(sigmoid)
ACTIVATIONS = {"sigmoid": sigmoid, "identity": lambda z: z}
Result = namedtuple("Result", "A cache")
scaled = functools.partial(sigmoid)
relu = lambda z: np.maximum(z, 0)
eps = 1e-7
shape = (3, 4)
'''


def test_helpers_run_whatever_their_case():
    ran, skipped = plan(HELPERS)
    assert skipped == []
    assert len(ran) == 11


def test_calls_of_own_functions_and_of_what_is_made_from_them_are_skipped():
    ran, skipped = plan(HELPERS + '''print(sigmoid_vec(np.zeros(2)))
value = ACTIVATIONS["sigmoid"](0.0)
table = {z: sigmoid(z) for z in range(3)}
for z in range(3):
    print(sigmoid(z))
if __name__ == "__main__":
    sigmoid(1.0)
later = value + 1
''')
    assert skipped == [
        "line 15: it calls sigmoid_vec, which uses your functions",
        "line 16: it calls ACTIVATIONS, which uses your functions",
        "line 17: it calls your sigmoid",
        "line 18: it calls your sigmoid",
        "line 20: it calls your sigmoid",
        "line 22: it uses value, which only a skipped statement sets",
    ]
    assert len(ran) == 11


def test_kit_and_plotting_helpers_are_experiments_but_their_constants_are_data():
    ran, skipped = plan('''import matplotlib.pyplot as plt
from autograder.student import plots
from autograder.student.workshop import TABLE_X
from autograder.data import load_mnist
X, Y, labels = load_mnist("test")
plots.neuron_fit(TABLE_X, TABLE_X, 1.0, 0.0)
plt.plot([1, 2])
CENTRE = TABLE_X.mean()
''')
    assert skipped == ["line 5: it calls load_mnist, from autograder.data",
                       "line 6: it calls plots, from autograder.student",
                       "line 7: it calls plt, from matplotlib.pyplot"]
    assert ran[-1] == "CENTRE = TABLE_X.mean()"


def test_an_object_of_an_own_class_is_made_but_its_methods_are_not_called():
    ran, skipped = plan('''class Network:
    def __init__(self, sizes):
        self.sizes = sizes
    def train(self, data):
        pass

net = Network([784, 30, 10])
net.train(None)
trained = net
''')
    assert ran[-2:] == ["net = Network([784, 30, 10])", "trained = net"]
    assert skipped == ["line 8: it calls net, which uses your functions"]


def test_a_lookup_table_can_grow_but_what_it_holds_is_not_called():
    ran, skipped = plan(HELPERS + '''ACTIVATIONS.update(relu=relu)
FUNCS = []
FUNCS.append(sigmoid)
FUNCS[0](1.0)
ACTIVATIONS.get("relu")(1.0)
display(ACTIVATIONS)
''')
    assert ran[-3:] == ["ACTIVATIONS.update(relu=relu)", "FUNCS = []", "FUNCS.append(sigmoid)"]
    assert skipped == ["line 18: it calls FUNCS, which uses your functions",
                       "line 19: it calls ACTIVATIONS, which uses your functions",
                       "line 20: it calls display, from IPython"]


def test_a_name_set_again_by_a_statement_that_runs_is_available_again():
    _, skipped = plan('''def f():
    return 1

x = f()
x = 2
y = x
''')
    assert skipped == ["line 4: it calls your f"]


FACTORIES = '''import numpy as np
from autograder.data import load_mnist

def make_activation(kind):
    def activation(z):
        return np.tanh(z) if kind == "tanh" else 1 / (1 + np.exp(-z))
    return activation

sigmoid = make_activation("sigmoid")
steepness = {"slope": make_activation("tanh")}

def backward(dz, z):
    global calls
    calls += 1
    prime = prime_of(z)
    return dz * prime * steepness["slope"](0.0) + offset

prime_of = compose(make_activation("sigmoid"), np.negative)
offset = make_activation("tanh")(0.0)
shown = make_activation("tanh")
X, Y, labels = load_mnist("train")
fitted = fit(X)
calls = make_activation("tanh")(0.0)
'''


def test_what_grading_needs_is_made_from_own_functions_and_the_rest_is_not():
    # A statement that calls the student's own code runs only to make a name the checks call
    # (sigmoid) or one their functions read (steepness, prime_of, offset, a `global` too):
    # it is timed like any helper. The rest stays an experiment.
    source = FACTORIES.replace("prime_of = compose(", "def compose(f, g):\n"
                               "    return lambda z: f(g(z))\n\nprime_of = compose(")
    ran, skipped = plan(source, needed=("sigmoid", "backward", "fitted"))
    assert ran[3:] == ["sigmoid = make_activation('sigmoid')",
                       "steepness = {'slope': make_activation('tanh')}", "def backward(dz, z):",
                       "def compose(f, g):",
                       "prime_of = compose(make_activation('sigmoid'), np.negative)",
                       "offset = make_activation('tanh')(0.0)",
                       "calls = make_activation('tanh')(0.0)"]
    assert skipped == ["line 23: it calls your make_activation",
                       "line 24: it calls load_mnist, from autograder.data",
                       "line 25: it uses X, which only a skipped statement sets"]
    # Without the checks' names, what only they call is an experiment too.
    assert "line 9: it calls your make_activation" in plan(source)[1]


def test_a_name_only_an_experiments_own_lambda_reads_is_not_needed():
    # The notebook's gradient demo: its lambda reads check_params, but the demo is not run at
    # grading, so the statement that makes check_params stays an experiment too.
    _, skipped = plan('''from autograder.checks.numerical import numerical_gradient

def init_params(sizes):
    return {"W1": sizes}

def cost(params):
    return 0.0

check_params = init_params([4, 5, 3])
numerical = numerical_gradient(lambda: cost(check_params), check_params["W1"])
''', needed=("init_params", "cost"))
    assert skipped == ["line 9: it calls your init_params",
                       "line 10: it calls numerical_gradient, from autograder.checks.numerical"]


def test_a_network_made_by_factories_is_graded_as_written(grade_text, solution_text):
    # The class of `sigmoid_vec = np.vectorize(sigmoid)`: functions made at top level by the
    # student's own functions (a factory, a composition), used by the checks and by backward.
    text = apply_edits(solution_text, [
        ("def sigmoid(z):", "def make_sigmoid(steep=1.0):\n    def sigmoid(z):"),
        ('    """1 / (1 + exp(-z)) for a scalar or an array of any shape, without overflow '
         'warnings."""\n    z = np.asarray(z, dtype=float)\n',
         "        z = steep * np.asarray(z, dtype=float)\n"),
        ("    return 0.5 + 0.5 * np.tanh(0.5 * z)\n",
         "        return 0.5 + 0.5 * np.tanh(0.5 * z)\n    return sigmoid\n\n\n"
         "sigmoid = make_sigmoid()\n"),
        ("            delta = (delta @ params[f\"W{layer}\"].T) * a_prev * (1.0 - a_prev)",
         "            delta = (delta @ params[f\"W{layer}\"].T) * from_activation(a_prev)"),
        ("def update(params, grads, learning_rate):",
         "def times_complement(f):\n    return lambda a: f(a) * (1.0 - a)\n\n\n"
         "from_activation = times_complement(np.asarray)\n\n\n"
         "def update(params, grads, learning_rate):"),
    ])
    assert "sigmoid = make_sigmoid()" in text and "from_activation = times_complement" in text
    report = grade_text(text)
    assert failing_checks(report) == {}
    assert report.problems == [] and not [s for s in report.skipped if "make_sigmoid" in s]


def test_helpers_at_top_level_are_there_at_grading(grade_text, solution_text):
    text = apply_edits(solution_text, [
        ("def neuron(x, w, b):", "offset = 0.0\nSCALE = {'w': 1.0}\n\n\ndef neuron(x, w, b):"),
        ("    return b + w * np.asarray(x, dtype=float)",
         "    return offset + b + SCALE['w'] * w * np.asarray(x, dtype=float)"),
        ("def sigmoid_prime(z):", "sigmoid_vec = np.vectorize(sigmoid)\n\n\n"
                                  "def sigmoid_prime(z):"),
        ("    s = sigmoid(z)\n    return s * (1.0 - s)\n",
         "    s = sigmoid_vec(z) if np.ndim(z) else sigmoid(z)\n    return s * (1.0 - s)\n"),
    ])
    report = grade_text(text, stages=(1, 2))
    assert failing_checks(report) == {}
    assert report.problems == []


def test_the_report_lists_every_skipped_statement_by_cell_and_line(tmp_path, solution_text):
    import jupytext

    from autograder.assignment import notebook
    from autograder.checks.grade import GradeOptions, grade

    path = tmp_path / "neural_network.ipynb"
    jupytext.write(notebook(solution_text), path, fmt="ipynb")
    report = grade(path, GradeOptions(stages=(1,)))
    assert report.stages[0].passed and report.problems == []
    assert ("neural_network.ipynb [code cell 5], line 1: `w_fit, b_fit, fit_costs = "
            "gradient_descent(TABLE_X, TABLE_Y, learning_rate=0....` (it calls your "
            "gradient_descent)"
            ) in report.skipped
    assert any("load_mnist" in line and "[code cell" in line for line in report.skipped)
    assert all("\n" not in line for line in report.skipped)
    # The kit's own demo cells are never listed to the student, not even with --verbose.
    for verbose in (False, True):
        stream = io.StringIO()
        Printer(stream, verbose=verbose).summary(report)
        assert "Not run at grading" not in stream.getvalue()
        assert "w_fit" not in stream.getvalue()


def test_a_top_level_while_loop_is_not_run():
    _, skipped = plan("import time\nwhile True:\n    time.sleep(0.1)\n")
    assert skipped == ["line 2: a top-level while loop may never end"]


def test_a_top_level_statement_that_does_not_end_is_stopped_and_grading_goes_on(grade_text,
                                                                               solution_text):
    text = solution_text.replace("def neuron(x, w, b):", "import itertools\n\nfor _ in "
                                 "itertools.count():\n    pass\n\n\ndef neuron(x, w, b):", 1)
    line = text.splitlines().index("for _ in itertools.count():") + 2  # its body, "pass"
    report = grade_text(text, stages=(1,))
    assert report.stages[0].passed
    assert len(report.problems) == 1
    assert report.problems[0].startswith(
        "running your top-level code raised TimeoutError: this top-level statement did not "
        f"finish within 5 s, so grading stopped it at submission.py, line {line}")


def test_top_level_code_that_ends_the_worker_costs_only_itself(grade_text, solution_text):
    # os._exit ends the process at once (no exception to catch): grading loads the submission
    # again with only its definitions and UPPER_CASE constants, and says so.
    text = solution_text.replace("def neuron(x, w, b):",
                                 "import os\n\nos._exit(1)\n\n\ndef neuron(x, w, b):", 1)
    report = grade_text(text, stages=(1, 2))
    assert failing_checks(report) == {}
    assert report.problems == ["running your top-level code stopped: it exited with code 1 (did "
                               "your code call exit() or sys.exit()?); grading ran only your "
                               "imports, functions, classes and UPPER_CASE constants"]


def test_nbgrader_autograde_runs_the_same_cells_as_the_grader():
    # nbgrader's kernel leaves experiment cells out during autograde by the same plan: a cell
    # that makes a function the checks call is not one of them.
    import nbformat

    from autograder.grader.course.preprocessors import experiment_cells

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "import numpy as np\n\ndef make_sigmoid():\n    return lambda z: 1 / (1 + np.exp(-z))",
        "sigmoid = make_sigmoid()", "shown = make_sigmoid()", "sigmoid(3.0)")])
    assert experiment_cells(notebook) == frozenset({2, 3})
