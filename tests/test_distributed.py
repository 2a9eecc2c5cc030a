"""Chapter 14: two torchrun processes on gloo train the 1,000 regions with DDP and solve the exact
answer from all-reduced sums; both give the weights of one process, checked here against NumPy in
float64. The script refuses bad starts with clear errors."""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import socket
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from linreg import init_params


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("distributed")


@pytest.fixture(scope="module")
def chapter(folder):
    """The chapter's snippet, run in an empty folder: it writes regions.npy and ddp_regions.py
    there and starts torchrun with two processes."""
    with contextlib.chdir(folder):
        yield run_snippet("distributed")
    plt.close("all")


@pytest.fixture(scope="module")
def exercises():
    yield run_snippet("distributed_exercises")
    plt.close("all")


@pytest.fixture(scope="module")
def rows(chapter, folder):
    return np.load(folder / "regions.npy").astype(np.float64)


def gradient_descent(x, y, lr=1e-5, epochs=20):
    """Full-batch gradient descent on the mean squared error, in float64, from init_params(0):
    the independent oracle for what DDP and one process compute in float32."""
    w, b = (t.detach().double().numpy() for t in init_params(seed=0))
    losses = []
    for _ in range(epochs):
        e = x @ w.T + b - y  # E = Ŷ − Y
        losses.append((e ** 2).mean())
        scale = 2 / e.size
        w, b = w - lr * scale * e.T @ x, b - lr * scale * e.sum(0)
    return w, b, losses


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(folder, nproc, *extra):
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
         "--master_addr", "127.0.0.1", "--master_port", str(free_port()), *extra,
         "ddp_regions.py"],
        capture_output=True, text=True, cwd=folder, timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_the_file_holds_chapter_9s_regions(chapter, rows):
    ns, out = chapter
    assert rows.shape == (1000, 5)
    assert np.array_equal(rows[:, :3], ns["big_x"].cpu().double().numpy())
    assert np.array_equal(rows[:, 3:], ns["big_y"].cpu().double().numpy())
    assert "regions.npy: (1000, 5) float32 20,000 bytes" in out


def test_each_rank_summed_its_own_half(chapter, rows):
    ns, out = chapter
    a = np.hstack([rows[:, :3], np.ones((1000, 1)), rows[:, 3:]])  # [X | 1 | Y]
    for r, half in enumerate((a[:500], a[500:])):
        got = ns["ranks"][r]
        assert got["rows"] == 500 and got["world"] == 2
        assert np.allclose(got["sums"].numpy(), half.T @ half, rtol=1e-12)
    assert "2 processes, 500 rows each, backend gloo" in out


def test_ddp_weights_are_gradient_descents_to_float32_precision(chapter, rows):
    ns, out = chapter
    w, b, losses = gradient_descent(rows[:, :3], rows[:, 3:])
    for got in ns["ranks"]:
        assert np.allclose(got["weight"].double().numpy(), w, rtol=1e-5, atol=0)
        assert np.allclose(got["bias"].double().numpy(), b, rtol=1e-5, atol=1e-7)
        # the all-reduced losses are those of all rows, epoch by epoch
        assert np.allclose(got["losses"].double().numpy(), losses, rtol=1e-5)
    assert f"loss of all rows, epoch 1: {losses[0]:.2f}, epoch 20: {losses[-1]:.2f}" in out
    assert "every rank ends with the same weights: True" in out
    # and the one process of the page agrees with both
    assert np.allclose(ns["one"].weight.detach().double().numpy(), w, rtol=1e-5, atol=0)
    assert ns["weight_gap"] < 1e-6 * np.abs(w).max()
    assert "same to float32 precision: True" in out


def test_the_weights_moved(chapter):
    """Equal weights would prove nothing if training had not changed them."""
    ns, _ = chapter
    w0, _ = init_params(seed=0)
    assert (ns["ranks"][0]["weight"] - w0.detach()).abs().max() > 1e-3


def test_exact_answer_from_one_all_reduce_is_least_squares(chapter, rows):
    ns, out = chapter
    x_tilde = np.hstack([rows[:, :3], np.ones((1000, 1))])
    theta = np.linalg.lstsq(x_tilde, rows[:, 3:], rcond=None)[0]
    for got in ns["ranks"]:
        assert np.allclose(got["theta"].numpy(), theta, rtol=1e-9, atol=1e-9)
    assert "same as lstsq on all rows in one process, to 1e-9: True" in out
    assert "every rank solved the same sums: True" in out
    # its loss, far below where twenty steps of gradient descent got
    best = np.mean((x_tilde @ theta - rows[:, 3:]) ** 2)
    gd = ns["ranks"][0]["losses"][-1].item()
    assert f"its loss: {best:.2f}; gradient descent's in epoch 20: {gd:.2f}" in out
    assert best < gd / 100


def test_torchrun_refuses_rows_that_do_not_split(chapter, folder):
    done = torchrun(folder, 3)
    assert done.returncode != 0
    assert "ValueError: 1000 rows do not split into 3 equal shards" in done.stderr


def test_the_script_without_torchrun_says_how_to_start_it(chapter, folder):
    done = subprocess.run([sys.executable, "ddp_regions.py"], capture_output=True, text=True,
                          cwd=folder, timeout=120)
    assert done.returncode == 1
    assert "start me with torchrun" in done.stderr and "--nproc_per_node" in done.stderr


def test_a_missing_gloo_backend_is_a_clear_error(chapter, folder, monkeypatch):
    script = runpy.run_path(str(folder / "ddp_regions.py"))
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setattr(torch.distributed, "is_gloo_available", lambda: False)
    with pytest.raises(RuntimeError, match="no gloo backend"):
        script["start"]()


def test_shard_splits_rows_in_order(chapter):
    shard = chapter[0]["ddp"]["shard"]
    assert [shard(1000, r, 4) for r in range(4)] == [slice(250 * r, 250 * (r + 1))
                                                     for r in range(4)]
    with pytest.raises(ValueError, match="leave out the last 1 row"):
        shard(1000, 0, 3)


def test_memory_arithmetic(chapter):
    _, out = chapter
    for n, d in [(10**7, 3), (10**9, 3), (10**7, 1000), (10**8, 1000)]:
        gib = n * d * 4 / 2**30
        fits = "yes" if gib < 80 else "no"
        assert re.search(rf"{re.escape(f'{n:.0e}')}\s+{d:,}\s+{gib:,.1f} GiB\s+{fits}", out)
    assert f"{(100_000 + 3) ** 2 * 8:,} bytes" in out


def test_exercises(exercises):
    ns, out = exercises
    assert "drop_last=False: rank 0 gets rows [0, 2, 4], rank 1 gets [1, 3, 0]" in out
    assert "drop_last=True: rank 0 gets rows [0, 2], rank 1 gets [1, 3]" in out
    from linreg import inputs, targets
    x, y = inputs.astype(np.float64), targets.astype(np.float64)
    theta = np.linalg.lstsq(np.hstack([x, np.ones((5, 1))]), y, rcond=None)[0]
    assert np.allclose(ns["theta_shards"].numpy(), theta, atol=1e-8)
    # the gradient of the mean over rows, by the formula (2/(N·m)) Eᵀ X, per shard
    w, b = (t.detach().double().numpy() for t in init_params(seed=0))

    def grad(xs, ys):
        e = xs @ w.T + b - ys
        return 2 / e.size * e.T @ xs

    true, g0, g1 = grad(x, y), grad(x[:2], y[:2]), grad(x[2:], y[2:])
    off = np.linalg.norm((g0 + g1) / 2 - true) / np.linalg.norm(true)
    assert f"plain average off by  {off:.1%}" in out
    assert np.allclose((2 * g0 + 3 * g1) / 5, true)
    assert "row-weighted: the gradient of all rows, to float32 rounding: True" in out


def test_prints_what_the_page_shows(site, chapter, exercises):
    assert_prints_the_page(site, "distributed", chapter[1], exercises[1])
