"""Chapter 6: autograd's gradients equal the formula 2/(Nm)·EᵀX, they accumulate, and their
sign predicts how the loss moves."""

import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from linreg import init_params, inputs, targets


@pytest.fixture(scope="module")
def grads_run():
    return run_snippet("gradients")


@pytest.fixture(scope="module")
def formula():
    """dL/dw and dL/db of the seeded start, from the hand-derived formula in NumPy float64."""
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    x, y = inputs.astype(np.float64), targets.astype(np.float64)
    error = x @ w.T + b - y
    return 2 / error.size * error.T @ x, 2 / error.size * error.sum(axis=0)


def cpu(t):
    return t.detach().cpu().double().numpy()


def test_backward_fills_grad_with_the_formula(grads_run, formula):
    ns, out = grads_run
    assert "w.grad before backward(): None" in out
    assert cpu(ns["first"]) == pytest.approx(formula[0], rel=1e-5)
    assert "shapes: (2, 3) (2,)" in out


def test_second_backward_doubles(grads_run, formula):
    ns, out = grads_run
    assert "exactly twice the first: True" in out
    # after the accumulation demo and the minibatch demo, the last backward left one gradient
    assert cpu(ns["w"].grad) == pytest.approx(formula[0], rel=1e-5)


def test_minibatches_accumulate_to_the_full_gradient(grads_run, formula):
    ns, out = grads_run
    assert cpu(ns["full_grad"]) == pytest.approx(formula[0], rel=1e-5)
    assert "same as the full batch: True" in out


def test_hand_gradients_equal_autograd(grads_run, formula):
    ns, out = grads_run
    assert torch.allclose(ns["grad_w"], ns["w"].grad) and torch.allclose(ns["grad_b"], ns["b"].grad)
    assert cpu(ns["grad_w"]) == pytest.approx(formula[0], rel=1e-5)
    assert cpu(ns["grad_b"]) == pytest.approx(formula[1], rel=1e-5)
    assert max(ns["gap_w"], ns["gap_b"]) < 1e-2  # float32 rounding on numbers near 1e4
    assert "allclose: True True" in out


def test_sign_and_size_predict_the_change(grads_run, formula):
    ns, out = grads_run
    assert (formula[0] < 0).all()  # every prediction too low: every weight should grow
    assert np.unravel_index(np.abs(formula[0]).argmax(), (2, 3)) == (1, 1)  # rainfall→oranges
    lines = [line for line in out.splitlines() if "changes the loss by" in line]
    assert len(lines) == 2
    for line in lines:
        actual = float(line.split("by")[1].split("(")[0])
        predicted = float(line.split("=")[-1].rstrip(")"))
        assert actual < 0 and actual == pytest.approx(predicted, abs=0.0051)  # float64 losses


def test_terms_of_the_gradient(grads_run):
    """Not every term e_ik·x_ij is negative: region 4's apples are predicted too high. The
    largest term is region 3's rainfall against its orange error."""
    ns, out = grads_run
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    x, y = inputs.astype(np.float64), targets.astype(np.float64)
    error = x @ w.T + b - y  # N × m
    terms = np.einsum("ik,ij->kij", error, x)  # m × N × d
    assert (terms > 0).sum() == 3 and (terms[0, 3] > 0).all() and error[3, 0] > 0
    assert "positive terms: 3 of 30" in out
    assert ns["terms"].cpu().double().numpy() == pytest.approx(terms, rel=1e-5)
    assert np.unravel_index(np.abs(terms).argmax(), terms.shape) == (1, 2, 1)
    assert "largest term: region 3, rain 134, orange error -309.2" in out
    share = terms[1, 2, 1] / terms[1, :, 1].sum()
    assert f"its share of w.grad[1, 1]: {share:.0%}" in out
    # the table prints each region's two errors beside their terms
    rows = [line.split() for line in out.splitlines()
            if line.split()[:1] in (["1"], ["2"], ["3"], ["4"], ["5"]) and len(line.split()) == 9]
    assert [float(r[1]) for r in rows] == pytest.approx(error[:, 0], abs=0.051)
    assert [float(r[5]) for r in rows] == pytest.approx(error[:, 1], abs=0.051)
    assert [float(v) for r in rows for v in r[2:5] + r[6:]] == pytest.approx(
        [t for i in range(5) for t in [*terms[0, i], *terms[1, i]]], abs=0.51)
    # the sums are negative because the negative terms outweigh the positive ones
    assert (terms.sum(axis=1) < 0).all()
    assert terms[0].clip(min=0).sum() < -terms[0].clip(max=0).sum() / 10
    # rainfall's mean is barely above temperature's: size alone does not explain it
    assert x.mean(axis=0)[1] - x.mean(axis=0)[0] == pytest.approx(1.2)


def test_picture_is_the_loss_along_one_weight(grads_run, formula):
    ns, _ = grads_run
    along, curve = np.array(ns["along"]), np.array(ns["curve"])
    w, b = (p.detach().cpu().double().numpy() for p in init_params())
    x, y = inputs.astype(np.float64), targets.astype(np.float64)
    # the loss along w[1, 1] is a parabola with curvature 2/(Nm)·Σ x_i1², slope the gradient
    curvature = 2 / y.size * (x[:, 1] ** 2).sum()
    expected = ((x @ w.T + b - y) ** 2).mean() + formula[0][1, 1] * (along - w[1, 1]) \
        + curvature / 2 * (along - w[1, 1]) ** 2
    assert curve == pytest.approx(expected, rel=1e-5)
    assert ns["slope"] == pytest.approx(formula[0][1, 1], rel=1e-5)
    assert along[curve.argmin()] - w[1, 1] == pytest.approx(-formula[0][1, 1] / curvature,
                                                           abs=0.05)


def test_exercises(formula):
    ns, out = run_snippet("gradients_exercises")
    expected = np.concatenate([formula[0].ravel(), formula[1]])
    assert ns["estimate"].numpy() == pytest.approx(expected, rel=1e-7)
    assert ns["formula"].numpy() == pytest.approx(expected, rel=1e-12)
    assert torch.allclose(ns["preds"].grad, ns["expected"])
    assert "equals 2/(Nm) E: True" in out


def test_snippets_print_what_the_page_shows(site, grads_run):
    """`python snippets/gradients.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "gradients", grads_run[1], run_snippet("gradients_exercises")[1])
