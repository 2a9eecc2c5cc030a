"""The shared module: device choice and its override, seeded parameters that are the same on
every device, and every error that train() and check_training_inputs() raise on bad input."""

import numpy as np
import pytest
import torch

import linreg
from linreg import check_training_inputs, init_params, inputs, mse, model, pick_device, targets
from linreg import train


# ---------------------------------------------------------------------------------------------
# pick_device
# ---------------------------------------------------------------------------------------------


def test_automatic_choice_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("LINREG_DEVICE", raising=False)
    expected = ("cuda" if torch.cuda.is_available()
                else "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device() == torch.device(expected)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == torch.device("cuda")


@pytest.mark.parametrize("value", ["cpu", " CPU ", "Cpu"])
def test_override_forces_the_cpu(monkeypatch, value):
    monkeypatch.setenv("LINREG_DEVICE", value)
    assert pick_device() == torch.device("cpu")


def test_empty_override_means_automatic(monkeypatch):
    monkeypatch.setenv("LINREG_DEVICE", "  ")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu")


def test_unknown_device_name_is_refused(monkeypatch):
    monkeypatch.setenv("LINREG_DEVICE", "tpu")
    with pytest.raises(ValueError, match=r"LINREG_DEVICE='tpu': use one of cpu, cuda, mps"):
        pick_device()


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_forcing_an_absent_device_says_so(monkeypatch, name):
    monkeypatch.setenv("LINREG_DEVICE", name)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=rf"LINREG_DEVICE={name} but .* has no {name}") as info:
        pick_device()
    assert "unset LINREG_DEVICE" in str(info.value)


def test_forcing_an_absent_device_on_this_machine(monkeypatch):
    """Without monkeypatching: the first device this machine lacks, if it lacks one."""
    absent = [n for n, ok in (("cuda", torch.cuda.is_available()),
                              ("mps", torch.backends.mps.is_available())) if not ok]
    if not absent:
        pytest.skip("this machine has both CUDA and MPS")
    monkeypatch.setenv("LINREG_DEVICE", absent[0])
    with pytest.raises(RuntimeError, match=f"has no {absent[0]}"):
        pick_device()


# ---------------------------------------------------------------------------------------------
# init_params
# ---------------------------------------------------------------------------------------------


def test_init_params_is_the_same_at_every_call():
    (w1, b1), (w2, b2) = init_params(), init_params()
    assert torch.equal(w1, w2) and torch.equal(b1, b2)
    w3, _ = init_params(seed=1)
    assert not torch.equal(w1, w3)
    assert w1.shape == (2, 3) and b1.shape == (2,) and w1.dtype == b1.dtype == torch.float32
    assert w1.requires_grad and b1.requires_grad and w1.is_leaf and b1.is_leaf
    w4, b4 = init_params(n_features=4, n_outputs=3)
    assert w4.shape == (3, 4) and b4.shape == (3,)


def test_init_params_draws_from_its_own_generator():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    init_params()
    assert torch.equal(torch.rand(1), before)  # the global random state is left alone


@pytest.mark.parametrize("device", sorted({"cpu", str(pick_device())}
                                          | ({"cuda"} if torch.cuda.is_available() else set())))
def test_init_params_is_the_same_on_any_device(device):
    w_cpu, b_cpu = init_params()
    w, b = init_params(device=device)
    assert w.device.type == torch.device(device).type
    assert w.is_leaf and b.is_leaf and w.requires_grad and b.requires_grad
    assert torch.equal(w.detach().cpu(), w_cpu.detach())
    assert torch.equal(b.detach().cpu(), b_cpu.detach())


# ---------------------------------------------------------------------------------------------
# train and check_training_inputs
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def good():
    """x, y, w, b that train without complaint."""
    w, b = init_params()
    return torch.from_numpy(inputs), torch.from_numpy(targets), w, b


def replaced(good, **changes):
    names = dict(zip("xywb", good))
    names.update(changes)
    return names["x"], names["y"], names["w"], names["b"]


def with_value(t, index, value):
    t = t.detach().clone()
    t[index] = value
    return t


BAD_INPUTS = {
    "x is a NumPy array": (lambda g: replaced(g, x=inputs), TypeError,
                           "x is a ndarray, not a tensor: convert it with torch.from_numpy(x)"),
    "y holds integers": (lambda g: replaced(g, y=torch.from_numpy(targets).long()), TypeError,
                         "y has dtype torch.int64: use floating point"),
    "y is 1-D": (lambda g: replaced(g, y=g[1][:, 0]), ValueError,
                 "x and y must be 2-D (samples × columns), got x (5, 3) and y (5,)"),
    "rows mismatch": (lambda g: replaced(g, x=g[0][:4]), ValueError,
                      "x has 4 rows but y has 5: every sample needs exactly one row of targets"),
    "w feature count": (lambda g: replaced(g, w=init_params(n_features=2)[0]), ValueError,
                        "w has shape (2, 2) but x has 3 features and y has 2 outputs: "
                        "w must be (outputs, features) = (2, 3)"),
    "w transposed": (lambda g: replaced(g, w=init_params()[0].detach().t()), ValueError,
                     "w has shape (3, 2)"),
    "b shape": (lambda g: replaced(g, b=init_params(n_outputs=3)[1]), ValueError,
                "b has shape (3,): it needs one value per output, shape (2,)"),
    "x in float64": (lambda g: replaced(g, x=g[0].double()), TypeError,
                     "mixed dtypes (x is torch.float64, y is torch.float32, w is torch.float32, "
                     "b is torch.float32)"),
    "w in float64": (lambda g: replaced(g, w=g[2].detach().double()), TypeError,
                     "w is torch.float64"),
    "x on another device": (lambda g: replaced(g, x=g[0].to("meta")), ValueError,
                            "tensors on different devices (x on meta, y on cpu"),
    "NaN in x": (lambda g: replaced(g, x=with_value(g[0], (1, 2), float("nan"))), ValueError,
                 "x contains 1 NaN or infinite value(s) in rows [1]: fix or drop them"),
    "inf in y": (lambda g: replaced(g, y=with_value(g[1], (3, 0), float("inf"))), ValueError,
                 "y contains 1 NaN or infinite value(s) in rows [3]"),
    "NaN in b": (lambda g: replaced(g, b=with_value(g[3], 0, float("nan"))), ValueError,
                 "b contains 1 NaN"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_a_clear_error_before_any_step(good, case):
    build, error, message = BAD_INPUTS[case]
    x, y, w, b = build(good)
    with pytest.raises(error) as info:
        check_training_inputs(x, y, w, b, 1e-5)
    assert message in str(info.value)
    start = [t.detach().clone() for t in (w, b) if isinstance(t, torch.Tensor)]
    with pytest.raises(error) as info:
        train(x, y, w, b)
    assert message in str(info.value)
    after = [t.detach() for t in (w, b) if isinstance(t, torch.Tensor)]
    assert all(torch.allclose(s, a, rtol=0, atol=0, equal_nan=True)
               for s, a in zip(start, after))  # nothing was trained


@pytest.mark.parametrize("lr", [0, -1e-5, float("inf"), float("nan"), "1e-5", None])
def test_learning_rate_must_be_a_positive_finite_number(good, lr):
    with pytest.raises(ValueError, match="must be a positive finite number"):
        train(*good, lr=lr)


def test_diverging_learning_rate_stops_with_floating_point_error(good):
    with pytest.raises(FloatingPointError) as info:
        train(*good, lr=1e-3)
    message = str(info.value)
    assert "the loss became inf at epoch" in message
    assert "lr=0.001 is too large" in message and "standardise the inputs" in message


def test_train_descends_in_place_and_clears_gradients(good):
    x, y, w, b = good
    w0, b0 = w.detach().clone(), b.detach().clone()
    losses = train(x, y, w, b, lr=1e-5, epochs=20)
    assert len(losses) == 20 and all(b < a for a, b in zip(losses, losses[1:]))
    assert losses[0] == pytest.approx(mse(model(x, w0, b0), y).item())
    assert not torch.equal(w.detach(), w0) and w.is_leaf and b.is_leaf
    assert not w.grad.any() and not b.grad.any()
    # one float64 step of the rule W ← W − η·2/N·(P−Y)ᵀX reproduces the first update
    w1, b1 = init_params()
    train(x, y, w1, b1, lr=1e-5, epochs=1)
    xd, yd = x.double().numpy(), y.double().numpy()
    error = xd @ w0.double().numpy().T + b0.double().numpy() - yd
    assert w1.detach().double().numpy() == pytest.approx(
        w0.double().numpy() - 1e-5 * 2 / error.size * error.T @ xd, abs=1e-6)
    assert b1.detach().double().numpy() == pytest.approx(
        b0.double().numpy() - 1e-5 * 2 / error.size * error.sum(axis=0), abs=1e-6)


def test_module_runs_alone():
    from conftest import run_script

    done = run_script("linreg")
    assert done.stdout.startswith("device: ")
    assert "inputs (5, 3) float32 targets (5, 2) float32" in done.stdout
    assert np.array_equal(linreg.inputs[0], [73, 67, 43])
