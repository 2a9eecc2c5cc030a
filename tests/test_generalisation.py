"""Chapter 12: a seeded split, RMSE and R² against their formulas in NumPy, the trained model
against least squares on the training rows, over-fitting with noise features, save and load."""

import os

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from generalisation import r2, rmse, split_rows
from linreg import make_regions


@pytest.fixture(scope="module")
def chapter(tmp_path_factory):
    """The chapter's run, in an empty folder as the build runs it: it writes yield_model.pt."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("generalisation"))
    try:
        yield run_snippet("generalisation")
    finally:
        os.chdir(here)
        plt.close("all")


def lstsq_fit(x, y):
    """Θ of least squares on [X 1], in float64 NumPy."""
    a = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.lstsq(a, y, rcond=None)[0]


def test_the_regions_are_chapter_nines():
    ns, _ = run_snippet("pytorch_way")
    x, y = make_regions(1000)
    assert torch.equal(x, ns["big_x"].cpu()) and torch.equal(y, ns["big_y"].cpu())


def test_split_is_seeded_and_covers_every_row_once(chapter):
    ns, _ = chapter
    x, y = make_regions(1000)
    x[:, 0] = torch.arange(1000.0)  # tag each row
    parts = split_rows(x, y, 0.2, seed=0)
    assert [len(p) for p in parts] == [800, 800, 200, 200]
    rows = torch.cat([parts[0][:, 0], parts[2][:, 0]]).sort().values
    assert torch.equal(rows, torch.arange(1000.0))
    again = split_rows(x, y, 0.2, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(parts, again))
    assert not torch.equal(split_rows(x, y, 0.2, seed=1)[2], parts[2])
    # rows stay paired: each row's targets go with its inputs
    tagged = dict(zip(x[:, 0].tolist(), y.tolist()))
    assert all(tagged[r] == t for r, t in zip(parts[2][:, 0].tolist(), parts[3].tolist()))
    assert ns["x_train"].shape == (800, 3) and ns["y_val"].shape == (200, 2)


def test_metrics_against_their_formulas_in_numpy():
    gen = np.random.default_rng(0)
    y = gen.normal(50, 10, size=(40, 2))
    pred = y + gen.normal(0, 3, size=(40, 2))
    expected_r2 = 1 - ((pred - y) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    expected_rmse = np.sqrt(((pred - y) ** 2).mean(0))
    t_pred, t_y = torch.from_numpy(pred), torch.from_numpy(y)
    assert np.allclose(r2(t_pred, t_y).numpy(), expected_r2, rtol=1e-12)
    assert np.allclose(rmse(t_pred, t_y).numpy(), expected_rmse, rtol=1e-12)
    assert np.allclose(r2(t_y, t_y).numpy(), 1)  # exact predictions
    mean = torch.from_numpy(np.broadcast_to(y.mean(0), y.shape).copy())
    assert np.allclose(r2(mean, t_y).numpy(), 0, atol=1e-12)  # the targets' own mean


def test_trained_model_is_least_squares_on_the_training_rows(chapter):
    ns, out = chapter
    x_train = ns["x_train"].cpu().double().numpy()
    y_train = ns["y_train"].cpu().double().numpy()
    theta = lstsq_fit(x_train, y_train)
    x_val = ns["x_val"].cpu().double().numpy()
    y_val = ns["y_val"].cpu().double().numpy()
    with torch.no_grad():
        pred_val = ns["net"](ns["z_val"]).cpu().double().numpy()
    exact_val = np.hstack([x_val, np.ones((len(x_val), 1))]) @ theta
    assert np.abs(pred_val - exact_val).max() < 1e-3  # float32, converged
    exact_train = np.hstack([x_train, np.ones((len(x_train), 1))]) @ theta
    assert ns["train_loss"] == pytest.approx(np.mean((exact_train - y_train) ** 2), rel=1e-4)
    assert ns["val_loss"] == pytest.approx(np.mean((exact_val - y_val) ** 2), rel=1e-4)
    # the page's metrics, against the formulas on the exact fit
    r2_val = 1 - ((exact_val - y_val) ** 2).sum(0) / ((y_val - y_val.mean(0)) ** 2).sum(0)
    assert np.allclose(ns["val_r2"].cpu().numpy(), r2_val, atol=1e-5)
    assert np.allclose(ns["val_rmse"].cpu().numpy(), np.sqrt(((exact_val - y_val) ** 2).mean(0)),
                       rtol=1e-4)
    assert np.allclose(ns["val_r2"].cpu().numpy(),
                       1 - ns["val_rmse"].cpu().numpy() ** 2 / y_val.std(0) ** 2, atol=1e-5)
    e = exact_train - y_train
    r2_train = 1 - (e ** 2).sum(0) / ((y_train - y_train.mean(0)) ** 2).sum(0)
    assert f"R² apples    {r2_train[0]:10.3f} {r2_val[0]:11.3f}" in out


def test_statistics_come_from_the_training_rows(chapter):
    ns, _ = chapter
    x_train = ns["x_train"].cpu().double().numpy()
    assert np.allclose(ns["mean"].cpu().numpy(), x_train.mean(0), rtol=1e-5)
    assert np.allclose(ns["std"].cpu().numpy(), x_train.std(0), rtol=1e-5)


def test_overfitting_curve_against_numpy(chapter):
    ns, _ = chapter
    few, curve = ns["few"], ns["curve"]
    xs_train, ys_train = ns["xs_train"].numpy(), ns["ys_train"].numpy()
    xs_val, ys_val = ns["xs_val"].numpy(), ns["ys_val"].numpy()
    junk_train, junk_val = ns["junk_train"].numpy(), ns["junk_val"].numpy()
    for extra in range(17):
        theta = lstsq_fit(np.hstack([xs_train, junk_train[:, :extra]]), ys_train)
        a_train = np.hstack([xs_train, junk_train[:, :extra], np.ones((few, 1))])
        a_val = np.hstack([xs_val, junk_val[:, :extra], np.ones((len(xs_val), 1))])
        assert curve["training"][extra] == pytest.approx(
            np.mean((a_train @ theta - ys_train) ** 2), rel=1e-6, abs=1e-9)
        assert curve["validation"][extra] == pytest.approx(
            np.mean((a_val @ theta - ys_val) ** 2), rel=1e-6)
    train, val = curve["training"], curve["validation"]
    assert all(b <= a + 1e-9 for a, b in zip(train, train[1:]))  # never rises
    assert train[16] < 1e-12  # 20 parameters per output, 20 rows: exact
    assert val[15] > 30 * train[15]  # the alt text: more than thirty times apart
    assert int(np.argmin(val)) == 0  # the best on validation: no noise features
    assert val[16] > val[15] > 5 * val[0]


def test_plot(chapter):
    ns, _ = chapter
    ax = ns["ax"]
    lines = ax.get_lines()
    assert ax.get_yscale() == "log" and len(lines) == 2
    assert list(lines[0].get_ydata()) == ns["curve"]["training"][:16]
    assert list(lines[1].get_ydata()) == ns["curve"]["validation"][:16]
    assert ax.get_legend() is not None
    assert tuple(ax.figure.get_size_inches()) <= (5.6, 3.6)


def test_saved_model_loads_and_predicts_the_same(chapter, tmp_path):
    ns, out = chapter
    path = tmp_path / "model.pt"
    torch.save(ns["checkpoint"], path)
    loaded = torch.load(path, weights_only=True)
    assert set(loaded) == {"model", "mean", "std"}
    fresh = torch.nn.Linear(3, 2)
    fresh.load_state_dict(loaded["model"])
    new = torch.tensor([[80.0, 100.0, 60.0]])
    with torch.no_grad():
        forecast = fresh((new - loaded["mean"].cpu()) / loaded["std"].cpu())
    theta = lstsq_fit(ns["x_train"].cpu().double().numpy(), ns["y_train"].cpu().double().numpy())
    exact = np.array([80.0, 100.0, 60.0, 1.0]) @ theta
    assert np.allclose(forecast.numpy()[0], exact, atol=1e-2)
    assert f"apples {exact[0]:.1f}, oranges {exact[1]:.1f}" in out
    assert "the same as the trained net's: True" in out
    with pytest.raises(RuntimeError, match="size mismatch"):
        torch.nn.Linear(3, 1).load_state_dict(loaded["model"])


@pytest.mark.parametrize("args, error, words", [
    ((np.zeros((5, 3)), torch.zeros(5, 2)), TypeError, "must be tensors"),
    ((torch.zeros(5, 3), torch.zeros(4, 2)), ValueError, "same number of rows"),
    ((torch.zeros(5), torch.zeros(5, 2)), ValueError, "must be 2-D"),
    ((torch.zeros(10, 3), torch.zeros(10, 2), 1.5), ValueError, "between 0 and 1"),
    ((torch.zeros(10, 3), torch.zeros(10, 2), 0.0), ValueError, "between 0 and 1"),
    ((torch.zeros(3, 3), torch.zeros(3, 2), 0.2), ValueError, "each side needs at least 2"),
], ids=["numpy", "rows differ", "1-D", "fraction above 1", "fraction 0", "too few rows"])
def test_split_rejects_bad_input_clearly(args, error, words):
    with pytest.raises(error, match=words):
        split_rows(*args)


@pytest.mark.parametrize("pred, y, error, words", [
    (torch.zeros(5, 2), torch.zeros(5), ValueError, "y.unsqueeze"),
    (torch.zeros(5, 1), torch.zeros(4, 1), ValueError, "same 2-D shape"),
    (torch.zeros(1, 2), torch.ones(1, 2), ValueError, "at least 2 rows"),
    (np.zeros((5, 2)), torch.zeros(5, 2), TypeError, "must be tensors"),
    (torch.zeros(3, 2), torch.tensor([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]), ValueError,
     r"output\(s\) \[0\] have the same target"),
], ids=["1-D target", "rows differ", "one row", "numpy", "constant target"])
def test_metrics_reject_bad_input_clearly(pred, y, error, words):
    with pytest.raises(error, match=words):
        r2(pred, y)
    if "same target" not in words:  # RMSE is defined for a constant target
        with pytest.raises(error, match=words):
            rmse(pred, y)


def test_the_page_shows_the_error(chapter):
    _, out = chapter
    assert "ValueError: pred (200, 2) and y (200,) must have the same 2-D shape" in out


def test_exercises(chapter):
    ns, out = run_snippet("generalisation_exercises")
    assert ns["seed_rmse"][0] == pytest.approx(ns_val_rmse(chapter), rel=1e-5)
    assert min(ns["seed_rmse"]) < max(ns["seed_rmse"])
    gaps = [line.split() for line in out.splitlines()[3:8]]
    assert any(float(g[2]) < float(g[1]) for g in gaps) and any(
        float(g[2]) > float(g[1]) for g in gaps)  # "sometimes above, sometimes below"
    more = ns["more_curve"]
    assert more[-1] < 1.3 * more[0]  # 200 rows: little harm
    y_train = ns["y_train"].cpu().double().numpy()
    y_val = ns["y_val"].cpu().double().numpy()
    lazy = 1 - ((y_train.mean(0) - y_val) ** 2).sum(0) / ((y_val - y_val.mean(0)) ** 2).sum(0)
    assert np.allclose(ns["lazy_r2"].cpu().numpy(), lazy, atol=1e-5)
    assert (lazy < 0).all() and (lazy > -0.05).all()


def ns_val_rmse(chapter):
    return chapter[0]["val_rmse"][0].item()


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/generalisation.py`, then its exercises, print the page's outputs."""
    assert_prints_the_page(site, "generalisation", chapter[1],
                           run_snippet("generalisation_exercises")[1])
