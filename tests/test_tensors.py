"""Chapter 2: tensor ranks, the gradient demos, and the memory that from_numpy
shares (and .to(device) on a GPU does not)."""

import numpy as np
import pytest
import torch

import linreg
from conftest import assert_prints_the_page, run_snippet


@pytest.fixture(scope="module")
def tensors():
    return run_snippet("tensors")


def test_ranks_shapes_dtypes_devices(tensors):
    ns, out = tensors
    expected = {"scalar": (0, ()), "vector": (1, (3,)), "matrix": (2, (5, 3)),
                "years": (3, (4, 5, 3))}
    for name, (ndim, shape) in expected.items():
        assert ns[name].ndim == ndim and tuple(ns[name].shape) == shape, name
        assert ns[name].dtype == torch.float32 and ns[name].device.type == "cpu"
    assert "scalar: ndim=0 shape=torch.Size([])" in out
    assert "   3-d: ndim=3 shape=torch.Size([4, 5, 3])" in out
    assert "the scalar as a Python number: 73.0" in out


def test_gradient_of_a_weighted_sum_is_the_features(tensors):
    ns, out = tensors
    features = linreg.inputs[0]
    assert ns["total"].item() == pytest.approx(float(np.dot([0.5, -1.0, 2.0], features)))
    assert ns["weights"].grad.tolist() == features.tolist()
    assert "its gradient with respect to the weights: tensor([73., 67., 43.])" in out


def test_tensor_on_the_device_and_results_stay_there(tensors):
    ns, out = tensors
    device = linreg.pick_device()
    assert ns["on_device"].device.type == ns["doubled"].device.type == device.type
    assert torch.equal(ns["doubled"].cpu(), ns["matrix"] * 2)


def test_graph_follows_python_control_flow(tensors):
    ns, out = tensors
    for start, steps in ((3.0, 6), (30.0, 2)):
        a = torch.tensor(start, requires_grad=True)
        result, n = ns["double_until"](a, 100.0)
        result.backward()
        assert n == steps and a.grad.item() == 2.0**steps
        assert result.item() == start * 2**steps
    assert "start  3.0: 6 doublings, out = 192.0, d out / d start = 64.0" in out
    assert "start 30.0: 2 doublings, out = 120.0, d out / d start = 4.0" in out


def test_from_numpy_shares_memory_and_torch_tensor_copies(tensors):
    ns, out = tensors
    x, inputs = ns["x"], ns["inputs"]
    assert x.data_ptr() == inputs.__array_interface__["data"][0]
    assert ns["y"].data_ptr() == ns["targets"].__array_interface__["data"][0]
    assert not np.shares_memory(ns["matrix"].numpy(), inputs)
    assert "x shares memory with inputs:      True" in out
    assert "matrix shares memory with inputs: False" in out


def test_the_edit_reached_the_tensor_not_the_copy_and_was_undone(tensors):
    ns, out = tensors
    assert "x[0]       tensor([ 0., 67., 43.])" in out  # the array's edit, seen by x
    assert "matrix[0]  tensor([73., 67., 43.])" in out  # the copy kept its value
    assert "inputs[0]  [73. 67. 43.]" in out  # written back through the tensor
    assert "back is inputs: False | same memory: True" in out
    # the lesson's shared array is as chapter 1 defined it
    assert linreg.inputs[0].tolist() == [73, 67, 43] and ns["x"][0].tolist() == [73, 67, 43]


def test_to_device_copies_only_when_the_device_changes(tensors):
    ns, out = tensors
    on_cpu = ns["x_dev"].device.type == "cpu"
    assert ns["follows"] == on_cpu
    assert (ns["x_dev"] is ns["x"]) == on_cpu
    assert f"uses the memory of inputs: {on_cpu}" in out


def test_exercises():
    ns, out = run_snippet("tensors_exercises")
    targets = linreg.targets
    for name in ("copied", "cloned"):
        assert not np.shares_memory(ns[name].numpy(), targets)
        assert ns[name].tolist() == targets.tolist()
    assert "shares memory with targets: True" not in out
    slopes = {}
    for mm in (67.0, 134.0):
        rain = torch.tensor(mm, requires_grad=True)
        ns["capped"](rain).backward()
        slopes[mm] = rain.grad.item()
    assert slopes[67.0] == 1.0 and slopes[134.0] == pytest.approx(0.1)
    assert "rain  67.0 mm: slope 1.0" in out and "rain 134.0 mm: slope 0.1" in out


def test_snippets_print_what_the_page_shows(site, tensors):
    """`python snippets/tensors.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "tensors", tensors[1], run_snippet("tensors_exercises")[1])


def test_a_nudge_changes_the_sum_by_h_times_the_gradient(tensors):
    ns, out = tensors
    features = linreg.inputs[0].astype(np.float64)
    weights = np.array([0.5, -1.0, 2.0])
    h = ns["h"]
    for j in range(3):
        nudged = weights.copy()
        nudged[j] += h
        change = nudged @ features - weights @ features  # float64, independent of torch
        assert change == pytest.approx(h * features[j])
        assert (f"w_{j + 1} grows by h: total changes by {change:.4f}, "
                f"h × gradient = {h * features[j]:.4f}") in out


def test_the_picture_is_a_sawtooth_whose_slope_halves_at_each_tooth(tensors):
    ns, _ = tensors
    starts, outs, slopes = ns["starts"], ns["outs"], ns["slopes"]
    assert len(starts) == 240 and starts[0] == pytest.approx(1.0) and starts[-1] < 100
    for start, out, slope in zip(starts, outs, slopes):
        n = 0
        while start * 2**n < 100:
            n += 1
        assert slope == 2.0**n and out == pytest.approx(start * 2**n, rel=1e-6)
    assert sorted(set(slopes)) == [2.0**n for n in range(1, 8)]
