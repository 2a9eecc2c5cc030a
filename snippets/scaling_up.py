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
import sys
from pathlib import Path

import torch
from tqdm import tqdm

from linreg import init_params, model, mse, pick_device

# --8<-- [start:imports]
import gc
import statistics
import time

from torch.utils.data import DataLoader, TensorDataset
# --8<-- [end:imports]

# --8<-- [start:data]
W_TRUE = torch.tensor([[0.5, 1.5, 0.5],  # apples: temperature, rain, humidity
                       [0.3, 1.2, 0.8]])  # oranges
B_TRUE = torch.tensor([2.0, 3.0])


def make_data(n, device="cpu", noise=0.1, seed=0):
    """n rows, made on the device from a seed: standardised features X (n×3)
    drawn from N(0, 1) and targets Y = X @ W_TRUEᵀ + B_TRUE + noise·N(0, 1)."""
    gen = torch.Generator(device=device).manual_seed(seed)  # (1)!
    x = torch.randn(n, 3, generator=gen, device=device)
    y = torch.randn(n, 2, generator=gen, device=device).mul_(noise)
    y.add_(B_TRUE.to(device)).addmm_(x, W_TRUE.to(device).t())  # (2)!
    return x, y


def show(name, w, b):
    """One line: the weights of apples, of oranges, then the two biases."""
    values = torch.cat([w.detach().flatten(), b.detach()]).tolist()
    print(f"{name:<22}" + " ".join(f"{v:6.3f}" for v in values))


device = pick_device()
print("device:", device)
x, y = make_data(10_000, device)
print("X", tuple(x.shape), "Y", tuple(y.shape), x.dtype)
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


def race(work, x, y, repeat=5):
    """Median seconds of work() and of read_pass(x, y), run in turns after
    one warm-up each, so that both see the same machine."""
    times = {"work": [], "read": []}
    gc.collect()
    gc.disable()  # (1)!
    try:
        for i in range(repeat + 1):
            for name, run in (("read", lambda: read_pass(x, y)),
                              ("work", work)):
                sync(x.device)
                start = time.perf_counter()
                run()
                sync(x.device)  # (2)!
                if i > 0:  # (3)!
                    times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return statistics.median(times["work"]), statistics.median(times["read"])
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
CHUNK = 2**16  # rows per piece: its residual, 2**16 × 2 floats, fits a cache


def grads_by_hand(x, y, w, b, chunk=None):
    """Loss and gradients from their formulas, without autograd. With chunk,
    the rows go a chunk at a time so that r never leaves the cache."""
    loss, gw, gb = x.new_zeros(()), torch.zeros_like(w), torch.zeros_like(b)
    for xc, yc in zip(x.split(chunk or len(x)), y.split(chunk or len(x))):
        r = torch.addmm(yc, xc, w.t(), beta=-1).add_(b)  # (1)!
        gw.addmm_(r.t(), xc)  # (2)!
        gb += r.sum(0)
        loss += torch.dot(r.flatten(), r.flatten())
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
# --8<-- [end:by_hand]


# --8<-- [start:fused]
def grads_fused(x, y, w, b):
    """The same loss and gradients, one output and one feature at a time:
    nothing but elementwise products and sums over the rows, which
    torch.compile fuses into a single loop over the data."""
    loss, gw, gb = 0.0, [], []
    for j in range(y.shape[1]):  # each output
        r = b[j] - y[:, j]  # (1)!
        for i in range(x.shape[1]):  # each feature
            r = r + w[j, i] * x[:, i]
        loss = loss + (r * r).sum()
        gw.append(torch.stack([(r * x[:, i]).sum()
                               for i in range(x.shape[1])]))
        gb.append(r.sum())
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


BATCH_SIZE = 1024
loader = DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
w, b = init_params(device=device)
for epoch in range(5):
    epoch_loader(loader, w, b, lr=0.2)

fits["DataLoader"] = w, b
show("DataLoader", w, b)
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
def normal_equations(x, y):
    """One pass over the data: A = X̃ᵀX̃, (d+1)×(d+1), and C = X̃ᵀY, (d+1)×k,
    where X̃ = [X 1] is X with a column of ones for the bias."""
    n, d = x.shape
    a = x.new_empty(d + 1, d + 1)
    a[:d, :d] = x.t() @ x  # (1)!
    a[:d, d] = a[d, :d] = x.sum(0)
    a[d, d] = n
    c = torch.cat([x.t() @ y, y.sum(0, keepdim=True)])
    return a, c


def closed_form(x, y):
    """The least-squares weights (k×d) and biases (k,) from one solve."""
    a, c = normal_equations(x, y)
    theta = torch.linalg.solve(a, c)  # (2)!
    return theta[:-1].t(), theta[-1]


fits["closed form"] = closed_form(x, y)
show("closed form", *fits["closed form"])
# --8<-- [end:closed_form]


# --8<-- [start:gram]
@torch.no_grad()
def step_gram(a, c, n, w, b, lr):
    """One full-batch gradient-descent step from A and C alone: O(d²k)
    work, the same for ten rows or ten million."""
    theta = torch.cat([w.t(), b[None]])  # (d+1)×k
    grad = (a @ theta - c) * (2 / (n * c.shape[1]))  # (1)!
    w -= lr * grad[:-1].t()
    b -= lr * grad[-1]


a, c = normal_equations(x, y)
w, b = init_params(device=device)
for epoch in range(30):
    step_gram(a, c, len(x), w, b, lr=0.5)

fits["gradient descent on A"] = w, b
show("gradient descent on A", w, b)
# --8<-- [end:gram]

# --8<-- [start:agree]
exact = torch.cat([t.flatten() for t in fits["closed form"]])
for name, (w, b) in fits.items():
    gap = (torch.cat([w.detach().flatten(), b.detach()]) - exact).abs().max()
    print(f"{name:<22} largest difference from the closed form: {gap:.3f}")
# --8<-- [end:agree]


# --8<-- [start:memory]
# Bytes per row each method holds at its peak, for float32 X (N×3) and
# Y (N×2): the data, 20 bytes a row, plus what the method adds. Measured
# on the CPU (resident memory); the pair is (on the device, in host RAM).
ROW_BYTES = {
    "full batch, autograd": (20 + 24, 0),  # (1)!
    "full batch, by hand": (20 + 8, 0),  # r, N×2; chunked: almost 0
    "full batch, fused": (20, 0),
    "DataLoader": (20, 48),  # (2)!
    "slicing": (20 + 8, 0),  # the shuffled order, N int64 numbers
    "closed form": (20, 0),  # A and C: (d+1)×(d+1) and (d+1)×k numbers
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


# ---------------------------------------------------------------------------
# The benchmark: `make bench`, or --n / --write-results (see the docstring).
# Not shown on the page; the page shows the pieces above and the results.
# ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
METHODS = {  # key -> label in the tables, in the page's order
    "full_autograd": "1. full batch, autograd",
    "full_by_hand": "1. full batch, by hand",
    "full_chunked": "1. full batch, by hand in chunks",
    "full_compiled": "1. full batch, fused by torch.compile",
    "dataloader": "2. minibatches, DataLoader",
    "slicing": "3. minibatches, slicing on the device",
    "slicing_large": "3. slicing, larger batches",
    "closed_form": "4. closed form: one pass + solve (whole fit)",
    "gram_step": "4. gradient descent on A (one epoch)",
}
MEMORY_KIND = {"full_autograd": "full batch, autograd",
               "full_by_hand": "full batch, by hand",
               "dataloader": "DataLoader", "slicing": "slicing"}
DEFAULT_N = {"cpu": [10**4, 10**5, 10**6, 10**7],
             "cuda": [10**4, 10**5, 10**6, 10**7, 10**8]}


def time_epoch(run, batches, cap, x, y, repeat):
    """Seconds for an epoch of `batches` batches, and for a read pass. run(m)
    does the first m batches. Past `cap` batches, time the first batch
    (which includes shuffling) and `cap` batches, and extrapolate."""
    if batches <= cap:
        return (*race(lambda: run(None), x, y, repeat), None)
    first, read1 = race(lambda: run(1), x, y, repeat)
    some, read2 = race(lambda: run(cap), x, y, repeat)
    per_batch = max(some - first, 0) / (cap - 1)  # noise can make it < 0
    return first + per_batch * (batches - 1), (read1 + read2) / 2, cap


def measure(n, device, batch_size=1024, large_batch=2**16, repeat=5,
            loader_cap=100, slicing_cap=20_000, bar=None):
    """Time every method on n rows; return a dict of plain numbers."""
    for key, kind in MEMORY_KIND.items():
        check_fits(n, kind, device)
    x, y = make_data(n, device)
    lr, results = 0.1, {}

    def note(key, epoch_s, read_s, sampled=None, **extra):
        results[key] = {"epoch_s": epoch_s, "read_s": read_s,
                        "x_bound": epoch_s / read_s,
                        "rows_per_s": n / epoch_s, "sampled_batches": sampled,
                        **extra}
        if bar is not None:
            bar.update()

    def params():
        return init_params(device=device)

    w, b = params()
    note("full_autograd", *race(lambda: step_autograd(x, y, w, b, lr),
                                x, y, repeat))
    note("full_by_hand", *race(
        lambda: step_with(grads_by_hand, x, y, w, b, lr), x, y, repeat))
    chunked = functools.partial(grads_by_hand, chunk=CHUNK)
    note("full_chunked", *race(lambda: step_with(chunked, x, y, w, b, lr),
                               x, y, repeat), chunk=CHUNK)
    torch.compiler.reset()  # compile from scratch at every N
    start = time.perf_counter()
    try:
        fused = torch.compile(grads_fused, dynamic=False)
        step_with(fused, x, y, w, b, lr)
        sync(device)
        compile_s = time.perf_counter() - start
        note("full_compiled", *race(lambda: step_with(fused, x, y, w, b, lr),
                                    x, y, repeat), compile_s=compile_s)
    except Exception as error:  # no C++ compiler, no Triton, ...
        results["full_compiled"] = {
            "error": f"{type(error).__name__}: {str(error)[:300]}"}
        if bar is not None:
            bar.update()

    batches = -(-n // batch_size)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size,
                        shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    w, b = params()
    note("dataloader", *time_epoch(
        lambda m: epoch_loader(loader, w, b, lr, m), batches, loader_cap, x, y,
        max(1, min(repeat, 3))), batch_size=batch_size)
    gen = torch.Generator(device=device).manual_seed(0)
    for key, size in (("slicing", batch_size), ("slicing_large", large_batch)):
        w, b = params()
        note(key, *time_epoch(
            lambda m: epoch_slicing(x, y, w, b, lr, size, gen, m),
            -(-n // size), slicing_cap, x, y, max(1, min(repeat, 3))),
            batch_size=size)

    note("closed_form", *race(lambda: closed_form(x, y), x, y, repeat))
    a, c = normal_equations(x, y)
    w, b = params()
    note("gram_step", *race(lambda: step_gram(a, c, n, w, b, lr), x, y,
                            repeat))
    results["gram_step"]["rows_per_s"] = None  # it reads no rows
    del x, y, a, c, loader
    return results


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


def benchmark(ns, device, progress=True, **options):
    """Measure every N; return the results with what they ran on."""
    started = time.perf_counter()
    for n in ns:  # fail before the first measurement, not in the middle
        for kind in MEMORY_KIND.values():
            check_fits(n, kind, device)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    result = {**machine(device),
              "date": datetime.date.today().isoformat(),
              "command": " ".join(["python snippets/scaling_up.py",
                                   *sys.argv[1:]]),
              "load_before": [round(v, 2) for v in load] if load else None,
              "options": options, "runs": []}
    with tqdm(total=len(ns) * len(METHODS), disable=not progress,
              desc="measuring", file=sys.stderr) as bar:
        for n in ns:
            bar.set_postfix_str(f"N = {n:.0e}")
            result["runs"].append({"n": n, "bytes": 20 * n, "methods": measure(
                n, device, bar=bar, **options)})
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    result["load_after"] = [round(v, 2) for v in load] if load else None
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["summary"] = summary(result)
    return result


def summary(result):
    """The ratios the page quotes, at the largest N measured."""
    last = result["runs"][-1]
    m = last["methods"]
    ratios = {"n": last["n"],
              "read_s": m["full_autograd"]["read_s"],
              "bandwidth_gb_s": last["bytes"] / m["full_autograd"]["read_s"]
              / 1e9,
              "slicing_vs_loader": m["dataloader"]["epoch_s"]
              / m["slicing"]["epoch_s"],
              "gram_step_s": m["gram_step"]["epoch_s"],
              "loader_row_s": m["dataloader"]["epoch_s"] / last["n"],
              "slicing_step_s": m["slicing"]["epoch_s"]
              / -(-last["n"] // m["slicing"]["batch_size"]),
              "compile_s": m["full_compiled"].get("compile_s")}
    for key in METHODS:
        if "x_bound" in m[key]:
            ratios[f"{key}_x_bound"] = m[key]["x_bound"]
    return ratios


def seconds_text(s):
    """A duration in a unit a reader can compare: 12 µs, 3.4 ms, 1.2 s."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale or unit == "µs":
            return f"{two_digits(s / scale)} {unit}"


def two_digits(v):
    """v to two significant digits, written plainly: 0.97, 3.5, 42, 1,700."""
    if v >= 100:
        return f"{float(f'{v:.2g}'):,.0f}"
    return f"{v:.2g}" if v < 10 else f"{v:.0f}"


def power_text(v):
    """A large number as 3.5×10⁸; a power of ten as 10⁸."""
    exponent = len(str(int(v))) - 1
    head = float(f"{v / 10**exponent:.2g}")
    if head >= 10:
        head, exponent = head / 10, exponent + 1
    sup = str(exponent).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{sup}" if head == 1 else f"{head:g}×10{sup}"


def markdown(result):
    """The results as Markdown: what ran where, two tables, the ratios."""
    runs = result["runs"]
    where = result.get("gpu") or result["cpu"]
    size = (f" ({result['gpu_memory_gib']} GiB)" if "gpu" in result
            else f", {result['cores']} cores")
    load = [(result[k] or ["?"])[0] for k in ("load_before", "load_after")]
    lines = [f"Measured on **{where}**{size}, torch {result['torch']}, "
             f"{result['threads']} CPU threads, on {result['date']} (load "
             f"average {load[0]} before, {load[1]} after; the run took "
             f"{result['seconds']:.0f} s). Command: "
             f"`{result['command']}`.", ""]
    head = ("| method | "
            + " | ".join(f"N = {power_text(r['n'])}" for r in runs) + " |")
    rule = "|:---|" + "---:|" * len(runs)
    lines += ["**Time per epoch**, and in brackets that time divided by the "
              "one-pass bound (the time to read X and Y once):", "",
              head, rule,
              "| one-pass bound: read X and Y | " + " | ".join(
                  seconds_text(r["methods"]["full_autograd"]["read_s"])
                  for r in runs) + " |"]
    labels = {}
    for key, label in METHODS.items():
        if "batch_size" in runs[0]["methods"][key]:
            label += f", B = {runs[0]['methods'][key]['batch_size']:,}"
        labels[key] = label
        cells = []
        for run in runs:
            cell = run["methods"][key]
            if "error" in cell:
                cells.append("failed")
                continue
            cells.append(f"{seconds_text(cell['epoch_s'])} "
                         f"({two_digits(cell['x_bound'])}×)"
                         + (" †" if cell["sampled_batches"] else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "**Rows per second**: N divided by the time per epoch.",
              "", head, rule]
    for key, label in labels.items():
        cells = [power_text(cell["rows_per_s"]) if cell.get("rows_per_s")
                 else "–" for cell in (r["methods"][key] for r in runs)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    options, lines = result["options"], lines + [""]
    cells = [c for r in runs for c in r["methods"].values()]
    if any(c.get("sampled_batches") for c in cells):
        lines += [f"† Extrapolated from the time of the first batch (which "
                  f"includes the shuffle) and of the first "
                  f"{options['loader_cap']:,} batches (DataLoader) or "
                  f"{options['slicing_cap']:,} (slicing): the rest of the "
                  "epoch runs at the same rate per batch.", ""]
    errors = {r["methods"]["full_compiled"].get("error") for r in runs}
    lines += [f"torch.compile failed: `{e}`" for e in errors - {None}]
    s = result["summary"]
    goal = {True: "met", False: "not met"}
    eager = min(s[f"{k}_x_bound"] for k in
                ("full_autograd", "full_by_hand", "full_chunked"))
    compiled = (f"**{two_digits(s['full_compiled_x_bound'])}×** fused by "
                f"torch.compile (compiling took "
                f"{seconds_text(s['compile_s'])})"
                if "full_compiled_x_bound" in s else "torch.compile failed")
    lines += [
        f"At N = {power_text(s['n'])}:", "",
        f"- One read pass of X and Y ({s['n'] * 20 / 1e6:,.0f} MB) takes "
        f"{seconds_text(s['read_s'])}: **{s['bandwidth_gb_s']:.2g} GB/s**.",
        f"- A full-batch epoch takes **{two_digits(s['full_autograd_x_bound'])}"
        f"×** the one-pass bound with autograd, "
        f"**{two_digits(s['full_by_hand_x_bound'])}×** with the gradient by "
        f"hand, **{two_digits(s['full_chunked_x_bound'])}×** by hand in "
        f"chunks (goal for eager, within 3×: {goal[eager <= 3]}) and "
        f"{compiled}.",
        f"- Slicing on the device runs an epoch "
        f"**{two_digits(s['slicing_vs_loader'])}×** faster than the "
        f"DataLoader at the same batch size (goal, at least 10×: "
        f"{goal[s['slicing_vs_loader'] >= 10]}). The DataLoader spends "
        f"{seconds_text(s['loader_row_s'])} a row; slicing spends "
        f"{seconds_text(s['slicing_step_s'])} a step.",
        f"- The closed form's whole fit takes "
        f"**{two_digits(s['closed_form_x_bound'])}×** the bound, once; "
        f"after it, an epoch of gradient descent on A takes "
        f"{seconds_text(s['gram_step_s'])}, at any N."]
    return "\n".join(lines) + "\n"


def counts(text):
    """'1e6' or '1e4,1e5' -> [10**6] or [10**4, 10**5]."""
    return [int(float(part)) for part in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=counts,
                        help="rows to time, e.g. 1e6 or 1e4,1e5,1e6")
    parser.add_argument("--device", help="cpu, cuda or mps (default: the "
                        "lesson's pick_device(), i.e. $LINREG_DEVICE)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs per method; the median is kept")
    parser.add_argument("--threads", type=int, help="CPU threads for torch "
                        "(default: all cores); 1 is steadier on a busy "
                        "machine")
    parser.add_argument("--write-results", action="store_true",
                        help="write bench/results-<device>.json and .md")
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
    if args.threads:
        torch.set_num_threads(args.threads)
    options = {"batch_size": args.batch_size, "repeat": args.repeat,
               "large_batch": 2**16, "loader_cap": 100, "slicing_cap": 20_000}
    try:
        result = benchmark(ns, where, progress=sys.stderr.isatty()
                           or args.write_results, **options)
    except MemoryError as error:
        parser.exit(2, f"scaling_up.py: MemoryError: {error}\n")
    text = markdown(result)
    print(text)
    if args.write_results:
        out = ROOT / "bench"
        (out / f"results-{where.type}.json").write_text(
            json.dumps(result, indent=1) + "\n", encoding="utf-8")
        (out / f"results-{where.type}.md").write_text(text, encoding="utf-8")
        print(f"wrote bench/results-{where.type}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
