"""Chapter 8: from the weights the notebook printed, our code reproduces every number it
published, within an allowance derived from the rounding of those weights, which is checked
here against autograd through the unrolled training run."""

import re

import numpy as np
import pytest
import torch

from conftest import ROOT, assert_prints_the_page, run_snippet
from linreg import inputs, targets

SEED = ROOT.parent / "shared" / "seed" / "linear-regression-notebook.txt"
H = 5e-5


@pytest.fixture(scope="module")
def rep():
    return run_snippet("reproduce")


def unrolled(theta, updates=20, lr=1e-5):
    """Gradient descent in float64 written without in-place steps, so that autograd can
    differentiate every loss and the final predictions with respect to the start theta."""
    x, y = torch.from_numpy(inputs).double(), torch.from_numpy(targets).double()
    w, b = theta[:6].reshape(2, 3), theta[6:]
    losses = []
    for _ in range(updates + 1):
        preds = x @ w.T + b
        losses.append(((preds - y) ** 2).mean())
        error = 2 / preds.numel() * (preds - y)
        w, b = w - lr * error.T @ x, b - lr * error.sum(dim=0)
    return torch.cat([torch.stack(losses), preds.flatten()])


def test_published_numbers_are_the_notebooks(rep):
    if not SEED.exists():
        pytest.skip(f"{SEED} is not on this machine")
    text = SEED.read_text(encoding="utf-8")
    notebook = rep[0]["notebook"]
    loop = [float(v) for v in re.findall(r"Epochs : \d+ , Loss : ([\d.]+)", text)]
    assert notebook["losses"][1:] == loop
    for value in ("45659.9414", "30998.1914"):
        assert f"tensor({value}, grad_fn" in text
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d{4}\b", text)]
    for name in ("w", "b", "preds", "w_grad", "b_grad", "final_preds"):
        flat = np.ravel(notebook[name]).tolist()
        assert any(numbers[i:i + len(flat)] == flat for i in range(len(numbers))), name


def test_every_published_number_is_within_its_allowance(rep):
    ns, out = rep
    for name, ours in ns["ours"].items():
        gap = (ours - ns["published"][name]).abs()
        assert (gap <= ns["allowed"][name]).all(), name
    assert len(ns["published"]["losses"]) == 21
    assert "every published number within its allowance: True" in out


def test_allowance_matches_autograd_through_the_run(rep):
    ns, _ = rep
    start = torch.tensor(ns["notebook"]["w"][0] + ns["notebook"]["w"][1] + ns["notebook"]["b"],
                         dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(unrolled, start)  # (21 + 10) × 8
    first_order = H * jacobian.abs().sum(dim=1)
    assert ns["slope"]["losses"].numpy() == pytest.approx(first_order[:21].numpy(), rel=1e-6)
    final = ns["slope"]["final_preds"].flatten().numpy()
    assert final == pytest.approx(first_order[21:].numpy(), rel=1e-6)
    # the first loss's bound is the one computed from the gradient of chapter 6
    assert ns["first_bound"] == pytest.approx(first_order[0].item(), rel=1e-5)
    # curvature and printing add little: the first-order bound is almost all of it
    assert (ns["allowed"]["losses"] - ns["slope"]["losses"] <= 2 * H + 1e-3).all()


def test_ours_is_the_float64_computation_up_to_float32_rounding(rep):
    ns, _ = rep
    start = torch.tensor(ns["notebook"]["w"][0] + ns["notebook"]["w"][1] + ns["notebook"]["b"],
                         dtype=torch.float64)
    exact = unrolled(start)
    assert ns["ours"]["losses"].numpy() == pytest.approx(exact[:21].numpy(), rel=1e-6)
    final = ns["ours"]["final_preds"].flatten().numpy()
    assert final == pytest.approx(exact[21:].numpy(), abs=1e-4)
    assert ns["float32_noise"] < 0.01 and ns["headroom"] > 10


def test_each_loss_follows_the_update_count_worked_out(rep):
    """Shifted by one update, as the notebook's own labels suggest, nothing would agree."""
    ns, _ = rep
    theirs, ours, allowed = (ns[k]["losses"] for k in ("published", "ours", "allowed"))
    assert ((ours - theirs).abs() <= allowed).all()
    assert ((ours[:-1] - theirs[1:]).abs() > 100 * allowed[1:]).all()
    assert ((ours[1:] - theirs[:-1]).abs() > 100 * allowed[:-1]).all()


def test_exercise_first_order_prediction():
    ns, out = run_snippet("reproduce_exercises")
    x, y = inputs.astype(np.float64), targets.astype(np.float64)

    def loss(w, b):  # NumPy, float64
        return np.mean((x @ w.detach().double().numpy().T + b.detach().double().numpy() - y) ** 2)

    actual = loss(ns["w_round"], ns["b_round"]) - loss(ns["w_full"], ns["b_full"])
    assert ns["actual"] == pytest.approx(actual, abs=1e-8)
    assert actual == pytest.approx(ns["predicted"].item(), abs=1e-4)  # it is nearly linear here
    assert f"actual change {actual:+.4f}, first-order prediction" in out
    assert abs(actual) <= ns["worst"].item()
    assert ns["delta_w"].abs().max().item() <= H


def test_snippets_print_what_the_page_shows(site, rep):
    """`python snippets/reproduce.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "reproduce", rep[1], run_snippet("reproduce_exercises")[1])
