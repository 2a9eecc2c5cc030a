"""Chapter 13: every method reaches the same weights, the gradients match autograd, the benchmark
runs at tiny N (no timing asserted), memory checks fail cleanly, and the committed results agree
with the page's claims."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import runpy
import subprocess
import sys
import textwrap

import pytest
import torch

from conftest import ROOT, SNIPPETS, assert_prints_the_page, run_script, run_snippet

BENCH = ROOT / "bench"
RESULTS = sorted(BENCH.glob("results-*.json"))


@pytest.fixture(scope="module")
def chapter():
    """The snippet's functions and what it printed, without running its command line."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = runpy.run_path(str(SNIPPETS / "scaling_up.py"), run_name="scaling_up")
    return namespace, out.getvalue()


def flat(w, b):
    return torch.cat([w.detach().flatten(), b.detach().flatten()])


def test_data_is_seeded_and_follows_the_documented_rule(chapter):
    ns, _ = chapter
    x, y = ns["make_data"](50_000)
    assert x.shape == (50_000, 3) and y.shape == (50_000, 2) and x.dtype == y.dtype == torch.float32
    again, _ = ns["make_data"](50_000)
    other, _ = ns["make_data"](50_000, seed=1)
    assert torch.equal(x, again) and not torch.equal(x, other)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02  # standardised
    noise = y - (x @ ns["W_TRUE"].t() + ns["B_TRUE"])
    assert abs(noise.std() - 0.1) < 0.002 and abs(noise.mean()) < 0.002


def test_every_method_reaches_the_least_squares_weights(chapter):
    ns, _ = chapter
    x, y = ns["x"], ns["y"]
    ones = torch.ones(len(x), 1)
    oracle = torch.linalg.lstsq(torch.cat([x, ones], 1), y).solution  # 4×2, QR: independent
    exact = flat(oracle[:-1].t(), oracle[-1])
    assert set(ns["fits"]) == {"full batch, autograd", "full batch, by hand", "full batch, fused",
                               "DataLoader", "slicing", "closed form", "gradient descent on A"}
    for name, (w, b) in ns["fits"].items():
        tolerance = 5e-3 if name in ("DataLoader", "slicing") else 1e-4  # minibatch noise
        gap = (flat(w, b) - exact).abs().max().item()
        assert gap < tolerance, f"{name} is {gap:.2g} from least squares"
    assert (exact - flat(ns["W_TRUE"], ns["B_TRUE"])).abs().max() < 0.01  # and near the truth


def test_page_output_states_the_agreement(chapter):
    _, out = chapter
    gaps = {line.split(" largest")[0].strip(): float(line.rsplit(" ", 1)[1])
            for line in out.splitlines() if "largest difference" in line}
    assert len(gaps) == 7 and max(gaps.values()) <= 0.005
    assert "an epoch reads at least 200,000 bytes, 20 per row" in out


@pytest.mark.parametrize("chunk", [None, 777, 10_000])
def test_gradients_by_hand_equal_autograd(chapter, chunk):
    ns, _ = chapter
    x, y = ns["make_data"](3_000, seed=2)
    w, b = ns["init_params"](seed=3)
    loss = ns["mse"](ns["model"](x, w, b), y)
    loss.backward()
    for grads in (functools.partial(ns["grads_by_hand"], chunk=chunk), ns["grads_fused"]):
        with torch.no_grad():
            mine = grads(x, y, w, b)
        for got, want in zip(mine, (loss, w.grad, b.grad)):
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (grads, got, want)


def test_a_step_on_a_is_the_full_batch_step(chapter):
    ns, _ = chapter
    x, y = ns["make_data"](5_000, seed=4)
    a, c = ns["normal_equations"](x, y)
    ones = torch.cat([x, torch.ones(len(x), 1)], 1)
    assert torch.allclose(a, ones.t() @ ones, rtol=1e-5, atol=1e-2)  # sums of 5,000 numbers
    assert torch.allclose(c, ones.t() @ y, rtol=1e-5, atol=1e-2)
    w1, b1 = ns["init_params"](seed=5)
    w2, b2 = ns["init_params"](seed=5)
    ns["step_gram"](a, c, len(x), w1, b1, lr=0.5)
    ns["step_with"](ns["grads_by_hand"], x, y, w2, b2, lr=0.5)
    assert torch.allclose(flat(w1, b1), flat(w2, b2), atol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside torch._dynamo
def test_compiled_fused_gradients_match_eager(chapter):
    """What the benchmark times: torch.compile(grads_fused). Needs a C++ compiler."""
    ns, _ = chapter
    x, y = ns["make_data"](4_000, seed=6)
    w, b = ns["init_params"](seed=7)
    torch.compiler.reset()
    compiled = torch.compile(ns["grads_fused"], dynamic=False)
    with torch.no_grad():
        for got, want in zip(compiled(x, y, w, b), ns["grads_fused"](x, y, w, b)):
            assert torch.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_minibatch_epochs_visit_every_row_once(chapter, monkeypatch):
    """Slicing and the DataLoader both take ceil(N/B) steps over a permutation of the rows."""
    ns, _ = chapter
    x = torch.arange(2_500.0)[:, None].repeat(1, 3)
    y = torch.zeros(2_500, 2)
    seen = []

    def record(xb, yb, w, b, lr):
        seen.append(xb[:, 0].clone())

    monkeypatch.setitem(ns["epoch_slicing"].__globals__, "step_autograd", record)
    ns["epoch_slicing"](x, y, None, None, 0.1, 1_000, torch.Generator().manual_seed(0))
    assert [len(s) for s in seen] == [1_000, 1_000, 500]
    assert torch.equal(torch.cat(seen).sort().values, x[:, 0])
    seen.clear()
    loader = ns["DataLoader"](ns["TensorDataset"](x, y), batch_size=1_000, shuffle=True)
    ns["epoch_loader"](loader, None, None, 0.1, max_batches=2)
    assert [len(s) for s in seen] == [1_000, 1_000]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside torch._dynamo
def test_benchmark_runs_at_tiny_n_and_reports_every_method(chapter):
    ns, _ = chapter
    options = {"batch_size": 64, "repeat": 1, "large_batch": 512, "loader_cap": 3,
               "slicing_cap": 6}
    result = ns["benchmark"]([1_000, 3_000], "cpu", progress=False, **options)
    assert [run["n"] for run in result["runs"]] == [1_000, 3_000]
    for run in result["runs"]:
        assert set(run["methods"]) == set(ns["METHODS"])
        for key, cell in run["methods"].items():
            assert "error" not in cell, cell
            assert cell["epoch_s"] > 0 and cell["read_s"] > 0
            assert cell["x_bound"] == pytest.approx(cell["epoch_s"] / cell["read_s"])
        assert run["methods"]["dataloader"]["sampled_batches"] == 3  # 16 or 47 batches > 3
        assert run["methods"]["slicing"]["sampled_batches"] == 6
        assert run["methods"]["slicing_large"]["sampled_batches"] is None  # 2 or 6 batches
    assert result["runs"][-1]["methods"]["full_compiled"]["compile_s"] > 0
    text = ns["markdown"](result)
    for label in ns["METHODS"].values():  # one row in each table
        rows = [line for line in text.splitlines()
                if line.startswith((f"| {label} |", f"| {label}, B = "))]
        assert len(rows) == 2, label
    assert "N = 10³" in text and "N = 3×10³" in text and "† Extrapolated" in text
    assert json.loads(json.dumps(result)) == result  # plain numbers, as written to disk


def test_a_failed_compile_is_reported_not_raised(chapter, monkeypatch):
    ns, _ = chapter

    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(torch, "compile", broken)
    options = {"batch_size": 64, "repeat": 1, "large_batch": 512, "loader_cap": 3,
               "slicing_cap": 5}
    result = ns["benchmark"]([1_000], "cpu", progress=False, **options)
    assert result["runs"][0]["methods"]["full_compiled"] == {
        "error": "RuntimeError: no C++ compiler"}
    text = ns["markdown"](result)
    assert "torch.compile failed" in text and "| failed |" in text


def test_memory_check_names_n_need_and_the_largest_n_that_fits(chapter):
    ns, _ = chapter
    check, free = ns["check_fits"], 2**30
    per_row = sum(ns["ROW_BYTES"]["full batch, autograd"])
    largest = int(ns["HEADROOM"] * free / per_row)
    check(largest, "full batch, autograd", "cpu", free=free)  # fits: no error
    with pytest.raises(MemoryError) as error:
        check(largest + 1, "full batch, autograd", "cpu", free=free)
    message = str(error.value)
    assert f"N = {largest + 1:,} rows" in message and f"at most N = {largest:,} fits" in message
    assert "1.0 GiB free" in message and f"{per_row} bytes a row" in message


def test_dataloader_host_memory_counts_on_a_gpu(chapter):
    """On CUDA the sampler's Python list lives in host memory: checked against host RAM."""
    ns, _ = chapter
    check = ns["check_fits"]
    check(10**6, "DataLoader", "cuda", free=2**30, host_free=2**30)
    with pytest.raises(MemoryError, match="cpu has"):
        check(10**8, "DataLoader", "cuda", free=2**40, host_free=2**30)
    with pytest.raises(MemoryError, match="cuda has"):
        check(10**8, "DataLoader", "cuda", free=2**30, host_free=2**40)


def test_impossible_n_fails_before_allocating_with_a_clear_message():
    done = run_script("scaling_up", "--n", "1e13", check=False)
    assert done.returncode == 2
    assert "MemoryError: N = 10,000,000,000,000 rows need" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_device_is_refused_clearly():
    done = run_script("scaling_up", "--device", "cuda", "--n", "1e4", check=False)
    assert done.returncode == 2 and "--device cuda: this machine or this torch build" in done.stderr
    assert "Traceback" not in done.stderr


MEASURE = textwrap.dedent("""
    import contextlib, io, sys

    def peak():  # the most this process has had resident, in bytes (Linux)
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    with contextlib.redirect_stdout(io.StringIO()):
        import scaling_up as s
    n = 4_000_000
    x, y = s.make_data(n)
    w, b = s.init_params()
    before = peak()
    if sys.argv[1] == "DataLoader":
        loader = s.DataLoader(s.TensorDataset(x, y), batch_size=1024, shuffle=True)
        batch = next(iter(loader))
    else:
        s.step_autograd(x, y, w, b, 0.1)
    print((peak() - before) / n)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("method", ["full batch, autograd", "DataLoader"])
def test_memory_per_row_matches_a_measurement(chapter, method):
    """The bytes per row that ROW_BYTES adds to the data are what a process really adds at its
    peak (a fresh process: the data was its peak so far; VmHWM, not ru_maxrss, which a child
    inherits from its parent). (1) glibc otherwise serves blocks
    under its adaptive threshold (up to 32 MiB) from a heap it does not give back, and the
    resident size measures the allocator's history instead of the live tensors."""
    ns, _ = chapter
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(2**20)}  # (1)
    done = subprocess.run([sys.executable, "-c", MEASURE, method], capture_output=True,
                          text=True, cwd=SNIPPETS, check=True, env=env)
    measured = float(done.stdout)
    claimed = sum(ns["ROW_BYTES"][method]) - 20  # what the method adds to the 20 of the data
    assert 0.85 * claimed <= measured <= 1.15 * claimed, (method, measured, claimed)


# ---------------------------------------------------------------------------------------------
# The committed results: made by `make bench`, included by the page, quoted by its prose
# ---------------------------------------------------------------------------------------------


def test_cpu_results_are_committed():
    assert (BENCH / "results-cpu.json").exists() and (BENCH / "results-cpu.md").exists()
    cuda = BENCH / "results-cuda.json"
    if not cuda.exists():  # the page must say so, and how to make it
        text = (BENCH / "results-cuda.md").read_text(encoding="utf-8")
        assert "Not measured yet" in text
        assert "python snippets/scaling_up.py --device cuda --write-results" in text


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_markdown_is_made_from_its_json(chapter, path):
    ns, _ = chapter
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["summary"] == ns["summary"](result)
    assert path.with_suffix(".md").read_text(encoding="utf-8") == ns["markdown"](result)
    for key in ("cpu", "cores", "torch", "date", "threads", "command"):
        assert result[key], key
    if result["device"] == "cuda":
        assert result["gpu"]


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_cover_the_sizes_the_page_names(path):
    result = json.loads(path.read_text(encoding="utf-8"))
    ns_measured = [run["n"] for run in result["runs"]]
    largest = 10**8 if result["device"] == "cuda" else 10**7
    assert ns_measured == [10**e for e in range(4, len(ns_measured) + 4)]
    assert ns_measured[-1] == largest, "the page says N goes up to 10⁷ (10⁸ on a GPU)"
    assert "--write-results" in result["command"] and "--n" not in result["command"]


def test_the_pages_claims_hold_in_the_cpu_results():
    """Each assertion is a sentence of "What the numbers say", which discusses the CPU table; a
    new measurement that breaks one means the prose must change with it."""
    result = json.loads((BENCH / "results-cpu.json").read_text(encoding="utf-8"))
    runs = result["runs"]
    last = runs[-1]["methods"]
    x = {key: cell["x_bound"] for key, cell in last.items() if "x_bound" in cell}
    eager = ("full_autograd", "full_by_hand", "full_chunked")
    # "Autograd's epoch is many times the bound"; by hand, and by hand in chunks, do better
    assert x["full_autograd"] > 3
    assert x["full_autograd"] > max(x["full_by_hand"], x["full_chunked"])
    # "The fused loop ... comes closest to the bound"
    if "full_compiled" in x:
        assert x["full_compiled"] < min(x[key] for key in eager)
    # "The DataLoader is the slowest method at every N"; "hundreds of times what it takes to
    # read the row's 20 bytes"; "microseconds per row"
    for run in runs:
        m = run["methods"]
        assert m["dataloader"]["epoch_s"] == max(c.get("epoch_s", 0) for c in m.values())
        assert m["dataloader"]["x_bound"] > 100
        assert m["dataloader"]["epoch_s"] / run["n"] > 5e-7
    # "larger batches pay it less often. Even they stay well behind a full-batch epoch"
    assert last["slicing_large"]["epoch_s"] < last["slicing"]["epoch_s"]
    assert last["slicing_large"]["epoch_s"] > 2 * last["full_autograd"]["epoch_s"]
    # "its whole fit takes less time than a single epoch of autograd on the same rows"
    assert last["closed_form"]["epoch_s"] < last["full_autograd"]["epoch_s"]
    # "every epoch of gradient descent on A after it costs microseconds, whatever N is"
    gram = [run["methods"]["gram_step"]["epoch_s"] for run in runs]
    assert max(gram) < 1e-3 and max(gram) < 10 * min(gram)


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/scaling_up.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "scaling_up", chapter[1], run_snippet("scaling_up_exercises")[1])
