"""Chapter 7: the update rule, the 20-epoch loop (the loss falls at every step, as an
independent float64 run says), linreg.train, and the errors it prints for bad input."""

import numpy as np
import pytest

from conftest import assert_prints_the_page, run_snippet
from linreg import init_params, inputs, targets


@pytest.fixture(scope="module")
def gd_run():
    return run_snippet("gradient_descent")


def numpy_descent(epochs, lr=1e-5):
    """Full-batch gradient descent from the seeded start in NumPy float64: the losses after
    0, 1, ..., epochs updates, and the predictions after `epochs` updates."""
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    x, y = inputs.astype(np.float64), targets.astype(np.float64)
    losses = []
    for _ in range(epochs + 1):
        preds = x @ w.T + b
        error = preds - y
        losses.append(np.mean(error**2))
        w, b = w - lr * 2 / error.size * error.T @ x, b - lr * 2 / error.size * error.sum(axis=0)
    return losses, preds


def test_in_place_update_without_no_grad_is_refused(gd_run):
    ns, out = gd_run
    assert ("RuntimeError: a leaf Variable that requires grad is being used in an in-place "
            "operation.") in out
    assert "w - lr * w.grad is a leaf: False | made by: SubBackward0" in out


def test_one_step_lowers_the_loss_as_float64_says(gd_run):
    ns, _ = gd_run
    expected = numpy_descent(1)[0]
    assert ns["loss_before"] == pytest.approx(expected[0], rel=1e-6)
    assert ns["loss_after"] == pytest.approx(expected[1], rel=1e-5)
    assert ns["loss_after"] < ns["loss_before"]
    assert ns["w"].is_leaf


def test_loss_falls_at_every_one_of_20_steps(gd_run):
    ns, out = gd_run
    run = ns["losses"] + [ns["final_loss"]]
    assert len(run) == 21
    assert all(later < earlier for earlier, later in zip(run, run[1:]))
    assert run == pytest.approx(numpy_descent(20)[0], rel=1e-5)
    table = [r for r in map(str.split, out.splitlines()) if len(r) == 4 and r[0].isdigit()]
    assert [int(r[0]) for r in table] == [int(r[1]) for r in table] == list(range(20))
    assert [float(r[2]) for r in table] == pytest.approx(ns["losses"], abs=0.006)


def test_final_predictions_are_those_of_the_final_weights(gd_run):
    ns, _ = gd_run
    losses, preds = numpy_descent(20)
    final = ns["final_preds"].cpu().double().numpy()
    assert final == pytest.approx(preds, abs=2e-3)
    assert np.mean((final - targets) ** 2) == pytest.approx(losses[20], rel=1e-5)


def test_pictures_are_drawn_from_the_run(gd_run):
    """The loss curve's dashed line is the loss of predicting each column's mean; the hollow
    dots are the seeded start's predictions, the filled ones those after 20 updates."""
    ns, _ = gd_run
    assert ns["averages"] == pytest.approx(targets.astype(np.float64).var(axis=0).mean(),
                                           rel=1e-6)
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    start = ns["start_preds"].cpu().double().numpy()
    assert start == pytest.approx(inputs @ w.T + b, abs=1e-3)
    # after 20 updates the model is still worse than the averages, as the page says
    assert ns["final_loss"] > ns["averages"]
    assert ns["losses"][1] / ns["losses"][0] < 0.75 and ns["final_loss"] / ns["losses"][-1] > 0.98


def test_train_is_the_same_loop(gd_run):
    ns, out = gd_run
    assert ns["packaged"] == ns["losses"]
    assert "the same numbers as our loop: True" in out


@pytest.mark.parametrize("case, error, words", [
    ("4 rows of inputs", "ValueError", ["x has 4 rows but y has 5"]),
    ("weights for 2 features", "ValueError", ["w has shape (2, 2)", "3 features"]),
    ("inputs in float64", "TypeError",
     ["mixed dtypes", "x is torch.float64", "y is torch.float32"]),
    ("a missing humidity", "ValueError", ["x contains 1 NaN", "rows [1]"]),
    ("learning rate 1e-3", "FloatingPointError", ["the loss became inf", "lr=0.001 is too large"]),
])
def test_each_bad_input_prints_a_clear_error(gd_run, case, error, words):
    _, out = gd_run
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(case)) + 1
    end = next(i for i in range(start, len(lines) + 1)
               if i == len(lines) or not lines[i].startswith("  "))
    message = " ".join(line.strip() for line in lines[start:end])  # undo the wrapping
    assert message.startswith(f"{error}: ")
    for word in words:
        assert word in message


def test_exercises():
    ns, out = run_snippet("gradient_descent_exercises")
    averages = targets.astype(np.float64).var(axis=0).mean()  # predict each column's mean
    assert ns["averages"] == pytest.approx(averages, rel=1e-6)
    long_run = numpy_descent(1000)[0]
    assert ns["falls"] and "falls at every update: True" in out
    assert ns["first_better"] == next(k for k, loss in enumerate(long_run) if loss < averages)
    # the bias-only run at lr=0.5 ends at the column means, with the loss of the averages
    assert ns["history"][-1] == pytest.approx(averages, rel=1e-5)
    assert ns["b"].detach().numpy() == pytest.approx(targets.mean(axis=0), abs=1e-3)
    assert not ns["w"].detach().any()


def test_snippets_print_what_the_page_shows(site, gd_run):
    """`python snippets/gradient_descent.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "gradient_descent", gd_run[1], run_snippet("gradient_descent_exercises")[1])
