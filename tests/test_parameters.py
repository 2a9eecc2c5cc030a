"""Chapter 3: the parameters' shapes, values and flags, what a weight and the
bias do, the standard normal draws, seeding, and the integer error."""

import math

import pytest
import torch

import linreg
from conftest import assert_prints_the_page, run_snippet


@pytest.fixture(scope="module")
def parameters():
    return run_snippet("parameters")


def test_shapes_dtype_device_and_flags(parameters):
    ns, out = parameters
    w, b = ns["w"], ns["b"]
    assert tuple(w.shape) == (2, 3) and tuple(b.shape) == (2,)
    assert w.dtype == b.dtype == torch.float32
    assert w.device.type == b.device.type == linreg.pick_device().type
    assert w.requires_grad and b.requires_grad and w.is_leaf and b.is_leaf
    assert "w (2, 3) = (outputs, features)" in out and "b (2,) = (outputs,)" in out


def test_values_are_the_seed_0_standard_normal_draws(parameters):
    ns, _ = parameters
    gen = torch.Generator().manual_seed(0)
    assert torch.equal(ns["w"].detach().cpu(), torch.randn(2, 3, generator=gen))
    assert torch.equal(ns["b"].detach().cpu(), torch.randn(2, generator=gen))


def test_table_labels_each_weight(parameters):
    ns, out = parameters
    w, b = ns["w"].detach().cpu(), ns["b"].detach().cpu()
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]]
            for line in out.splitlines() if line.split()[:1] in (["apples"], ["oranges"])}
    for k, fruit in enumerate(["apples", "oranges"]):
        assert rows[fruit] == pytest.approx(w[k].tolist() + [b[k].item()], abs=5e-4)


def test_a_weight_is_the_change_per_unit_of_its_feature(parameters):
    ns, _ = parameters
    w, b = ns["w"].detach().cpu().double(), ns["b"].detach().cpu().double()
    region = torch.tensor(linreg.inputs[0], dtype=torch.float64)
    expected = w @ region + b  # float64, computed independently
    assert torch.allclose(ns["before"].cpu().double(), expected, atol=1e-4)
    change = (ns["after"] - ns["before"]).cpu().double()
    assert torch.allclose(change, w[:, 1], atol=1e-4)


def test_bias_is_the_prediction_at_zero_and_without_it_zero_stays_zero(parameters):
    ns, out = parameters
    b = ns["b"].detach().cpu()
    assert f"with bias:    tensor([{b[0]:.3f}, {b[1]:.3f}]" in out
    assert "without bias: tensor([0., 0.]" in out


def test_randn_is_standard_normal(parameters):
    ns, _ = parameters
    draws = ns["draws"]
    assert draws.numel() == 1_000_000
    assert abs(draws.mean().item()) < 0.005 and abs(draws.std().item() - 1) < 0.005
    assert ns["share_within_1"] == pytest.approx(math.erf(1 / math.sqrt(2)), abs=0.003)


def test_requires_grad_records_and_grad_is_none_until_backward(parameters):
    ns, out = parameters
    assert "requires_grad: True | leaf: True | grad: None" in out
    assert "score was made by: SumBackward0" in out
    assert "tensor([[2., 2., 2.],\n        [2., 2., 2.]]" in out  # d(2·sum w)/dw
    assert ns["w"].grad is None  # the demonstration cleaned up after itself
    assert not ns["as_double"].is_leaf
    assert "w.double(): leaf: False | made by: ToCopyBackward0" in out


def test_moving_after_requires_grad_makes_a_non_leaf():
    """The reason init_params moves first: a copy of a recorded tensor is not a leaf."""
    made_then_copied = torch.randn(2, 3, requires_grad=True).to(torch.float64)
    assert not made_then_copied.is_leaf
    for device in ("cpu", linreg.pick_device()):
        w, b = linreg.init_params(device=device)
        assert w.is_leaf and b.is_leaf


def test_seed_fixes_the_numbers(parameters):
    ns, out = parameters
    assert torch.equal(ns["first"], ns["again"]) and not torch.equal(ns["first"], ns["other"])
    assert "two unseeded draws equal? False" in out
    assert "seed 0 twice, equal to the last bit: True" in out


def test_integers_cannot_require_gradients(parameters):
    ns, out = parameters
    message = "Only Tensors of floating point and complex dtype can require gradients"
    assert ns["int_error"] == message
    assert f"RuntimeError: {message}" in out
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([[73, 67, 43]], requires_grad=True)


def test_exercises():
    ns, out = run_snippet("parameters_exercises")
    assert tuple(ns["w_big"].shape) == (3, 4) and tuple(ns["b_big"].shape) == (3,)
    stream = torch.randn(8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(ns["w_big"].detach().flatten()[:8], stream)
    assert "draws 1-6 equal the small w: True" in out
    assert "draws 7-8 equal the small b: True" in out
    for k in (1, 2, 3):
        share = (ns["z"].abs() < k).float().mean().item()
        assert share == pytest.approx(math.erf(k / math.sqrt(2)), abs=0.003)
        assert f"within {k} of 0: {share:.4f} (normal curve: {math.erf(k / 2**0.5):.4f})" in out


def test_snippets_print_what_the_page_shows(site, parameters):
    """`python snippets/parameters.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "parameters", parameters[1], run_snippet("parameters_exercises")[1])


def test_each_line_of_the_picture_has_its_rain_weight_as_slope(parameters):
    ns, _ = parameters
    w = ns["w"].detach().cpu().double()
    lines, rains = ns["lines"].cpu().double(), ns["rains"].cpu().double()
    assert rains.tolist() == [30.0 + 10 * n for n in range(13)]
    slopes = (lines[1:] - lines[:-1]) / 10  # per millimetre, between neighbouring points
    assert torch.allclose(slopes, w[:, 1].expand_as(slopes), atol=1e-4)
    at_67 = w @ torch.tensor([73.0, 67.0, 43.0], dtype=torch.float64) + ns["b"].detach().cpu()
    assert torch.allclose(ns["before"].cpu().double(), at_67.double(), atol=1e-4)


def test_a_non_leaf_copy_fails_loudly_at_the_first_update(parameters):
    ns, out = parameters
    assert not ns["copy"].is_leaf and ns["grad"] is None
    assert "copy.grad after backward(): None" in out
    assert "warning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed" in out
    assert "TypeError: unsupported operand type(s) for *: 'NoneType' and 'float'" in out
    assert "ValueError: can't optimize a non-leaf Tensor" in out
    with pytest.raises(ValueError, match="non-leaf"):  # independent of the snippet
        torch.optim.SGD([torch.zeros(2, requires_grad=True) * 1], lr=0.1)
