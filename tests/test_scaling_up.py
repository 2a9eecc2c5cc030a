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


def test_features_are_stored_column_major(chapter):
    ns, _ = chapter
    x, y = ns["make_data"](1_000)
    assert x.stride() == (1, 1_000) and y.stride() == (1, 1_000)
    assert x[:, 2].is_contiguous() and y[:, 1].is_contiguous()


def test_every_method_reaches_the_least_squares_weights(chapter):
    ns, _ = chapter
    x, y = ns["x"], ns["y"]
    ones = torch.ones(len(x), 1, dtype=torch.float64)
    oracle = torch.linalg.lstsq(torch.cat([x.double(), ones], 1), y.double()).solution
    exact = flat(oracle[:-1].t(), oracle[-1]).float()  # QR in float64: independent
    assert set(ns["fits"]) == {"full batch, autograd", "full batch, by hand", "full batch, fused",
                               "DataLoader, row by row", "DataLoader, batch sampler", "slicing",
                               "closed form", "descent on G and C"}
    for name, (w, b) in ns["fits"].items():
        tolerance = 5e-3 if name.startswith(("DataLoader", "slicing")) else 1e-4
        gap = (flat(w, b) - exact).abs().max().item()
        assert gap < tolerance, f"{name} is {gap:.2g} from least squares"
    assert (exact - flat(ns["W_TRUE"], ns["B_TRUE"])).abs().max() < 0.01  # and near the truth


def test_page_output_states_the_agreement(chapter):
    _, out = chapter
    gaps = {line.split(" largest")[0].strip(): float(line.rsplit(" ", 1)[1])
            for line in out.splitlines() if "largest difference" in line}
    assert len(gaps) == 8 and max(gaps.values()) <= 0.005
    assert "an epoch reads at least 200,000 bytes, 20 per row" in out
    assert "x.stride(): (1, 10000)" in out


@pytest.mark.parametrize("chunk", [None, 777, 10_000])
def test_gradients_by_hand_equal_autograd(chapter, chunk):
    ns, _ = chapter
    x, y = ns["make_data"](3_000, seed=2)
    w, b = ns["init_params"](seed=3)
    loss = ns["mse"](ns["model"](x, w, b), y)
    loss.backward()
    for grads in (functools.partial(ns["grads_by_hand"], chunk=chunk),
                  functools.partial(ns["grads_by_hand"], chunk=chunk,
                                    residual=ns["residual_addmm"]),
                  functools.partial(ns["grads_by_columns"], chunk=chunk),
                  ns["grads_fused"]):
        with torch.no_grad():
            mine = grads(x, y, w, b)
        for got, want in zip(mine, (loss, w.grad, b.grad)):
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (grads, got, want)


def test_grads_by_columns_works_on_row_major_data_too(chapter):
    """It reads x through x.t(): any layout gives the same sums, only the speed differs."""
    ns, _ = chapter
    x, y = ns["make_data"](2_000, seed=8)
    w, b = ns["init_params"](seed=9)
    with torch.no_grad():
        cols = ns["grads_by_columns"](x, y, w, b, chunk=300)
        rows = ns["grads_by_columns"](x.contiguous(), y.contiguous(), w, b, chunk=300)
    for got, want in zip(rows, cols):
        assert torch.allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [5_000, 2**14, 2**14 + 1])
def test_the_gram_matrix_is_a_transpose_a_in_float64(chapter, n):
    ns, _ = chapter
    x, y = ns["make_data"](n, seed=4)
    a = torch.cat([x, torch.ones(n, 1), y], 1).double()
    assert torch.allclose(ns["gram"](x, y).double(), a.t() @ a, rtol=1e-5, atol=1e-2)


def test_a_step_on_g_and_c_is_the_full_batch_step(chapter):
    ns, _ = chapter
    x, y = ns["make_data"](5_000, seed=4)
    g, c = ns["normal_equations"](x, y)
    ones = torch.cat([x, torch.ones(len(x), 1)], 1)
    assert torch.allclose(g, ones.t() @ ones, rtol=1e-5, atol=1e-2)  # sums of 5,000 numbers
    assert torch.allclose(c, ones.t() @ y, rtol=1e-5, atol=1e-2)
    w1, b1 = ns["init_params"](seed=5)
    w2, b2 = ns["init_params"](seed=5)
    ns["step_gram"](g, c, len(x), w1, b1, lr=0.5)
    ns["step_with"](ns["grads_by_hand"], x, y, w2, b2, lr=0.5)
    assert torch.allclose(flat(w1, b1), flat(w2, b2), atol=1e-5)


def test_timed_reports_median_and_iqr_of_its_samples(chapter, monkeypatch):
    ns, _ = chapter
    ticks = iter([0.0, 0.01, 0, 1, 0, 3, 0, 2, 0, 5, 0, 4])  # warm-up, then 5 samples
    monkeypatch.setattr(ns["time"], "perf_counter", lambda: next(ticks))
    calls = []
    got = ns["timed"](lambda: calls.append(1), "cpu", repeat=5, min_sample=0.001)
    assert got == {"s": 3, "iqr": 2, "calls": 1} and len(calls) == 6


def test_minibatch_epochs_visit_every_row_once(chapter, monkeypatch):
    """Slicing and both DataLoaders take ceil(N/B) steps over a permutation of the rows."""
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
    for loader in ns["loaders"](x, y, 1_000).values():
        seen.clear()
        ns["epoch_loader"](loader, None, None, 0.1)
        assert [len(s) for s in seen] == [1_000, 1_000, 500]
        assert torch.equal(torch.cat(seen).sort().values, x[:, 0])


TINY = {"batch_size": 64, "large_batch": 512, "repeat": 2, "repeat_minibatch": 1,
        "loader_cap": 3, "batches_cap": 5, "slicing_cap": 6}


@pytest.fixture(scope="module")
def tiny_run(chapter):
    """The benchmark at N = 10³ and 3·10³, and the functions torch.compile made for it."""
    ns, _ = chapter
    import warnings
    compiled, compile = [], torch.compile

    def recording(*args, **kwargs):
        compiled.append(compile(*args, **kwargs))
        return compiled[-1]

    torch.compile = recording
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # raised inside torch._dynamo
            return *ns["benchmark"]([1_000, 3_000], "cpu", progress=False, options=TINY), compiled
    finally:
        torch.compile = compile


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside torch._dynamo
def test_compiled_fused_gradients_match_eager(chapter, tiny_run):
    """What the benchmark timed: torch.compile(grads_fused), here its last compile (column-major
    rows, N = 3·10³) on new data of that shape, so it runs without compiling again."""
    ns, _ = chapter
    *_, compiled = tiny_run
    assert len(compiled) == 4  # row- and column-major, at each N
    x, y = ns["make_data"](3_000, seed=6)
    w, b = ns["init_params"](seed=7)
    with torch.no_grad():
        for got, want in zip(compiled[-1](x, y, w, b), ns["grads_fused"](x, y, w, b)):
            assert torch.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_benchmark_runs_at_tiny_n_and_reports_every_method(chapter, tiny_run):
    ns, _ = chapter
    result, code, _ = tiny_run
    assert [run["n"] for run in result["runs"]] == [1_000, 3_000]
    for run in result["runs"]:
        assert set(run["methods"]) == set(ns["LABELS"])
        bound = run["bound"]["s"]
        assert bound == ns["sig3"](bound) > 0 and run["bound"]["iqr"] >= 0
        for key, cell in run["methods"].items():
            assert "error" not in cell, cell
            assert cell["s"] > 0 and cell["iqr"] >= 0
            assert cell["ratio"] == ns["sig3"](cell["s"]) / bound  # as the tables show them
        assert run["methods"]["loader_rows"]["sampled"] == 3  # 16 or 47 batches > 3
        assert run["methods"]["slicing"]["sampled"] == 6
        assert run["methods"]["slicing_large"]["sampled"] is None  # 2 or 6 batches
    assert result["runs"][-1]["methods"]["fused"]["compile_s"] > 0
    assert result["threads"] == torch.get_num_threads()
    text = ns["markdown"](result)
    for label in ns["LABELS"].values():  # one row in each table
        assert len([line for line in text.splitlines() if line.startswith(f"| {label} |")]) == 2
    assert "| method | 10³ |" in text and "† Extrapolated" in text
    assert json.loads(ns["dump"](result)) == result  # plain numbers, as written to disk
    columns, rows = (ns["excerpt"](code[k], 3_000) for k in ("fused", "fused_rows"))
    assert columns.startswith("for(") and "Vectorized<float>::loadu" in columns
    assert rows.startswith("for(") and "3L*x0" in rows and "Vectorized" not in rows
    assert max(len(line) for line in (columns + "\n" + rows).splitlines()) <= 36  # a phone


def test_a_busy_machine_is_flagged_in_the_results(chapter, tiny_run):
    ns, _ = chapter
    result = dict(tiny_run[0], loaded=True)
    assert "Measured on a busy machine" in ns["markdown"](result)
    assert "busy machine" not in ns["markdown"](dict(tiny_run[0], loaded=False))


def test_a_busy_machine_is_refused_unless_allowed():
    done = run_script("scaling_up", "--n", "1e3", "--max-load", "-1", "--wait-s", "0",
                      check=False)
    assert done.returncode == 2 and "above --max-load -1.0" in done.stderr
    assert "--allow-loaded" in done.stderr and "Traceback" not in done.stderr


def test_a_failed_compile_is_reported_not_raised(chapter, monkeypatch):
    ns, _ = chapter

    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(torch, "compile", broken)
    result, code = ns["benchmark"]([1_000], "cpu", progress=False, options=TINY)
    assert result["runs"][0]["methods"]["fused"] == {"error": "RuntimeError: no C++ compiler"}
    text = ns["markdown"](result)
    assert "torch.compile failed" in text and "| fused, columns | failed |" in text


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
    elif sys.argv[1] == "full batch, by hand":
        s.step_with(s.grads_by_hand, x, y, w, b, 0.1)
    else:
        s.step_autograd(x, y, w, b, 0.1)
    print((peak() - before) / n)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("method", ["full batch, autograd", "full batch, by hand", "DataLoader"])
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
    for name in ("results-cpu.json", "results-cpu.md", "fused-columns-cpu.txt",
                 "fused-rows-cpu.txt", "fused-columns-cpu.py", "fused-rows-cpu.py"):
        assert (BENCH / name).exists(), name
    cuda = BENCH / "results-cuda.json"
    if not cuda.exists():  # the page must say so, and how to make it
        text = (BENCH / "results-cuda.md").read_text(encoding="utf-8")
        assert "Not measured yet" in text
        assert "python snippets/scaling_up.py --device cuda --write-results" in text


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_markdown_is_made_from_its_json(chapter, path):
    ns, _ = chapter
    text = path.read_text(encoding="utf-8")
    result = json.loads(text)
    assert text == ns["dump"](result)
    assert path.with_suffix(".md").read_text(encoding="utf-8") == ns["markdown"](result)
    for key in ("cpu", "cores", "torch", "date", "threads", "command"):
        assert result[key], key
    if result["device"] == "cuda":
        assert result["gpu"]


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_cover_the_sizes_the_page_names(chapter, path):
    ns, _ = chapter
    result = json.loads(path.read_text(encoding="utf-8"))
    ns_measured = [run["n"] for run in result["runs"]]
    largest = 10**8 if result["device"] == "cuda" else 10**7
    assert ns_measured == [10**e for e in range(4, len(ns_measured) + 4)]
    assert ns_measured[-1] == largest, "the page says N goes up to 10⁷ (10⁸ on a GPU)"
    assert "--write-results" in result["command"] and "--n" not in result["command"]
    if result["loaded"]:  # written on a busy machine only when asked to, and then flagged
        assert "--allow-loaded" in result["command"]
    for run in result["runs"]:  # one bound per N; every ratio is time ÷ that bound, as shown
        for cell in run["methods"].values():
            assert cell["ratio"] == ns["sig3"](cell["s"]) / run["bound"]["s"]


def test_the_generated_code_shown_is_what_the_page_says(chapter):
    """The excerpts are cut from the whole generated files; column-major, the loop steps by a
    vector and loads vectors; row-major, it steps by one row and loads 3 numbers apart."""
    ns, _ = chapter
    largest = json.loads((BENCH / "results-cpu.json").read_text(encoding="utf-8"))["runs"][-1]["n"]
    shown = {}
    for layout in ("columns", "rows"):
        whole = (BENCH / f"fused-{layout}-cpu.py").read_text(encoding="utf-8")
        shown[layout] = (BENCH / f"fused-{layout}-cpu.txt").read_text(encoding="utf-8")
        assert shown[layout] == ns["excerpt"](whole, largest) + "\n"
    columns, rows = shown["columns"].splitlines(), shown["rows"].splitlines()
    assert columns[0].startswith("for(") and columns[1].strip() != "x0+=1L)"
    assert "Vectorized<float>::loadu(" in shown["columns"]
    assert rows[0].startswith("for(") and rows[1].strip() == "x0+=1L)"
    assert "3L*x0" in shown["rows"] and "Vectorized" not in shown["rows"]


def test_the_pages_claims_hold_in_the_cpu_results():
    """Each assertion is a sentence of the page that the measured numbers do not choose the words
    of; a new measurement that breaks one means the prose must change with it."""
    result = json.loads((BENCH / "results-cpu.json").read_text(encoding="utf-8"))
    runs = result["runs"]
    last = runs[-1]["methods"]
    # "With the batch sampler it took ... (... times faster)"; check yourself: "many times
    # faster than fetching row by row"
    assert last["loader_rows"]["s"] > 3 * last["loader_batches"]["s"]
    # "Larger batches ...: fewer steps pay the fixed cost of a step less often. Even so, ... a
    # full-batch epoch streams through memory in order"
    assert last["slicing_large"]["s"] < last["slicing"]["s"] < last["loader_rows"]["s"]
    assert last["slicing_large"]["s"] > last["hand"]["s"]
    # "their epoch takes ...% of the time ...: with the smaller batches, dispatch is about half"
    assert 0.35 < last["slicing_large"]["s"] / last["slicing"]["s"] < 0.65
    # "at N = 10⁶, where they agree closely, the choice of call alone changed the epoch"
    million = runs[-2]["methods"]
    hand, addmm = million["hand"], million["hand_addmm"]
    assert hand["s"] + hand["iqr"] < addmm["s"] - addmm["iqr"]
    assert addmm["iqr"] < 0.1 * addmm["s"]
    # "an epoch of gradient descent on G and C ... does not grow with N"
    gram = [run["methods"]["gram_step"]["s"] for run in runs]
    assert max(gram) < 1e-3 and max(gram) < 10 * min(gram)


def test_the_figure_draws_the_results_file(chapter):
    """Each line of the picture is a method's median seconds per N from the results file, the
    read pass included; its legend names them as the tables do."""
    ns, _ = chapter
    result = json.loads((BENCH / "results-cpu.json").read_text(encoding="utf-8"))
    lines = {line.get_label(): line for line in ns["ax"].get_lines()}
    sizes = [run["n"] for run in result["runs"]]
    expected = {"read pass (bound)": [run["bound"]["s"] for run in result["runs"]]}
    expected |= {ns["LABELS"][key]: [run["methods"][key]["s"] for run in result["runs"]]
                 for key in ns["STYLE"]}
    assert set(lines) == set(expected) and len(expected) == 10
    for label, times in expected.items():
        assert list(lines[label].get_xdata()) == sizes and list(lines[label].get_ydata()) == times
    assert ns["ax"].get_xscale() == ns["ax"].get_yscale() == "log"


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/scaling_up.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "scaling_up", chapter[1], run_snippet("scaling_up_exercises")[1])
