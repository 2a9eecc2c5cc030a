"""Chapter 9: nn.Linear, DataLoader, SGD and fit() do exactly what the hand-written loop does."""

import matplotlib.pyplot as plt
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
    yield run_snippet("pytorch_way")
    plt.close("all")


@pytest.fixture(scope="module")
def fit(chapter):
    return chapter[0]["fit"]


def axes_with_xlabel(label):
    """The one axes with this x label among the chapter's figures (one figure per block)."""
    ns, _ = run_snippet("pytorch_way")
    [ax] = [ax for fig in ns["__figures__"] for ax in fig.axes if ax.get_xlabel() == label]
    return ax


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


def test_batches_picture_shows_the_order_the_loader_dealt(chapter):
    """The picture's loader over region numbers deals what the page's loader dealt: its first
    two epochs, mapped to temperatures, are the printed ones; the figure holds those numbers."""
    ns, out = chapter
    printed = [eval(line.split(": ", 1)[1]) for line in out.splitlines()
               if "temperatures of each batch" in line]
    temperature = {i + 1: int(t) for i, t in enumerate(inputs[:, 0])}
    dealt = ns["dealt"]
    assert len(dealt) == 3
    for epoch, batches in enumerate(dealt):
        assert [len(b) for b in batches] == [2, 2, 1]
        assert sorted(r for b in batches for r in b) == [1, 2, 3, 4, 5]
        if epoch < 2:
            assert [[temperature[r] for r in b] for b in batches] == printed[epoch]
    # a fresh loader with the same seed over any 5-row dataset deals the same indices
    fresh = DataLoader(TensorDataset(torch.arange(5)), batch_size=2, shuffle=True,
                       generator=torch.Generator().manual_seed(0))
    assert [[(b + 1).tolist() for (b,) in fresh] for _ in range(3)] == dealt
    ax = axes_with_xlabel("the regions, in the order the loader dealt them")
    assert [t.get_text() for t in ax.texts] == [str(r) for batches in dealt for b in batches
                                                for r in b]
    assert len(ax.patches) == 15


def test_full_batch_fit_gives_the_hand_written_losses(chapter):
    ns, out = chapter
    hand, torch_way = ns["hand_losses"], ns["torch_losses"]
    assert len(hand) == len(torch_way) == 20
    assert hand == train(*data(), *init_params(seed=0), lr=1e-5, epochs=20)
    assert np.allclose(torch_way, hand, rtol=1e-6, atol=0)
    assert [f"{v:.2f}" for v in torch_way] == [f"{v:.2f}" for v in hand]
    assert "equal to 6 significant digits: True" in out
    # after the 20th update: the loss chapter 7's loop reaches
    w, b = init_params(seed=0)
    train(*data(), w, b, lr=1e-5, epochs=20)
    after = mse(model(data()[0], w, b), data()[1]).item()
    assert ns["hand_after_20"] == pytest.approx(after, rel=1e-6) and after < hand[-1]
    assert f"after the 20th update: {after:.2f}" in out


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
    assert ("ValueError: inputs (50, 3) need targets of shape (50, 1), got (50,): a 1-D "
            "target needs y.unsqueeze(1)") in out


def bad_fit_calls():
    """(description, call arguments, error type, words the message must contain). The last
    three are PyTorch's own errors, which already say what is wrong."""
    x, y = data()
    layer = seeded_layer()
    sgd = torch.optim.SGD(layer.parameters(), lr=1e-5)
    other = torch.optim.SGD(seeded_layer().parameters(), lr=1e-5)
    pairs = [(x, y)]
    return [
        ("net is not a module", (lambda v: v, pairs, sgd, 1), TypeError, "torch.nn.Module"),
        ("optimizer is not one", (layer, pairs, "sgd", 1), ValueError, "torch.optim.SGD"),
        ("optimizer of another model", (layer, pairs, other, 1), ValueError, "net.parameters()"),
        ("zero epochs", (layer, pairs, sgd, 0), ValueError, "1 or more"),
        ("fractional epochs", (layer, pairs, sgd, 2.5), ValueError, "whole number"),
        ("boolean epochs", (layer, pairs, sgd, True), ValueError, "whole number"),
        ("a generator of batches", (layer, iter(pairs), sgd, 1), TypeError, "DataLoader"),
        ("empty loader", (layer, [], sgd, 1), ValueError, "no batches"),
        ("loader of single tensors", (layer, DataLoader(x, batch_size=2), sgd, 1), TypeError,
         "TensorDataset"),
        ("1-D targets", (layer, [(x, y[:, 0])], sgd, 1), ValueError, "y.unsqueeze(1)"),
        ("rows disagree", (layer, [(x, y[:4])], sgd, 1), ValueError,
         "targets of shape (5, 2), got (4, 2)"),
        ("too few targets", (layer, [(x, y[:, :1])], sgd, 1), ValueError,
         "targets of shape (5, 2), got (5, 1)"),
        ("too many features", (layer, [(torch.cat([x, x[:, :1]], 1), y)], sgd, 1), RuntimeError,
         "(5x4 and 3x2)"),
        ("float64 data", (layer, [(x.double(), y.double())], sgd, 1), RuntimeError,
         "same dtype"),
    ]


@pytest.mark.parametrize("case", range(len(bad_fit_calls())),
                         ids=[c[0] for c in bad_fit_calls()])
def test_fit_rejects_bad_input_clearly(fit, case):
    _, args, error, words = bad_fit_calls()[case]
    with pytest.raises(error) as raised:
        fit(*args)
    assert words in str(raised.value)


def test_fit_checks_targets_of_any_model(fit):
    """A model without out_features (a Sequential) still gets the 1-D target check."""
    x, y = data()
    net = nn.Sequential(seeded_layer(3, 1))
    with pytest.raises(ValueError, match=r"\(5, outputs\), got \(5,\)"):
        fit(net, [(x, y[:, 0])], torch.optim.SGD(net.parameters(), lr=1e-5), 1)
    assert len(fit(net, [(x, y[:, :1])], torch.optim.SGD(net.parameters(), lr=1e-5), 1)) == 1


def test_fit_stops_when_the_loss_overflows(fit):
    x, y = data()
    layer = seeded_layer()
    sgd = torch.optim.SGD(layer.parameters(), lr=1.0)
    with pytest.raises(FloatingPointError, match="standardise them"):
        fit(layer, [(x, y)], sgd, epochs=100)


SYNCS = ("item", "tolist", "__float__", "__int__", "__bool__", "cpu", "numpy")


def count_syncs(monkeypatch):
    """Count every call that hands a tensor's value to Python (each one a wait on a GPU)."""
    calls = []
    for name in SYNCS:
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return calls


def test_fit_fetches_the_loss_once_per_epoch(fit, monkeypatch):
    """No hidden syncs: 3 epochs of 4 batches hand values to Python 3 times, not 12."""
    x, y = data()
    batches = [(x[i:i + 2], y[i:i + 2]) for i in range(0, 5, 2)] + [(x, y)]
    layer = seeded_layer()
    sgd = torch.optim.SGD(layer.parameters(), lr=1e-5)
    calls = count_syncs(monkeypatch)
    history = fit(layer, batches, sgd, epochs=3)
    monkeypatch.undo()
    assert calls == ["tolist"] * 3
    # and the counter does see a loss.item() per batch, the way fit() used to read it
    calls = count_syncs(monkeypatch)
    for xb, yb in batches:
        F.mse_loss(layer(xb), yb).item()
    monkeypatch.undo()
    assert calls == ["item"] * 4
    assert len(history) == 3 and history[2] < history[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fit_synchronises_once_per_epoch_on_cuda(fit):
    """On a GPU, torch's sync debug mode warns at every synchronisation: one per epoch."""
    import warnings

    x, y = (t.cuda() for t in data())
    layer = seeded_layer().cuda()
    sgd = torch.optim.SGD(layer.parameters(), lr=1e-5)
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    fit(layer, loader, sgd, epochs=1)  # warm up: first calls may synchronise once
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            fit(layer, loader, sgd, epochs=3)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in seen if "synchroniz" in str(w.message)]
    assert len(syncs) == 3, [str(w.message) for w in seen]


def test_floor_of_the_larger_dataset_is_least_squares(chapter):
    """The page's floor against NumPy's least squares on the same 1,000 rows, and the gap the
    page reports between it and the trained net."""
    ns, out = chapter
    bx, by = ns["big_x"].cpu().double().numpy(), ns["big_y"].cpu().double().numpy()
    a = np.hstack([bx, np.ones((len(bx), 1))])
    theta = np.linalg.lstsq(a, by, rcond=None)[0]
    floor = ((a @ theta - by) ** 2).mean()
    assert ns["floor"] == pytest.approx(floor, rel=1e-9)
    assert np.allclose(ns["theta"].numpy(), theta, atol=1e-9)
    assert f"least-squares floor:    {floor:7.2f}" in out
    # no weights do better: the trained net, and small moves away from the answer
    assert ns["reached"] > floor
    gen = np.random.default_rng(0)
    for _ in range(20):
        nudged = theta + 1e-3 * gen.standard_normal(theta.shape)
        assert ((a @ nudged - by) ** 2).mean() > floor
    with torch.no_grad():
        net = ns["net"]
        pred = bx @ net.weight.detach().cpu().double().numpy().T + net.bias.detach().cpu().numpy()
    assert ns["reached"] == pytest.approx(((pred - by) ** 2).mean(), rel=1e-5)
    ratio = ns["reached"] / floor
    assert f"trained net, all rows:  {ns['reached']:7.2f}" in out
    assert f"that is {ratio:.0f} times the floor" in out
    # the page's words: still more than ten times the floor, and falling ever more slowly
    history = ns["history"]
    assert history[-1] > 10 * floor and ratio > 10
    steps = np.diff(history)
    assert (steps < 0).all() and (np.abs(steps[-5:]) < np.abs(steps[-6:-1])).all()


def test_most_of_the_floor_is_the_noise_that_was_added(chapter):
    """Noise of sd 2 on each yield adds 4 to the loss; on each feature it passes through the
    weights and adds 4·|w_k|² for output k. With the five-region answer's weights that is
    nearly all of the floor the page prints."""
    ns, _ = chapter
    a5 = np.hstack([inputs, np.ones((5, 1))]).astype(np.float64)
    w5 = np.linalg.lstsq(a5, targets.astype(np.float64), rcond=None)[0][:3]
    noise = 4 + 4 * (w5 ** 2).sum(axis=0).mean()
    assert 0.8 * ns["floor"] < noise < ns["floor"]


def test_floor_plot(chapter):
    ns, _ = chapter
    ax = axes_with_xlabel("epoch")
    curve, floor_line = ax.get_lines()
    assert np.allclose(curve.get_ydata(), ns["history"])
    assert np.allclose(floor_line.get_ydata(), ns["floor"])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "mean loss of each epoch", "least-squares floor"]


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


def test_page_prose_quotes_this_run(site, chapter):
    """Placeholders are evaluated after the exercises ran too: the numbers the prose quotes
    must still be the chapter's, not an exercise's."""
    from pages import article

    ns, _ = chapter
    text = " ".join(article((site / "09-pytorch-way" / "index.html").read_text()).get_text().split())
    assert "20 batches per epoch, so 400 steps" in text
    assert f"The run stopped at {ns['reached'] / ns['floor']:.0f} times the floor of " \
           f"{ns['floor']:.2f}" in text
    assert f"momentum wins by far: {ns_final(0.9)} against {ns_final(0.0)}".lower() in text.lower()


def ns_final(momentum):
    return f"{run_snippet('pytorch_way_exercises')[0]['final'][momentum]:.2f}"


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/pytorch_way.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "pytorch_way", chapter[1], run_snippet("pytorch_way_exercises")[1])
