"""Chapter 1: the data's shapes, dtype and the float32 facts the page states."""

import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet


@pytest.fixture(scope="module")
def data():
    return run_snippet("data")


def test_shapes_and_dtype(data):
    ns, _ = data
    assert ns["inputs"].shape == (5, 3) and ns["targets"].shape == (5, 2)
    assert ns["inputs"].dtype == ns["targets"].dtype == np.float32
    assert ns["inputs"][2].tolist() == [87, 134, 58] and ns["targets"][3].tolist() == [22, 37]


def test_table_lists_every_region(data):
    _, out = data
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"], ["3"], ["4"], ["5"])]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[2][1:4] == ["87", "134", "58"] and rows[2][5:] == ["119", "133"]


def test_precision_facts(data):
    _, out = data
    assert "float32: 4 bytes, eps = 1.19e-07, about 6.9 significant" in out
    assert "float64: 8 bytes, eps = 2.22e-16, about 15.7 significant" in out
    assert "2**24 + 1 as float32: 16777216" in out


def test_memory_doubles_in_float64(data):
    _, out = data
    assert "in float32: 11.4 MiB" in out and "in float64: 22.9 MiB" in out


def test_matmul_refuses_mixed_dtypes_and_multiplication_promotes(data):
    _, out = data
    assert "torch.int64 @ float32 -> RuntimeError: expected m1 and m2 to have the same dtype" in out
    assert "torch.float64 @ float32 -> RuntimeError: expected m1 and m2 to have the same dtype" in out
    assert "torch.int64 * float32 -> torch.float32" in out
    assert "torch.float64 * float32 -> torch.float64" in out  # silent, and twice the bytes
    assert "float32 @ float32 -> torch.Size([1, 2])" in out
    # independently of the snippet
    assert (torch.ones(2, dtype=torch.float64) * torch.ones(2)).dtype == torch.float64
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.ones(1, 2, dtype=torch.float64) @ torch.ones(2, 2)


def test_the_picture_shows_each_feature_against_each_target(data):
    ns, _ = data
    axes = ns["axes"]
    assert axes.shape == (3, 2)
    for j in range(3):
        for k in range(2):
            xs, ys = axes[j, k].lines[0].get_data()
            assert list(xs) == ns["inputs"][:, j].tolist() and list(ys) == ns["targets"][:, k].tolist()
            assert [t.get_text() for t in axes[j, k].texts] == ["1", "2", "3", "4", "5"]


def test_correlations_back_what_the_prose_says(data):
    """Rainfall tracks both yields, humidity less so, temperature runs the other way; the
    printed table holds numpy's own correlations."""
    ns, out = data
    corr = np.corrcoef(ns["inputs"].T, ns["targets"].T)[:3, 3:]
    assert (corr[1] > 0.9).all() and (0.5 < corr[2]).all() and (corr[2] < corr[1]).all()
    assert (corr[0] < 0).all()
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in out.splitlines()
            if line.split()[:1] in (["temperature"], ["rainfall"], ["humidity"])}
    assert rows == {name: [round(float(c), 2) for c in corr[j]]
                    for j, name in enumerate(["temperature", "rainfall", "humidity"])}


def test_exercises():
    ns, out = run_snippet("data_exercises")
    assert ns["first_gap"] == 2**24 + 1
    assert "float32: 191 MiB" in out and "float64: 381 MiB" in out


def test_snippets_print_what_the_page_shows(site, data):
    """`python snippets/data.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "data", data[1], run_snippet("data_exercises")[1])
