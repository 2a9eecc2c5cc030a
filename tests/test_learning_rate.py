"""Chapter 11: why lr 1e-5, where gradient descent diverges, and how standardised inputs converge
to the least-squares weights in a few dozen steps."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from learning_rate import standardise, to_original_units
from linreg import init_params, inputs, model, targets, train
from test_exact_answer import FLOOR, THETA, float32_stall_tolerance

X64, Y64 = inputs.astype(np.float64), targets.astype(np.float64)
A64 = np.hstack([X64, np.ones((5, 1))])
LAMBDA = np.linalg.eigvalsh(2 / (5 * 2) * A64.T @ A64)  # the loss Hessian's eigenvalues
LR_MAX = 2 / LAMBDA[-1]


@pytest.fixture(scope="module")
def chapter():
    yield run_snippet("learning_rate")
    plt.close("all")


def test_weight_gradients_dwarf_the_bias_gradient(chapter):
    ns, out = chapter
    w, b = init_params(seed=0)
    residual = inputs @ w.detach().numpy().T + b.detach().numpy() - targets
    grad_w = 2 / residual.size * residual.T @ inputs  # 2/(N·m) (P - Y)ᵀ X
    grad_b = 2 / residual.size * residual.sum(axis=0)
    assert ns["ratio"] == pytest.approx(np.abs(grad_w).mean() / np.abs(grad_b).mean(), rel=1e-5)
    assert 50 < ns["ratio"] < 120  # features of about 85: tens of times larger
    assert ns["first_step"] == pytest.approx(1e-5 * np.abs(grad_w).max(), rel=1e-5)


def test_threshold_is_two_over_the_largest_eigenvalue(chapter):
    ns, out = chapter
    assert ns["lr_max"] == pytest.approx(LR_MAX, rel=1e-9)
    assert f"2 / λmax = {LR_MAX:.3g}" in out


@pytest.mark.parametrize("factor, diverges", [(0.98, False), (1.02, True)])
def test_training_turns_at_the_threshold(factor, diverges):
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    w, b = init_params(seed=0)
    losses = train(x, y, w, b, lr=factor * LR_MAX, epochs=300)
    assert (losses[-1] > losses[0]) == diverges


def test_learning_rate_sweep(chapter):
    ns, out = chapter
    final = ns["raw_final"]
    assert final["1e-6"] > final["1e-5"] > final["0.9 × 2/λmax"] > 10 * FLOOR
    assert final["1.05 × 2/λmax"] > 1e15  # grows by (1.1)² per epoch
    assert all(len(run) == 200 for run in ns["raw_runs"].values())


def test_too_large_a_learning_rate_fails_clearly(chapter):
    _, out = chapter
    line = next(line for line in out.splitlines() if line.startswith("FloatingPointError"))
    assert "the loss became inf" in line and "lr=0.001 is too large" in line
    assert "standardise the inputs" in line


def test_standardise(chapter):
    ns, _ = chapter
    z = ns["z"].cpu().double().numpy()
    expected = (X64 - X64.mean(axis=0)) / X64.std(axis=0)  # NumPy's std divides by N
    assert np.allclose(z, expected, atol=1e-6)
    assert np.allclose(ns["mean"].cpu().numpy(), X64.mean(axis=0))
    assert np.allclose(ns["std"].cpu().numpy(), X64.std(axis=0))


def test_to_original_units_keeps_every_prediction():
    x = torch.from_numpy(inputs)
    z, mean, std = standardise(x)
    gen = torch.Generator().manual_seed(0)
    w_z, b_z = torch.randn(2, 3, generator=gen), torch.randn(2, generator=gen)
    w, b = to_original_units(w_z, b_z, mean, std)
    assert torch.allclose(model(x, w, b), model(z, w_z, b_z), atol=1e-4)


@pytest.mark.parametrize("bad, error, words", [
    (inputs, TypeError, "floating-point tensor"),
    (torch.from_numpy(inputs).long(), TypeError, "floating-point tensor"),
    (torch.from_numpy(inputs)[:1], ValueError, "at least 2 samples"),
    (torch.from_numpy(inputs)[:, 0], ValueError, "2-D"),
    (torch.cat([torch.from_numpy(inputs), torch.full((5, 1), 7.0)], 1), ValueError,
     "feature(s) [3] have the same value"),
], ids=["numpy", "integers", "one row", "1-D", "constant feature"])
def test_standardise_rejects_bad_input_clearly(bad, error, words):
    with pytest.raises(error) as raised:
        standardise(bad)
    assert words in str(raised.value)


def test_to_original_units_rejects_mismatched_statistics():
    _, mean, std = standardise(torch.from_numpy(inputs))
    with pytest.raises(ValueError, match="use the mean and std that standardise"):
        to_original_units(torch.zeros(2, 4), torch.zeros(2), mean, std)


def test_standardised_problem_is_well_conditioned(chapter):
    ns, out = chapter
    lam_z = ns["eigenvalues_z"]
    assert lam_z.min() > 0.1 and lam_z.max() < 3
    assert torch.isclose(lam_z, torch.tensor(1.0, dtype=lam_z.dtype)).any()  # the bias: 2/m
    assert ns["cond"] > 1e6 and ns["cond_z"] < 10
    assert ns["lr_max_z"] == pytest.approx(2 / lam_z.max().item())


def test_scaled_runs_converge_in_a_few_dozen_steps(chapter):
    ns, _ = chapter
    reached, runs = ns["reached"], ns["scaled_runs"]
    assert reached[0.5] < 40 and reached[0.1] < 200
    for lr, losses in runs.items():
        assert losses[reached[lr]] < 1.01 * FLOOR <= losses[reached[lr] - 1]
        assert losses[-1] == pytest.approx(FLOOR, rel=1e-3)
    assert ns["floor"] == pytest.approx(FLOOR, rel=1e-5)


def test_scaled_weights_in_original_units_are_the_lstsq_weights(chapter):
    """The lr 0.5 run of the page, 200 epochs: (1 - 0.5·λmin)^200 ≈ 4e-14 of the initial error
    is left, so only float32 rounding separates it from least squares (tolerance derived in
    test_exact_answer.float32_stall_tolerance)."""
    ns, out = chapter
    lam_min = ns["eigenvalues_z"][0].item()
    mean, std = ns["mean"].cpu(), ns["std"].cpu()
    theta_z = np.vstack([THETA[:3] * std.numpy()[:, None], THETA[3] + mean.numpy() @ THETA[:3]])
    tol_w, tol_b = float32_stall_tolerance(0.5, lam_min, theta_z, mean, std)
    assert np.abs(ns["w_raw"].cpu().numpy() - THETA[:3].T).max() < tol_w
    assert np.abs(ns["b_raw"].cpu().numpy() - THETA[3]).max() < tol_b
    assert "equal to 4 decimals: True" in out
    forecasts = [line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("forecast")]
    assert len(forecasts) == 2 and forecasts[0] == forecasts[1]
    assert float(forecasts[0].split("[[")[1].split(",")[0]) == pytest.approx(
        np.array([80.0, 100.0, 60.0, 1.0]) @ THETA[:, 0], abs=1e-3)


def test_plot(chapter):
    ns, _ = chapter
    raw_ax, scaled_ax = ns["raw_ax"], ns["scaled_ax"]
    for ax, runs in ((raw_ax, 4), (scaled_ax, 2)):
        assert ax.get_yscale() == "log"
        assert len(ax.get_lines()) == runs + 1  # one line per run, and the floor
        assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(FLOOR, rel=1e-5)
    assert ax.get_legend() is not None


def test_exercises():
    ns, out = run_snippet("learning_rate_exercises")
    low, high = ns["low"], ns["high"]
    assert low < LR_MAX < high and high / low < 1.01
    right = ns["right"].cpu().numpy()
    assert np.allclose(right, np.array([[80.0, 100.0, 60.0, 1.0]]) @ THETA, atol=1e-2)
    assert torch.isnan(ns["own"]).all()
    assert (ns["unscaled"] > 1000).all()
    conditions = ns["conditions"]
    order = ["standardised", "min-max to [0, 1]", "centred only", "divided by std", "raw"]
    assert [conditions[name] for name in order] == sorted(conditions.values())
    assert conditions["raw"] == pytest.approx(LAMBDA[-1] / LAMBDA[0], rel=1e-6)


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/learning_rate.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "learning_rate", chapter[1], run_snippet("learning_rate_exercises")[1])


def test_valley_panels_against_numpy(chapter):
    """The one-feature valley of rainfall -> apples: its Hessian, condition number, least-squares
    line and floor from NumPy in float64, and the path the run drew is gradient descent."""
    ns, out = chapter
    rain, apples = inputs[:, 1].astype(np.float64), targets[:, 0].astype(np.float64)
    z = (rain - rain.mean()) / rain.std()
    for panel, feature in zip(ns["panels"], (rain, z)):
        a = np.c_[feature, np.ones(5)]
        h = 2 / 5 * a.T @ a
        assert np.allclose(panel["hessian"].numpy(), h, atol=1e-5)  # z is float32
        lam = np.linalg.eigvalsh(h)
        assert panel["kappa"] == pytest.approx(lam[-1] / lam[0], rel=1e-6)
        w, b = np.polyfit(feature, apples, 1)
        assert (panel["optimum"]["w"], panel["optimum"]["b"]) == pytest.approx((w, b), rel=1e-4)
        assert panel["floor"] == pytest.approx(np.mean((w * feature + b - apples) ** 2), rel=1e-4)
        lr, ww, bb = 0.5 * 2 / lam[-1], 0.0, 0.0  # the same descent in float64
        for _ in range(100):
            e = ww * feature + bb - apples
            ww, bb = ww - lr * 2 * np.mean(e * feature), bb - lr * 2 * np.mean(e)
        assert panel["path"][-1] == pytest.approx((ww, bb), abs=1e-3)
        lo, hi = panel["range"]["w"], panel["range"]["b"]
        for pw, pb in [panel["path"][0], (w, b)]:  # start and minimum are in the picture
            assert lo[0] < pw < lo[1] and hi[0] < pb < hi[1]
    raw, scaled = ns["panels"]
    assert raw["kappa"] > 1e4 and scaled["kappa"] == pytest.approx(1.0)
    assert abs(raw["path"][-1][1] - raw["optimum"]["b"]) > 10  # still far along the valley
    assert scaled["path"][1] == pytest.approx((scaled["optimum"]["w"], scaled["optimum"]["b"]),
                                              rel=1e-5)  # one step at half the limit
    assert f"κ = {raw['kappa']:9.4g}" in out


def test_descent_explorable_data_is_the_chapters_start(chapter):
    ns, _ = chapter
    data = ns["descent_data"]
    w, b = init_params(seed=0)
    assert torch.equal(data["w"].cpu(), w.detach()) and torch.equal(data["b"].cpu(), b.detach())
    assert data["lambdaMax"] == pytest.approx(2 / ns["lr_max"])
    assert data["floor"] == pytest.approx(ns["floor"])
    assert 10 ** data["logEta"]["value"] == pytest.approx(1e-5)
    assert 10 ** data["logEta"]["max"] > ns["lr_max"] > 10 ** data["logEta"]["min"]
    assert data["lossRange"][0] < data["floor"]
