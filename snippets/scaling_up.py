"""Scaling up: train the lesson's linear model on N rows made on the device,
in four ways, and measure each against the time it takes to read the data once.

Run: python snippets/scaling_up.py                  # the page's examples
     python snippets/scaling_up.py --n 1e6          # time every method, N = 1e6
     python snippets/scaling_up.py --write-results  # the benchmark (make bench)
     python snippets/scaling_up.py --device cuda --write-results  # a GPU
--write-results measures N = 1e4 ... 1e7 (1e8 on CUDA) and writes
bench/results-<device>.json and .md, which the page includes. See --help.
"""

import argparse
import datetime
import functools
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

import torch
from tqdm import tqdm

from linreg import init_params, model, mse, pick_device

# --8<-- [start:imports]
import gc
import json
import math
import statistics
import time

import matplotlib.pyplot as plt
from torch.utils.data import (BatchSampler, DataLoader, RandomSampler,
                              TensorDataset)
# --8<-- [end:imports]

# --8<-- [start:data]
W_TRUE = torch.tensor([[0.5, 1.5, 0.5],  # apples: temperature, rain, humidity
                       [0.3, 1.2, 0.8]])  # oranges
B_TRUE = torch.tensor([2.0, 3.0])


def make_data(n, device="cpu", noise=0.1, seed=0):
    """n rows, made on the device from a seed: standardised features X (n×3)
    drawn from N(0, 1) and targets Y = X @ W_TRUEᵀ + B_TRUE + noise·N(0, 1).
    Both are stored column by column: x[:, j] is one contiguous run."""
    gen = torch.Generator(device=device).manual_seed(seed)  # (1)!
    x = torch.randn(3, n, generator=gen, device=device).t()  # (2)!
    y = torch.randn(2, n, generator=gen, device=device).t().mul_(noise)
    y.add_(B_TRUE.to(device)).addmm_(x, W_TRUE.to(device).t())  # (3)!
    return x, y


def show(name, w, b):
    """One line: the weights of apples, of oranges, then the two biases."""
    values = torch.cat([w.detach().flatten(), b.detach()]).tolist()
    print(f"{name:<25}" + " ".join(f"{v:6.3f}" for v in values))


device = pick_device()
print("device:", device)
x, y = make_data(10_000, device)
print("X", tuple(x.shape), "Y", tuple(y.shape), x.dtype)
print("x.stride():", x.stride(), "(steps to the next row, next feature)")
print(f"an epoch reads at least {x.nbytes + y.nbytes:,} bytes, "
      f"{(x.nbytes + y.nbytes) // len(x)} per row")
fits = {}  # method -> the (w, b) it learned
show("true values", W_TRUE, B_TRUE)
# --8<-- [end:data]


# --8<-- [start:timing]
def sync(device):
    """Wait until the device has finished: CUDA and MPS run asynchronously."""
    kind = torch.device(device).type
    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()


def read_pass(x, y):
    """The least work an epoch can do: read every byte of X and Y once."""
    return x.sum() + y.sum()


def timed(work, device, repeat=7, min_sample=2e-3):
    """Seconds per call of work(): the median and the interquartile range
    (IQR) of `repeat` samples, after a warm-up call. A sample times enough
    calls in a row to last min_sample, so that the clock's own cost is
    negligible; a sample's time is divided by its number of calls."""
    gc.collect()
    gc.disable()  # (1)!
    try:
        start = time.perf_counter()
        work()  # (2)!
        sync(device)  # (3)!
        calls = max(1, math.ceil(min_sample / (time.perf_counter() - start)))
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(calls):
                work()
            sync(device)
            samples.append((time.perf_counter() - start) / calls)
    finally:
        gc.enable()
    q1, _, q3 = (statistics.quantiles(samples, n=4, method="inclusive")
                 if repeat > 1 else samples * 3)
    return {"s": statistics.median(samples), "iqr": q3 - q1, "calls": calls}


torch.set_num_threads(1)  # (4)!
t_read = timed(lambda: read_pass(x, y), device)
print("timed() returns a dict with the keys", sorted(t_read))
# --8<-- [end:timing]


# --8<-- [start:full_batch]
def step_autograd(x, y, w, b, lr):
    """One gradient-descent step on the rows given, as linreg.train() takes
    it (without its input checks). On all rows, that is one epoch."""
    loss = mse(model(x, w, b), y)  # (1)!
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad = b.grad = None
    return loss


w, b = init_params(device=device)
for epoch in range(30):
    step_autograd(x, y, w, b, lr=0.5)  # (2)!

fits["full batch, autograd"] = w, b
show("full batch, autograd", w, b)
# --8<-- [end:full_batch]


# --8<-- [start:by_hand]
CHUNK = 2**14  # rows per piece: its residual, 2**14 × 2 floats, fits a cache
COLUMN_CHUNK = 2**15  # for grads_by_columns: x, y and Eᵀ of 2**15 rows, 896 KiB, fit a cache


def residual(xc, yc, w, b):
    """E = X Wᵀ + b − Y for the rows given, in one product and two in-place
    operations: one new tensor, N×2."""
    return (xc @ w.t()).sub_(yc).add_(b)  # (1)!


def residual_addmm(xc, yc, w, b):
    """The same E in one call, addmm(Y, X, Wᵀ, beta=-1) = X Wᵀ − Y."""
    return torch.addmm(yc, xc, w.t(), beta=-1).add_(b)


def grads_by_hand(x, y, w, b, chunk=None, residual=residual):
    """Loss and gradients from their formulas, without autograd. With chunk,
    the rows go a chunk at a time so that e never leaves the cache."""
    loss, gw, gb = x.new_zeros(()), torch.zeros_like(w), torch.zeros_like(b)
    for xc, yc in zip(x.split(chunk or len(x)), y.split(chunk or len(x))):
        e = residual(xc, yc, w, b)
        gw.addmm_(e.t(), xc)  # (2)!
        gb += e.sum(0)
        loss += e.pow(2).sum()
    n = y.numel()
    return loss / n, gw * (2 / n), gb * (2 / n)


def grads_by_columns(x, y, w, b, chunk=None):
    """The same sums, with the data the way it is stored: x.t() is 3×N, each
    feature one contiguous run, and Eᵀ = W Xᵀ + b − Yᵀ is 2×N."""
    xt, yt = x.t(), y.t()  # (3)!
    loss, gw, gb = x.new_zeros(()), torch.zeros_like(w), torch.zeros_like(b)
    for xc, yc in zip(xt.split(chunk or len(x), 1), yt.split(chunk or len(x), 1)):
        et = torch.addmm(b[:, None], w, xc).sub_(yc)  # (4)!
        gw.addmm_(et, xc.t())
        gb += et.sum(1)
        loss += torch.dot(et.view(-1), et.view(-1))  # the sum of squares, no temporary
    n = y.numel()
    return loss / n, gw * (2 / n), gb * (2 / n)


@torch.no_grad()
def step_with(grads, x, y, w, b, lr):
    """One gradient-descent step with the gradients that grads() returns."""
    loss, gw, gb = grads(x, y, w, b)
    w -= lr * gw
    b -= lr * gb
    return loss


w, b = init_params(device=device)
for epoch in range(30):
    step_with(grads_by_hand, x, y, w, b, lr=0.5)

fits["full batch, by hand"] = w, b
show("full batch, by hand", w, b)
with torch.no_grad():
    same = [torch.allclose(mine, theirs, rtol=1e-4, atol=1e-6) for mine, theirs in
            zip(grads_by_columns(x, y, w, b, chunk=COLUMN_CHUNK), grads_by_hand(x, y, w, b))]

print("by columns, in chunks: the same loss and gradients:", all(same))
# --8<-- [end:by_hand]


# --8<-- [start:fused]
def grads_fused(x, y, w, b):
    """The same loss and gradients, one output and one feature at a time:
    nothing but elementwise products and sums over the rows, which
    torch.compile fuses into a single loop over the data."""
    loss, gw, gb = 0.0, [], []
    for k in range(y.shape[1]):  # each output
        e = b[k] - y[:, k]  # (1)!
        for j in range(x.shape[1]):  # each feature
            e = e + w[k, j] * x[:, j]
        loss = loss + (e * e).sum()
        gw.append(torch.stack([(e * x[:, j]).sum()
                               for j in range(x.shape[1])]))
        gb.append(e.sum())
    n = y.numel()
    return loss / n, torch.stack(gw) * (2 / n), torch.stack(gb) * (2 / n)


w, b = init_params(device=device)
for epoch in range(30):
    step_with(grads_fused, x, y, w, b, lr=0.5)  # (2)!

fits["full batch, fused"] = w, b
show("full batch, fused", w, b)
# --8<-- [end:fused]


# --8<-- [start:dataloader]
def epoch_loader(loader, w, b, lr, max_batches=None):
    """One epoch of minibatch gradient descent over a DataLoader."""
    for i, (xb, yb) in enumerate(loader):  # (1)!
        if i == max_batches:
            break
        step_autograd(xb, yb, w, b, lr)


def loaders(x, y, batch_size, seed=0):
    """Two DataLoaders over the same rows: the usual one, which fetches
    row by row, and one whose sampler hands the dataset whole batches."""
    dataset = TensorDataset(x, y)
    gens = [torch.Generator().manual_seed(seed) for _ in range(2)]
    return {
        "row by row": DataLoader(dataset, batch_size=batch_size,
                                 shuffle=True, generator=gens[0]),
        "batch sampler": DataLoader(  # (2)!
            dataset, batch_size=None, sampler=BatchSampler(
                RandomSampler(dataset, generator=gens[1]), batch_size,
                drop_last=False)),
    }


BATCH_SIZE = 1024
for name, loader in loaders(x, y, BATCH_SIZE).items():
    w, b = init_params(device=device)
    for epoch in range(5):
        epoch_loader(loader, w, b, lr=0.2)
    fits[f"DataLoader, {name}"] = w, b
    show(f"DataLoader, {name}", w, b)
# --8<-- [end:dataloader]


# --8<-- [start:slicing]
def epoch_slicing(x, y, w, b, lr, batch_size, gen, max_batches=None):
    """One epoch of minibatch gradient descent on batches cut from X and Y
    on the device, through a shuffled order of the rows."""
    order = torch.randperm(len(x), generator=gen, device=x.device)  # (1)!
    for i, start in enumerate(range(0, len(x), batch_size)):
        if i == max_batches:
            break
        rows = order[start:start + batch_size]  # (2)!
        step_autograd(x[rows], y[rows], w, b, lr)


gen = torch.Generator(device=device).manual_seed(0)
w, b = init_params(device=device)
for epoch in range(5):
    epoch_slicing(x, y, w, b, lr=0.2, batch_size=BATCH_SIZE, gen=gen)

fits["slicing"] = w, b
show("slicing", w, b)
# --8<-- [end:slicing]


# --8<-- [start:closed_form]
def gram(x, y, chunk=CHUNK):
    """AᵀA for A = [X 1 Y], N×(d+1+m), in one pass over the rows: each
    chunk of A is built in the cache and added in; A itself never exists."""
    n, d = x.shape
    ata = x.new_zeros(d + 1 + y.shape[1], d + 1 + y.shape[1])
    ones = x.new_ones(min(chunk, n), 1)
    for xc, yc in zip(x.split(chunk), y.split(chunk)):
        a = torch.cat([xc, ones[:len(xc)], yc], dim=1)  # (1)!
        ata.addmm_(a.t(), a)
    return ata


def normal_equations(x, y):
    """G = X̃ᵀX̃, (d+1)×(d+1), and C = X̃ᵀY, (d+1)×m, for X̃ = [X 1]: two
    blocks of the one Gram matrix."""
    d1 = x.shape[1] + 1
    ata = gram(x, y)
    return ata[:d1, :d1], ata[:d1, d1:]  # (2)!


def closed_form(x, y):
    """The least-squares weights (m×d) and biases (m,) from one solve."""
    g, c = normal_equations(x, y)
    theta = torch.linalg.solve(g, c)  # (3)!
    return theta[:-1].t(), theta[-1]


fits["closed form"] = closed_form(x, y)
show("closed form", *fits["closed form"])
# --8<-- [end:closed_form]


# --8<-- [start:gram]
@torch.no_grad()
def step_gram(g, c, n, w, b, lr):
    """One full-batch gradient-descent step from G and C alone: O(d²m)
    work, the same for ten rows or ten million."""
    theta = torch.cat([w.t(), b[None]])  # (d+1)×m
    grad = (g @ theta - c) * (2 / (n * c.shape[1]))  # (1)!
    w -= lr * grad[:-1].t()
    b -= lr * grad[-1]


g, c = normal_equations(x, y)
w, b = init_params(device=device)
for epoch in range(30):
    step_gram(g, c, len(x), w, b, lr=0.5)

fits["descent on G and C"] = w, b
show("descent on G and C", w, b)
# --8<-- [end:gram]

# --8<-- [start:agree]
exact = torch.cat([t.flatten() for t in fits["closed form"]])
for name, (w, b) in fits.items():
    gap = (torch.cat([w.detach().flatten(), b.detach()]) - exact).abs().max()
    print(f"{name:<25} largest difference from the closed form: {gap:.3f}")
# --8<-- [end:agree]


# --8<-- [start:memory]
# Bytes per row each method holds at its peak, for float32 X (N×3) and
# Y (N×2): the data, 20 bytes a row, plus what the method adds. Measured
# on the CPU (resident memory); the pair is (on the device, in host RAM).
ROW_BYTES = {
    "full batch, autograd": (20 + 24, 0),  # (1)!
    "full batch, by hand": (20 + 16, 0),  # e and its square, N×2 each; chunks: ~0
    "full batch, fused": (20, 0),
    "DataLoader": (20, 48),  # (2)!
    "slicing": (20 + 8, 0),  # the shuffled order, N int64 numbers
    "closed form": (20, 0),  # AᵀA: (d+1+m)² numbers
}
HEADROOM = 0.9  # leave a tenth of the free memory to everything else


def free_memory(device):
    """Bytes free now: on CUDA from the driver, else the kernel's estimate
    of what can be allocated without swapping (MemAvailable)."""
    if torch.device(device).type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except OSError:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_fits(n, method, device, free=None, host_free=None):
    """Raise MemoryError, before allocating, when n rows cannot fit."""
    on_device, on_host = ROW_BYTES[method]
    if torch.device(device).type != "cuda":  # one memory for both
        on_device, on_host, host_free = on_device + on_host, 0, 0
    for where, per_row, have in ((device, on_device, free),
                                 ("cpu", on_host, host_free)):
        if per_row == 0:
            continue
        if have is None:
            have = free_memory(where)
        if n * per_row > HEADROOM * have:
            raise MemoryError(
                f"N = {n:,} rows need {n * per_row / 2**30:,.1f} GiB for "
                f"{method} ({per_row} bytes a row),\nbut {where} has "
                f"{have / 2**30:.1f} GiB free: at most N = "
                f"{int(HEADROOM * have / per_row):,} fits")


print(f"{'method':<22} {'bytes/row':>9}  largest N in 16 GiB   in 80 GiB")
for method, (on_device, on_host) in ROW_BYTES.items():
    most = [int(HEADROOM * gib * 2**30 / (on_device + on_host))
            for gib in (16, 80)]
    print(f"{method:<22} {on_device + on_host:>9}  {most[0]:>19.1e}"
          f"  {most[1]:>9.1e}")

try:
    check_fits(10**9, "DataLoader", "cpu", free=16 * 2**30)
except MemoryError as error:
    print("MemoryError:", error)
# --8<-- [end:memory]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = json.loads((ROOT / "bench" / "results-cpu.json").read_text())

# --8<-- [start:results]
LABELS = {  # method -> its name in the tables and the figure, page order
    "autograd": "autograd",
    "hand_addmm": "by hand, addmm",
    "hand": "by hand, sub_",
    "hand_chunks": "in chunks",
    "columns": "by columns",
    "columns_chunks": "columns, chunks",
    "fused_rows": "fused, rows",
    "fused": "fused, columns",
    "loader_rows": "loader, rows",
    "loader_batches": "loader, batch",
    "slicing": "slicing",
    "slicing_large": "slicing, big B",
    "closed_form": "closed form",
    "gram_step": "step on G, C",
}
ns = [run["n"] for run in RESULTS["runs"]]
bound = [run["bound"]["s"] for run in RESULTS["runs"]]
at = {key: RESULTS["runs"][-1]["methods"][key] for key in LABELS}  # (1)!
print(f"{RESULTS['cpu']}, {RESULTS['threads']} thread(s), torch "
      f"{RESULTS['torch']}, N = {ns[0]:,} to {ns[-1]:,}")
print(f"at N = {ns[-1]:,}: read pass {bound[-1] * 1e3:.3g} ms, "
      f"{20 * ns[-1] / bound[-1] / 1e9:.3g} GB/s")
ADDMM_SLOWER = at["hand_addmm"]["s"] > at["hand"]["s"]
FUSED_VERDICT = ("within" if at["fused"]["ratio"] <= 1.3 else "more than")
FUSED_VERDICT += " 1.3 times the time of reading the data once"
CLOSED_VERDICT = ("less" if at["closed_form"]["s"] < at["autograd"]["s"]
                  else "more") + " than a single epoch of autograd"
GRAM_US = [run["methods"]["gram_step"]["s"] * 1e6 for run in RESULTS["runs"]]
# --8<-- [end:results]

# --8<-- [start:figure]
STYLE = {  # one method of each kind: colour, marker
    "autograd": ("#e8833a", "o"), "hand": ("#c05bd1", "s"),
    "columns_chunks": ("#8c6d46", "*"), "fused": ("#3fa34d", "^"),
    "loader_rows": ("#d6544f", "v"), "loader_batches": ("#b38a2e", "D"),
    "slicing": ("#4f8fe6", "P"), "closed_form": ("#2aa7a0", "X"),
    "gram_step": ("#e377c2", "d"),
}
fig, ax = plt.subplots(figsize=(5.6, 5.6), layout="constrained")
ax.plot(ns, bound, color="#888888", lw=3, label="read pass (bound)")
for key, (colour, marker) in STYLE.items():
    times = [run["methods"][key]["s"] for run in RESULTS["runs"]]
    ax.plot(ns, times, color=colour, marker=marker, label=LABELS[key])

ax.set(xscale="log", yscale="log", xlabel="rows N",
       ylabel="seconds per epoch")
ax.grid(alpha=0.3)
fig.legend(fontsize=10, ncol=2, loc="outside lower center")  # (1)!
plt.show()
# --8<-- [end:figure]


# ---------------------------------------------------------------------------
# The benchmark: `make bench`, or --n / --write-results (see the docstring).
# Not shown on the page; the page shows the pieces above and the results.
# ---------------------------------------------------------------------------

DEFAULT_N = {"cpu": [10**4, 10**5, 10**6, 10**7],
             "cuda": [10**4, 10**5, 10**6, 10**7, 10**8]}
OPTIONS = {"batch_size": BATCH_SIZE, "large_batch": 2**16, "repeat": 7,
           "repeat_minibatch": 3, "loader_cap": 100, "batches_cap": 1_000,
           "slicing_cap": 10_000}
MAX_LOAD = 0.5  # 1-minute load average allowed before a run
MEMORY_KIND = {"autograd": "full batch, autograd",
               "hand": "full batch, by hand",
               "loader_rows": "DataLoader", "slicing": "slicing"}


def load_average():
    """The 1-minute load average, or None where the system has none."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def time_epoch(run, batches, cap, device, repeat):
    """Seconds for an epoch of `batches` batches; run(m) does the first m.
    Past `cap` batches, time the first batch (which includes the shuffle)
    and `cap` batches, and extrapolate at the same rate per batch."""
    if batches <= cap:
        return {**timed(lambda: run(None), device, repeat), "sampled": None}
    first = timed(lambda: run(1), device, repeat)
    some = timed(lambda: run(cap), device, repeat)
    per_batch = max(some["s"] - first["s"], 0) / (cap - 1)
    scale = (batches - 1) / (cap - 1)
    return {"s": first["s"] + per_batch * (batches - 1),
            "iqr": first["iqr"] + some["iqr"] * scale, "calls": 1,
            "sampled": cap}


def excerpt(code, n, loads=4):
    """The loop over the n rows in Inductor's generated C++ and the first
    loads from the data in its body, shortened to fit a phone's width:
    casts, `auto tmpN = ` and `at::vec::` removed, long lines broken."""
    text = code.split("'''")[1] if "'''" in code else code
    body = text.splitlines()
    for i, line in enumerate(body):
        if line.lstrip().startswith("for(") and f"{n}L" in line:
            picked = [l for l in body[i + 1:i + 80] if "x0" in l
                      and "in_ptr" in l and "C10_LIKELY" not in l][:loads]
            break
    else:
        return f"(no loop over the {n:,} rows found in the generated code)"

    def short(l):
        l = re.sub(r"static_cast<int64_t>\(([^()]*)\)", r"\1", l.strip())
        return re.sub(r"^auto tmp\d+ = ", "", l).replace("at::vec::", "")

    head, step = short(line).rsplit(";", 1)
    out = [head + ";", "    " + step.strip()]
    for l in map(short, picked):
        call, _, args = l.partition("(")
        out += ["  " + l] if len(l) <= 34 else ["  " + call + "(", "    " + args]
    return "\n".join(out)


def measure_fused(x, y, w, b, lr, device, repeat):
    """Compile grads_fused for these tensors and time an epoch; return the
    times and the code that Inductor generated."""
    from torch._inductor.utils import run_and_get_code
    torch.compiler.reset()
    fused = torch.compile(grads_fused, dynamic=False)
    start = time.perf_counter()
    _, code = run_and_get_code(lambda: step_with(fused, x, y, w, b, lr))
    sync(device)
    compile_s = time.perf_counter() - start  # compiling, and one epoch
    cell = timed(lambda: step_with(fused, x, y, w, b, lr), device, repeat)
    return {**cell, "compile_s": compile_s}, "\n".join(code)


def measure(n, device, options, bar=None):
    """Time every method on n rows; return plain numbers, and the code
    generated for the fused loops."""
    for kind in MEMORY_KIND.values():
        check_fits(n, kind, device)
    x, y = make_data(n, device)
    lr, cells, code = 0.1, {}, {}
    repeat, mini = options["repeat"], options["repeat_minibatch"]
    read = timed(lambda: read_pass(x, y), device, repeat)

    def note(key, cell):
        cells[key] = {k: v for k, v in cell.items() if k != "samples"}
        if bar is not None:
            bar.update()

    w, b = init_params(device=device)
    note("autograd", timed(lambda: step_autograd(x, y, w, b, lr), device,
                           repeat))
    for key, grads in (
            ("hand_addmm", functools.partial(grads_by_hand,
                                             residual=residual_addmm)),
            ("hand", grads_by_hand),
            ("hand_chunks", functools.partial(grads_by_hand, chunk=CHUNK)),
            ("columns", grads_by_columns),
            ("columns_chunks", functools.partial(grads_by_columns,
                                                 chunk=COLUMN_CHUNK))):
        note(key, timed(lambda: step_with(grads, x, y, w, b, lr), device,
                        repeat))
    for key, (xx, yy) in (("fused_rows", (x.contiguous(), y.contiguous())),
                          ("fused", (x, y))):
        try:
            cell, code[key] = measure_fused(xx, yy, w, b, lr, device,
                                            repeat)
            note(key, cell)
        except Exception as error:  # no C++ compiler, no Triton, ...
            note(key, {"error": f"{type(error).__name__}: "
                                f"{str(error)[:300]}"})
        del xx, yy

    size, large = options["batch_size"], options["large_batch"]
    batches = -(-n // size)
    for (name, loader), (key, cap) in zip(
            loaders(x, y, size).items(),
            (("loader_rows", "loader_cap"), ("loader_batches", "batches_cap"))):
        w, b = init_params(device=device)
        note(key, {**time_epoch(lambda m: epoch_loader(loader, w, b, lr, m),
                                batches, options[cap], device, mini),
                   "batch_size": size})
    gen = torch.Generator(device=device).manual_seed(0)
    for key, bs in (("slicing", size), ("slicing_large", large)):
        w, b = init_params(device=device)
        note(key, {**time_epoch(
            lambda m: epoch_slicing(x, y, w, b, lr, bs, gen, m),
            -(-n // bs), options["slicing_cap"], device, mini),
            "batch_size": bs})
    note("closed_form", timed(lambda: closed_form(x, y), device, repeat))
    g, c = normal_equations(x, y)
    w, b = init_params(device=device)
    note("gram_step", timed(lambda: step_gram(g, c, n, w, b, lr), device,
                            repeat))
    after = timed(lambda: read_pass(x, y), device, repeat)
    del x, y, g, c
    bound = sig3(statistics.median([read["s"], after["s"]]))
    for cell in cells.values():
        if "s" in cell:
            cell["ratio"] = sig3(cell["s"]) / bound  # (time ÷ bound) as shown
    return {"n": n, "bytes": 20 * n, "load": load_average(),
            "bound": {"s": bound, "iqr": max(read["iqr"], after["iqr"]),
                      "before_s": read["s"], "after_s": after["s"]},
            "methods": cells}, code


def sig3(s):
    """s to three significant digits, as the tables show it."""
    return float(f"{s:.3g}")


def machine(device):
    """What the numbers were measured on, for the results file."""
    info = {"device": torch.device(device).type,
            "torch": torch.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(), "cores": os.cpu_count(),
            "cpu": platform.processor() or platform.machine()}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo
                     if line.startswith("model name")]
        info["cpu"] = names[0]
    except (OSError, IndexError):
        pass
    try:
        with open("/proc/meminfo") as meminfo:
            total = int(meminfo.readline().split()[1]) * 1024
        info["memory_gib"] = round(total / 2**30, 1)
    except (OSError, ValueError, IndexError):
        pass
    if info["device"] == "cuda":
        props = torch.cuda.get_device_properties(device)
        info["gpu"] = props.name
        info["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
    return info


def benchmark(ns, device, progress=True, options=OPTIONS, load_before=None,
              max_load=MAX_LOAD):
    """Measure every N; return the results with what they ran on, and the
    generated code of the fused loops at the largest N."""
    started = time.perf_counter()
    for n in ns:  # fail before the first measurement, not in the middle
        for kind in MEMORY_KIND.values():
            check_fits(n, kind, device)
    result = {**machine(device), "date": datetime.date.today().isoformat(),
              "command": " ".join(["python snippets/scaling_up.py",
                                   *sys.argv[1:]]),
              "options": options,
              "load": {"before": load_before if load_before is not None
                       else load_average()}, "runs": []}
    code = {}
    with tqdm(total=len(ns) * len(LABELS), disable=not progress,
              desc="measuring", file=sys.stderr) as bar:
        for n in ns:
            bar.set_postfix_str(f"N = {n:.0e}")
            run, code = measure(n, device, options, bar=bar)
            result["runs"].append(run)
    after = load_average()
    result["load"]["after"] = after
    result["load"]["limits"] = [max_load, result["threads"] + 1]
    before = result["load"]["before"]
    result["loaded"] = bool(before is not None and (
        before > max_load or after > result["threads"] + 1))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result, code


def seconds_text(s):
    """A duration to three significant digits: 12.3 µs, 3.45 ms, 1.23 s."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale or unit == "µs":
            v = float(f"{s / scale:.3g}")
            return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.3g} {unit}"


def percent(cell):
    """The IQR as a percentage of the median: 4 %, 120 %."""
    return f"{cell['iqr'] / cell['s'] * 100:.0f}%"


def ratio_text(r):
    """A ratio to two significant digits: 0.026, 1.3, 42, 4,800."""
    v = float(f"{r:.2g}")
    return f"{v:,.0f}" if v >= 10 else f"{v:g}"


def power_text(v):
    """A large number as 3.5×10⁸; a power of ten as 10⁸."""
    exponent = len(str(int(v))) - 1
    head = float(f"{v / 10**exponent:.2g}")
    if head >= 10:
        head, exponent = head / 10, exponent + 1
    sup = str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{sup}" if head == 1 else f"{head:g}×10{sup}"


def markdown(result):
    """The results as Markdown: what ran where, and two narrow tables."""
    runs, last = result["runs"], result["runs"][-1]
    where = result.get("gpu") or result["cpu"]
    size = (f" ({result['gpu_memory_gib']} GiB)" if "gpu" in result
            else f", {result['cores']} cores")
    load = result["load"]
    lines = []
    if result["loaded"]:
        lines += ['!!! warning "Measured on a busy machine"', "",
                  f"    The load average was {load['before']} before the "
                  f"run and {load['after']} after it (limits "
                  f"{load['limits'][0]} and {load['limits'][1]}): other "
                  "processes competed for the cores, so these times are "
                  "slower and noisier than this machine can do. Run "
                  "`make bench` on a quiet machine to remeasure.", ""]
    lines += [f"Measured on **{where}**{size}, torch {result['torch']}, "
              f"**{result['threads']} CPU thread(s)**, on {result['date']}; "
              f"load average {load['before']} before the run, "
              f"{load['after']} after it. The run took "
              f"{result['seconds']:.0f} s.", "",
              f"**At N = {power_text(last['n'])}**: the median time per "
              "epoch ± the spread of the middle half of the repeats (IQR), as "
              "a percentage of the median; in the last column (÷), the median "
              "divided by the read pass.", "",
              "| method | median ± IQR | ÷ |", "|:---|---:|---:|",
              f"| read pass | {seconds_text(last['bound']['s'])} "
              f"±{percent(last['bound'])} | 1 |"]
    marks = set()
    for key, label in LABELS.items():
        cell = last["methods"][key]
        if "error" in cell:
            lines.append(f"| {label} | failed | |")
            continue
        mark = "†" if cell.get("sampled") else ""
        marks.update(["†"] if mark else [])
        lines.append(f"| {label} | {seconds_text(cell['s'])}{mark} "
                     f"±{percent(cell)} | {ratio_text(cell['ratio'])} |")
    smaller = runs[-2::-1]
    for group in (smaller[i:i + 2] for i in range(0, len(smaller), 2)):
        lines += ["", "**Median ÷ read pass at N = " + " and ".join(
            power_text(r["n"]) for r in group) + "**:", "",
            "| method | " + " | ".join(power_text(r["n"]) for r in group)
            + " |", "|:---|" + "---:|" * len(group)]
        for key, label in LABELS.items():
            cells = [r["methods"][key] for r in group]
            lines.append(f"| {label} | " + " | ".join(
                "–" if "error" in c else ratio_text(c["ratio"])
                + (" †" if c.get("sampled") else "") for c in cells) + " |")
    options = result["options"]
    lines += ["", f"Batches of B = {options['batch_size']:,} rows, "
              f"{options['large_batch']:,} for *slicing, big B*; *loader* "
              "is the DataLoader."]
    if "†" in marks or any(c.get("sampled") for r in runs
                           for c in r["methods"].values()):
        lines += ["", "† Extrapolated: the first batch (which includes the "
                  "shuffle) and the first "
                  f"{options['loader_cap']:,} (per row), "
                  f"{options['batches_cap']:,} (batches) or "
                  f"{options['slicing_cap']:,} (slicing) batches are timed, "
                  "and the rest of the epoch runs at the same rate per "
                  "batch."]
    errors = {c.get("error") for r in runs for c in r["methods"].values()}
    lines += [""] + [f"torch.compile failed: `{e}`" for e in errors - {None}]
    return "\n".join(lines).rstrip() + "\n"


def dump(result):
    """The results as JSON, one line per measurement: short enough to show
    on the page in full, and exactly what json.loads reads back."""
    head = {k: v for k, v in result.items() if k != "runs"}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in
                     head.items()] + [' "runs": [']
    for i, run in enumerate(result["runs"]):
        fields = [f'  {{"n": {run["n"]}, "bytes": {run["bytes"]}, '
                  f'"load": {json.dumps(run["load"])},',
                  f'   "bound": {json.dumps(run["bound"])},',
                  '   "methods": {']
        items = list(run["methods"].items())
        fields += [f"    {json.dumps(k)}: {json.dumps(v)}"
                   + ("," if j < len(items) - 1 else "")
                   for j, (k, v) in enumerate(items)]
        fields.append("  }}" + ("," if i < len(result["runs"]) - 1 else ""))
        lines += fields
    text = "\n".join(lines + [" ]", "}"]) + "\n"
    assert json.loads(text) == result
    return text


def counts(text):
    """'1e6' or '1e4,1e5' -> [10**6] or [10**4, 10**5]."""
    return [int(float(part)) for part in text.split(",")]


def wait_for_quiet(max_load, wait_s=60):
    """The load average, after waiting up to wait_s for it to fall."""
    load = load_average()
    deadline = time.monotonic() + wait_s
    while load is not None and load > max_load and time.monotonic() < deadline:
        time.sleep(5)
        load = load_average()
    return load


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=counts,
                        help="rows to time, e.g. 1e6 or 1e4,1e5,1e6")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the "
                        "lesson's pick_device(), i.e. $LINREG_DEVICE)")
    parser.add_argument("--repeat", type=int, default=OPTIONS["repeat"],
                        help="timed samples per method; median and IQR kept")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads "
                        "for torch (default 1: steady, and the same for "
                        "every method)")
    parser.add_argument("--max-load", type=float, default=MAX_LOAD,
                        help="refuse to start above this 1-minute load "
                        "average (default %(default)s)")
    parser.add_argument("--wait-s", type=float, default=60,
                        help="wait up to this long for the load to fall "
                        "before refusing (default %(default)s)")
    parser.add_argument("--allow-loaded", action="store_true",
                        help="run and write on a busy machine anyway; the "
                        "results are then marked as loaded")
    parser.add_argument("--write-results", action="store_true",
                        help="write bench/results-<device>.json and .md and "
                        "the generated code of the fused loop")
    args = parser.parse_args(argv)
    if args.n is None and not args.write_results:
        return 0  # the page's examples above were the whole run
    where = torch.device(args.device) if args.device else pick_device()
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": torch.backends.mps.is_available()}
    if not available.get(where.type):
        parser.error(f"--device {where.type}: this machine or this torch "
                     f"build ({torch.__version__}) has none")
    ns = args.n or DEFAULT_N.get(where.type, DEFAULT_N["cpu"])
    try:
        for n in ns:
            for kind in MEMORY_KIND.values():
                check_fits(n, kind, where)
    except MemoryError as error:
        parser.exit(2, f"scaling_up.py: MemoryError: {error}\n")
    load = wait_for_quiet(args.max_load,
                          0 if args.allow_loaded else args.wait_s)
    if load is not None and load > args.max_load and not args.allow_loaded:
        parser.exit(2, f"scaling_up.py: the load average is {load}, above "
                    f"--max-load {args.max_load}: other processes would "
                    "change the times. Run on a quiet machine, or pass "
                    "--allow-loaded to measure anyway (the results are then "
                    "marked as loaded).\n")
    torch.set_num_threads(args.threads)
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = tempfile.mkdtemp()  # cold compile
    options = {**OPTIONS, "repeat": args.repeat}
    result, code = benchmark(ns, where, sys.stderr.isatty()
                             or args.write_results, options, load,
                             args.max_load)
    text = markdown(result)
    print(text)
    if result["loaded"] and not args.allow_loaded:
        parser.exit(3, f"scaling_up.py: the load average rose to "
                    f"{result['load']['after']} during the run: nothing "
                    "written. Rerun on a quiet machine, or pass "
                    "--allow-loaded.\n")
    if args.write_results:
        out, kind = ROOT / "bench", where.type
        (out / f"results-{kind}.json").write_text(dump(result),
                                                  encoding="utf-8")
        (out / f"results-{kind}.md").write_text(text, encoding="utf-8")
        for key, layout in (("fused", "columns"), ("fused_rows", "rows")):
            if key in code:
                (out / f"fused-{layout}-{kind}.py").write_text(
                    code[key], encoding="utf-8")
                (out / f"fused-{layout}-{kind}.txt").write_text(
                    excerpt(code[key], ns[-1]) + "\n", encoding="utf-8")
        print(f"wrote bench/results-{kind}.json and .md, and the generated "
              f"code bench/fused-*-{kind}.py (excerpts in .txt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
