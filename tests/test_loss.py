"""Chapter 5: the mean squared error against an independent float64 computation."""

import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from linreg import init_params, inputs, targets


@pytest.fixture(scope="module")
def loss_run():
    return run_snippet("loss")


@pytest.fixture(scope="module")
def reference():
    """Predictions and errors of the seeded start, in NumPy float64."""
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    preds = inputs.astype(np.float64) @ w.T + b
    return preds, preds - targets.astype(np.float64)


def test_difference_has_one_entry_per_prediction(loss_run, reference):
    ns, out = loss_run
    assert tuple(ns["diff"].shape) == (5, 2)
    assert ns["n"] == ns["diff"].numel() == 10  # elements, not rows
    assert np.allclose(ns["diff"].detach().cpu().numpy(), reference[1], atol=1e-3)
    assert "shape: (5, 2) elements: 10" in out


def test_loss_equals_float64_mean_of_squares(loss_run, reference):
    ns, _ = loss_run
    expected = np.mean(reference[1] ** 2)
    assert ns["loss"].item() == pytest.approx(expected, rel=1e-6)
    assert ns["loss_by_hand"].item() == pytest.approx(expected, rel=1e-6)
    # dividing by the 5 rows instead of the 10 elements would double it
    assert np.sum(reference[1] ** 2) / 5 == pytest.approx(2 * expected)


def test_rmse_and_mae_are_in_yield_units(loss_run, reference):
    ns, _ = loss_run
    assert ns["rmse"].item() == pytest.approx(np.sqrt(np.mean(reference[1] ** 2)), rel=1e-6)
    assert ns["mae"].item() == pytest.approx(np.mean(np.abs(reference[1])), rel=1e-6)
    assert ns["mae"].item() < ns["rmse"].item()


def test_why_square_table(loss_run):
    _, out = loss_run
    rows = {line[:17].strip(): line[17:].split() for line in out.splitlines()
            if line[:17].strip() in ("one +50, one -50", "both +20", "0 and +40")}
    assert rows == {"one +50, one -50": ["0", "50", "2500"],
                    "both +20": ["20", "20", "400"],
                    "0 and +40": ["20", "20", "800"]}


def test_slopes_table(loss_run):
    _, out = loss_run
    rows = [line.split() for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[0].lstrip("-").replace(".", "").isdigit()]
    assert [[float(v) for v in r] for r in rows] == [
        [e, 2 * e, np.sign(e)] for e in (-10.0, -1.0, -0.1, 0.1, 1.0, 10.0)]


def test_predictions_below_zero_are_counted(loss_run, reference):
    ns, out = loss_run
    below = int((reference[0] < 0).sum())
    assert below == 9  # what the page's prose leans on: almost all of them
    assert f"predictions below zero: {below} of 10" in out


def test_one_feature_line_flat_start_and_least_squares(loss_run):
    """The flat line at the mean scores the variance of the apples; the least-squares line
    (against NumPy's polyfit in float64) scores lower than any nudge of it."""
    ns, out = loss_run
    rain, apples = inputs[:, 1].astype(np.float64), targets[:, 0].astype(np.float64)
    assert ns["start"].item() == pytest.approx(apples.var(), rel=1e-6)
    w, b = np.polyfit(rain, apples, 1)
    assert (ns["best_w"], ns["best_b"]) == pytest.approx((w, b), rel=1e-5)
    best = np.mean((w * rain + b - apples) ** 2)
    assert ns["best_mse"].item() == pytest.approx(best, rel=1e-5)
    for dw, db in ((1e-3, 0), (-1e-3, 0), (0, 0.1), (0, -0.1)):
        assert np.mean(((w + dw) * rain + b + db - apples) ** 2) > best
    assert f"w = 0.000, b = {apples.mean():.1f}: MSE {apples.var():.2f}, RMSE {apples.std():.1f}" in out
    assert f"MSE {best:.2f}, RMSE {np.sqrt(best):.1f} (the lowest" in out
    data = ns["line_data"]
    assert data["start"] == {"w": 0.0, "b": pytest.approx(apples.mean())}
    assert data["xRange"][0] < rain.min() and data["xRange"][1] > rain.max()
    assert data["yRange"][0] < apples.min() and data["yRange"][1] > apples.max()
    for name, value in (("w", w), ("b", b), ("w", 0.0), ("b", apples.mean())):
        assert data[name]["min"] < value < data[name]["max"]  # the sliders reach them


def test_builtin_mse_loss_agrees(loss_run):
    ns, out = loss_run
    assert torch.allclose(ns["builtin"], ns["loss"])
    assert "equal: True" in out


def test_exercises(reference):
    ns, out = run_snippet("loss_exercises")
    # predicting each column's mean: the loss is the mean of the two column variances
    assert ns["baseline"].item() == pytest.approx(targets.astype(np.float64).var(axis=0).mean(),
                                                  rel=1e-6)
    per_fruit = np.mean(reference[1] ** 2, axis=0)
    assert ns["per_fruit"].detach().numpy() == pytest.approx(per_fruit, rel=1e-6)
    assert ns["per_fruit"].mean().item() == pytest.approx(np.mean(reference[1] ** 2), rel=1e-6)
    assert "(28x worse)" in out


def test_snippets_print_what_the_page_shows(site, loss_run):
    """`python snippets/loss.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "loss", loss_run[1], run_snippet("loss_exercises")[1])
