"""Chapter 4: the model's shapes, the transpose and broadcast, region 1 by hand,
the notebook's 2×2 example, the untrained predictions and their graph."""

import numpy as np
import pytest
import torch

import linreg
from conftest import assert_prints_the_page, run_snippet


@pytest.fixture(scope="module")
def model_run():
    return run_snippet("model")


def as_numpy(t):
    return t.detach().cpu().numpy().astype(np.float64)


def test_predictions_match_an_independent_float64_computation(model_run):
    ns, _ = model_run
    w, b = as_numpy(ns["w"]), as_numpy(ns["b"])
    expected = linreg.inputs.astype(np.float64) @ w.T + b
    assert tuple(ns["xw"].shape) == tuple(ns["preds"].shape) == (5, 2)
    assert np.allclose(as_numpy(ns["preds"]), expected, atol=1e-3)
    assert torch.equal(ns["preds"], ns["xw"] + ns["b"])


def test_transpose_is_needed_and_is_a_view(model_run):
    ns, out = model_run
    assert ns["shape_error"] == "mat1 and mat2 shapes cannot be multiplied (5x3 and 2x3)"
    assert "x (5, 3) | w (2, 3) | w.t() (3, 2)" in out
    assert "w.t() shares w's memory: True" in out


def test_bias_is_added_to_every_row(model_run):
    ns, out = model_run
    b = as_numpy(ns["b"])
    diff = as_numpy(ns["preds"]) - as_numpy(ns["xw"])
    assert np.allclose(diff, np.tile(b, (5, 1)), atol=1e-4)
    assert out.count(f"[{b[0]:.3f}, {b[1]:.3f}]") == 1 + 5  # b, then its five broadcast rows


def test_region_1_by_hand_equals_the_model(model_run):
    ns, out = model_run
    w, b = as_numpy(ns["w"]), as_numpy(ns["b"])
    features = [73.0, 67.0, 43.0]
    assert ns["region1"] == features
    for k in range(2):
        products = [w[k, j] * features[j] for j in range(3)]
        assert ns["products"][k] == pytest.approx(products)
        assert ns["by_hand"][k] == pytest.approx(sum(products) + b[k])
        assert ns["by_hand"][k] == pytest.approx(ns["preds"][0, k].item(), abs=1e-4)
    assert "model(), region 1: tensor([ -0.452, -90.469])" in out


def test_region_1_products_follow_from_the_numbers_shown(model_run):
    """Each printed product is the printed feature times the printed weight, and each printed
    sum is the printed products plus the printed bias, to the three decimals shown."""
    _, out = model_run
    rows = [line.split() for line in out.splitlines()
            if line.split()[:1] in (["temp"], ["rain"], ["humidity"], ["bias"], ["sum"])]
    assert len(rows) == 10
    for fruit in range(2):
        block = rows[5 * fruit: 5 * fruit + 5]
        total = 0.0
        for name, x, w, product in block[:3]:
            assert round(float(x) * float(w), 3) == pytest.approx(float(product), abs=1e-9), name
            total += float(x) * float(w)
        bias = float(block[3][2])
        assert float(block[3][3]) == pytest.approx(round(bias, 3))
        assert float(block[4][1]) == pytest.approx(round(total + bias, 3), abs=1e-9)


def test_notebook_example_correct_output_and_the_slip(model_run):
    ns, out = model_run
    x2, w2, b2 = ns["x2"].numpy(), ns["w2"].numpy(), ns["b2"].numpy()
    correct = [[1 * 0.5 + 2 * 1.0 + 0.1, 1 * 1.5 + 2 * 2.0 + 0.2],
               [3 * 0.5 + 4 * 1.0 + 0.1, 3 * 1.5 + 4 * 2.0 + 0.2]]
    assert np.allclose(correct, [[2.6, 5.7], [5.6, 12.7]])
    assert np.allclose(ns["example"].numpy(), correct)
    assert np.allclose(x2 @ w2.T + b2, correct)
    assert "tensor([[ 2.600,  5.700],\n        [ 5.600, 12.700]])" in out
    shown = ns["notebook_shows"].numpy()  # what the notebook printed
    assert np.allclose(shown, [[2.6, 5.2], [5.6, 11.2]])
    assert np.allclose(shown[:, 0], np.array(correct)[:, 0])
    assert not np.allclose(shown[:, 1], np.array(correct)[:, 1])
    assert np.allclose(shown[:, 1], (x2 @ w2 + b2)[:, 1])  # the second column without the .T
    assert "right column 1: True | right column 2: False" in out
    assert "column 2 as without the transpose: True" in out


def test_untrained_predictions_are_far_off(model_run):
    ns, out = model_run
    rows = [line.split() for line in out.splitlines()
            if line.split()[:1] in (["1"], ["2"], ["3"], ["4"], ["5"])]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    preds = as_numpy(ns["preds"])
    for i, row in enumerate(rows):
        assert [float(v) for v in row[1:]] == pytest.approx(
            [preds[i, 0], linreg.targets[i, 0], preds[i, 1], linreg.targets[i, 1]], abs=0.06)
    assert np.abs(preds - linreg.targets).max() > 100
    assert (preds < 0).sum() >= 5
    # the largest miss, printed and quoted: region 3's oranges
    gaps = np.abs(preds - linreg.targets)
    assert np.unravel_index(gaps.argmax(), gaps.shape) == (2, 1)
    assert f"largest miss: {gaps.max():.1f}" in out


def test_graph_behind_the_predictions(model_run):
    ns, out = model_run
    assert ns["preds"].grad_fn.name() == "AddBackward0"
    assert "grad_fn=<AddBackward0>" in out
    assert ("AddBackward0\n"
            "  MmBackward0\n"
            "    TBackward0\n"
            "      AccumulateGrad: a parameter, shape (2, 3)\n"
            "  AccumulateGrad: a parameter, shape (2,)\n") in out


def test_exercises():
    ns, out = run_snippet("model_exercises")
    assert "(3,)   -> (2,)" in out and "(1, 3) -> (1, 2)" in out
    w, b = (as_numpy(t) for t in linreg.init_params())
    expected = np.array([80.0, 100.0, 60.0]) @ w.T + b
    assert np.allclose(as_numpy(linreg.model(ns["as_row"], ns["w_new"], ns["b_new"]))[0],
                       expected, atol=1e-3)
    x = torch.from_numpy(linreg.inputs)
    looped = ns["model_by_loops"](x, *linreg.init_params())
    assert np.allclose(as_numpy(looped), linreg.inputs @ w.T + b, atol=1e-3)
    assert "loops agree with model(): True" in out


def test_snippets_print_what_the_page_shows(site, model_run):
    """`python snippets/model.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "model", model_run[1], run_snippet("model_exercises")[1])
