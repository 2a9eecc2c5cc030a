"""Chapter 9: nn.Linear, DataLoader, SGD and fit() do exactly what the hand-written loop does."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from conftest import assert_prints_the_page, run_snippet
from linreg import init_params, inputs, model, mse, targets, train


@pytest.fixture(scope="module")
def chapter():
    return run_snippet("pytorch_way")


@pytest.fixture(scope="module")
def fit(chapter):
    return chapter[0]["fit"]


def data():
    return torch.from_numpy(inputs), torch.from_numpy(targets)


def seeded_layer(n_in=3, n_out=2):
    layer = nn.Linear(n_in, n_out)
    w, b = init_params(n_in, n_out, seed=0)
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(b)
    return layer


def test_linear_layer_is_the_model(chapter):
    ns, out = chapter
    x, y = data()
    w, b = init_params(seed=0)
    layer = seeded_layer()
    assert ns["layer"].weight.shape == (2, 3) and ns["layer"].bias.shape == (2,)
    assert torch.allclose(layer(x), model(x, w, b))
    assert F.mse_loss(layer(x), y).item() == pytest.approx(mse(model(x, w, b), y).item())
    assert "same predictions as model(x, w, b): True" in out
    # the loss the page prints, from the formula sum((P - Y)^2) / (N * m) in float64
    p = inputs.astype(np.float64) @ w.detach().double().numpy().T + b.detach().double().numpy()
    expected = ((p - targets) ** 2).mean()
    assert f"F.mse_loss: {expected:.2f}   mse: {expected:.2f}" in out


def test_one_sgd_step_is_one_gradient_descent_step(chapter):
    _, out = chapter
    x, y = data()
    w, b = init_params(seed=0)
    mse(model(x, w, b), y).backward()
    with torch.no_grad():
        after = mse(model(x, w - 1e-5 * w.grad, b - 1e-5 * b.grad), y).item()
    assert f"loss after the step:  {after:.2f}" in out


def test_loader_deals_every_row_once_per_epoch_in_a_new_order(chapter):
    _, out = chapter
    epochs = [eval(line.split(": ", 1)[1]) for line in out.splitlines()
              if "temperatures of each batch" in line]
    assert len(epochs) == 2
    for batches in epochs:
        assert [len(batch) for batch in batches] == [2, 2, 1]
        assert sorted(t for batch in batches for t in batch) == sorted(inputs[:, 0].astype(int))
    assert epochs[0] != epochs[1]
    assert "a batch: (2, 3) (2, 2)" in out


def test_full_batch_fit_gives_the_hand_written_losses(chapter):
    ns, out = chapter
    hand, torch_way = ns["hand_losses"], ns["torch_losses"]
    assert len(hand) == len(torch_way) == 20
    assert hand == train(*data(), *init_params(seed=0), lr=1e-5, epochs=20)
    assert np.allclose(torch_way, hand, rtol=1e-6, atol=0)
    assert [f"{v:.2f}" for v in torch_way] == [f"{v:.2f}" for v in hand]
    assert "equal to 6 significant digits: True" in out


def test_the_only_difference_is_how_the_update_rounds(chapter):
    """A hand-written loop whose update is SGD's own `p.add_(p.grad, alpha=-lr)` reproduces
    fit()'s full-batch losses bit for bit: nothing else differs."""
    ns, _ = chapter
    x, y = data()
    w, b = init_params(seed=0)
    losses = []
    for _ in range(20):
        loss = mse(model(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                p.add_(p.grad, alpha=-1e-5)
                p.grad.zero_()
    assert losses == ns["torch_losses"]


def test_epoch_loss_is_the_row_weighted_mean(fit):
    """With lr=0 nothing moves, so the epoch's mean must equal the loss on all rows, even with
    an uneven last batch (2 + 2 + 1 rows): a plain mean of batch means would not."""
    x, y = data()
    layer = seeded_layer()
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    [epoch_loss] = fit(layer, loader, torch.optim.SGD(layer.parameters(), lr=0.0), epochs=1)
    assert epoch_loss == pytest.approx(F.mse_loss(layer(x), y).item(), rel=1e-6)
    batch_means = [F.mse_loss(layer(xb), yb).item() for xb, yb in loader]
    assert abs(np.mean(batch_means) - epoch_loss) > 1e-3 * epoch_loss


def test_make_regions_is_seeded_and_near_the_measured_rows(chapter):
    ns, out = chapter
    make_regions = ns["make_regions"]
    a_x, a_y = make_regions(1000)
    b_x, b_y = make_regions(1000)
    assert torch.equal(a_x, b_x) and torch.equal(a_y, b_y)
    assert not torch.equal(make_regions(1000, seed=1)[0], a_x)
    assert a_x.shape == (1000, 3) and a_y.shape == (1000, 2) and a_x.dtype == torch.float32
    rows = torch.cat([a_x, a_y], 1)
    measured = torch.from_numpy(np.hstack([inputs, targets]))
    nearest = torch.cdist(rows, measured).min(dim=1).values
    assert nearest.max() < 2.0 * 7  # 5 numbers with noise sd 2: far below 7 sd in distance
    assert (nearest > 0).all()
    assert torch.equal(ns["big_x"].cpu(), a_x)
    assert "regions: (1000, 3) (1000, 2)" in out


def test_training_on_the_larger_dataset(chapter):
    ns, out = chapter
    history = ns["history"]
    assert len(history) == 20 and ns["steps"] == 400
    assert all(later < earlier for earlier, later in zip(history, history[1:]))
    assert history[-1] < history[0] / 10
    # the mean loss of the last epoch, re-measured on the final weights, is close to it
    with torch.no_grad():
        final = F.mse_loss(ns["net"](ns["big_x"]), ns["big_y"]).item()
    assert final == pytest.approx(history[-1], rel=0.1)
    assert f"epoch 20: mean loss {history[-1]:8.2f}" in out


def test_forecast_for_a_new_region(chapter):
    ns, out = chapter
    net, forecast = ns["net"], ns["forecast"]
    assert forecast.shape == (1, 2)
    new = torch.tensor([[80.0, 100.0, 60.0]])
    expected = new @ net.weight.detach().cpu().T + net.bias.detach().cpu()
    assert torch.allclose(forecast.cpu(), expected)
    assert f"apples {expected[0, 0]:.1f}, oranges {expected[0, 1]:.1f}" in out


def test_page_shows_the_broadcasting_error(chapter):
    _, out = chapter
    assert ("ValueError: got inputs (50, 3) and targets (50,): both must be 2-D "
            "(samples × columns); a 1-D target needs y.unsqueeze(1)") in out


def bad_fit_calls():
    """(description, call arguments, error type, words the message must contain)."""
    x, y = data()
    layer = seeded_layer()
    sgd = torch.optim.SGD(layer.parameters(), lr=1e-5)
    other = torch.optim.SGD(seeded_layer().parameters(), lr=1e-5)
    pairs = [(x, y)]
    return [
        ("net is not a module", (lambda v: v, pairs, sgd, 1), TypeError, "torch.nn.Module"),
        ("optimizer is not one", (layer, pairs, "sgd", 1), TypeError, "torch.optim.SGD"),
        ("optimizer of another model", (layer, pairs, other, 1), ValueError, "net.parameters()"),
        ("zero epochs", (layer, pairs, sgd, 0), ValueError, "at least 1"),
        ("fractional epochs", (layer, pairs, sgd, 2.5), TypeError, "whole number"),
        ("boolean epochs", (layer, pairs, sgd, True), TypeError, "whole number"),
        ("loader of single tensors", (layer, DataLoader(x, batch_size=2), sgd, 1), TypeError,
         "TensorDataset"),
        ("1-D targets", (layer, [(x, y[:, 0])], sgd, 1), ValueError, "unsqueeze"),
        ("rows disagree", (layer, [(x, y[:4])], sgd, 1), ValueError, "5 input rows but 4"),
        ("too many features", (layer, [(torch.cat([x, x[:, :1]], 1), y)], sgd, 1), ValueError,
         "3 features to 2 outputs"),
        ("too few targets", (layer, [(x, y[:, :1])], sgd, 1), ValueError, "1 target columns"),
        ("float64 data", (layer, [(x.double(), y.double())], sgd, 1), TypeError, "x.float()"),
        ("empty loader", (layer, [], sgd, 1), ValueError, "no batches"),
    ]


@pytest.mark.parametrize("case", range(len(bad_fit_calls())),
                         ids=[c[0] for c in bad_fit_calls()])
def test_fit_rejects_bad_input_clearly(fit, case):
    _, args, error, words = bad_fit_calls()[case]
    with pytest.raises(error, match=None) as raised:
        fit(*args)
    assert words in str(raised.value)


def test_fit_stops_when_the_loss_overflows(fit):
    x, y = data()
    layer = seeded_layer()
    sgd = torch.optim.SGD(layer.parameters(), lr=1.0)
    with pytest.raises(FloatingPointError, match="standardise the inputs"):
        fit(layer, [(x, y)], sgd, epochs=100)


def test_exercises():
    ns, out = run_snippet("pytorch_way_exercises")
    assert ns["final"][0.0] == pytest.approx(
        train(*data(), *init_params(seed=0), lr=1e-5, epochs=101)[-1], rel=1e-5)
    assert ns["final"][0.9] < ns["final"][0.0] / 5
    losses = ns["batch_losses"]
    assert len(losses) == 5 and max(losses) > 5 * min(losses)
    assert f"their mean: {sum(losses) / 5:.2f}" in out
    assert "drop_last=False: 16 batches, last has 40 rows, 1000 rows seen" in out
    assert "drop_last=True: 15 batches, last has 64 rows, 960 rows seen" in out


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/pytorch_way.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "pytorch_way", chapter[1], run_snippet("pytorch_way_exercises")[1])
