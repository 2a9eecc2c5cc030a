"""Past one machine: the 1,000 regions of chapter 9 trained by two processes
at once with torch.distributed on the gloo backend, started with torchrun.
Gradient descent with DistributedDataParallel, and the exact answer from a
single all_reduce of the sums [X | 1 | Y]ᵀ[X | 1 | Y]; both give the weights
one process gives.

Run: python snippets/distributed.py  (it writes regions.npy, ddp_regions.py
and rank0.pt, rank1.pt into the current folder, and starts torchrun itself)
"""

from pathlib import Path

import torch  # noqa: F401 - the regions section below uses it

from linreg import inputs, pick_device, targets  # noqa: F401


def _section(file, name):
    """A named section of another snippet: this page's Setup shows chapter 9's
    `regions`, so the script runs exactly that code."""
    text = (Path(__file__).parent / file).read_text(encoding="utf-8")
    return text.split(f"# --8<-- [start:{name}]\n")[1].split(
        f"# --8<-- [end:{name}]")[0]


from linreg import init_params, model, mse  # noqa: E402,F401 - Setup shows them
exec(_section("pytorch_way.py", "device"))  # noqa: S102 - device
exec(_section("pytorch_way.py", "regions"))  # noqa: S102 - big_x, big_y

# --8<-- [start:save]
import numpy as np

rows = torch.cat([big_x, big_y], dim=1).cpu().numpy()  # (1)!
np.save("regions.npy", rows)
print("regions.npy:", rows.shape, rows.dtype, f"{rows.nbytes:,} bytes")
# --8<-- [end:save]

# --8<-- [start:script]
from pathlib import Path

Path("ddp_regions.py").write_text('''\
"""Linear regression on the rows of regions.npy ([X | Y], d = 3 features,
m = 2 outputs), by P processes at once: gradient descent with
DistributedDataParallel, then the exact answer from one all_reduce.
Start it with torchrun; on one machine, with two processes (one line):

    torchrun --nproc_per_node 2 --master_addr 127.0.0.1
             --master_port 29500 ddp_regions.py
"""
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

D, LR, EPOCHS = 3, 1e-5, 20


def start():
    """Join the group torchrun has set up: (rank, world size P)."""
    if "RANK" not in os.environ:
        sys.exit("start me with torchrun, e.g. torchrun --nproc_per_node 2 "
                 "--master_addr 127.0.0.1 --master_port 29500 "
                 "ddp_regions.py")
    if not dist.is_gloo_available():
        raise RuntimeError("this torch build has no gloo backend: install "
                           "the torch wheel from pytorch.org")
    dist.init_process_group("gloo")  # reads RANK, WORLD_SIZE, MASTER_*
    return dist.get_rank(), dist.get_world_size()


def shard(n_rows, rank, world):
    """Rank `rank`'s rows: the rank-th of `world` equal, contiguous parts."""
    if n_rows % world:
        raise ValueError(
            f"{n_rows} rows do not split into {world} equal shards: DDP "
            "averages the ranks' gradients with equal weights, which is the "
            "gradient of all rows only if every rank holds as many rows. "
            f"Start a number of processes that divides {n_rows}, or leave "
            f"out the last {n_rows % world} row(s)")
    size = n_rows // world
    return slice(rank * size, (rank + 1) * size)


def load_shard(path, rank, world):
    """This rank's rows of the file, and only those: (x, y)."""
    data = np.load(path, mmap_mode="r")  # maps the file, reads nothing yet
    mine = torch.from_numpy(np.array(data[shard(len(data), rank, world)]))
    return mine[:, :D], mine[:, D:]


def seeded_layer(d, m):
    """nn.Linear(d, m) starting from linreg.py's init_params(seed=0)."""
    gen = torch.Generator().manual_seed(0)
    layer = nn.Linear(d, m)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(m, d, generator=gen))
        layer.bias.copy_(torch.randn(m, generator=gen))
    return layer


def train(net, x, y):
    """Full-batch gradient descent on (x, y); each epoch's loss, as tensors.
    Wrapped in DDP, net all-reduces the gradients in backward()."""
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    losses = []
    for epoch in range(EPOCHS):
        loss = F.mse_loss(net(x), y)  # mean over this rank's rows
        optimizer.zero_grad()
        loss.backward()  # DDP: grads become their mean over the ranks
        optimizer.step()  # the same gradient everywhere: the same step
        losses.append(loss.detach())
    return torch.stack(losses)


def sums(x, y):
    """[X | 1 | Y]^T [X | 1 | Y] over these rows, in float64: G, C and YᵀY."""
    a = torch.cat([x, x.new_ones(len(x), 1), y], dim=1).double()
    return a.T @ a


def solve(total):
    """Θ = G⁻¹C from the sums of all rows: (d + 1) × m, biases last."""
    return torch.linalg.solve(total[:D + 1, :D + 1], total[:D + 1, D + 1:])


def main():
    rank, world = start()
    x, y = load_shard("regions.npy", rank, world)
    net = DistributedDataParallel(seeded_layer(D, y.shape[1]))
    losses = train(net, x, y)
    dist.all_reduce(losses)  # once, after training: every epoch's sum
    losses /= world  # the mean over ranks, so the loss of all rows
    local = sums(x, y)
    total = local.clone()
    dist.all_reduce(total)  # the one exchange the exact answer needs
    theta = solve(total)
    torch.save({"rows": len(x), "world": world, "losses": losses,
                "weight": net.module.weight.detach(),
                "bias": net.module.bias.detach(),
                "sums": local, "theta": theta}, f"rank{rank}.pt")
    if rank == 0:
        print(f"{world} processes, {len(x)} rows each, backend "
              f"{dist.get_backend()}")
        print(f"loss of all rows, epoch 1: {losses[0]:.2f}, "
              f"epoch {EPOCHS}: {losses[-1]:.2f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
''')
print(len(Path("ddp_regions.py").read_text().splitlines()), "lines written")
# --8<-- [end:script]

# --8<-- [start:launch]
import os
import socket
import subprocess
import sys

with socket.socket() as s:  # (1)!
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

torchrun = [sys.executable, "-m", "torch.distributed.run"]  # (2)!
done = subprocess.run(
    [*torchrun, "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
     "--master_port", str(port), "ddp_regions.py"],
    capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
    timeout=300)  # (3)!
if done.returncode != 0:
    raise RuntimeError(f"torchrun failed:\n{done.stderr[-3000:]}")

print(done.stdout, end="")
# --8<-- [end:launch]

# --8<-- [start:ranks]
ranks = [torch.load(f"rank{r}.pt") for r in range(2)]
for r, got in enumerate(ranks):
    print(f"rank {r}: {got['rows']} rows, weight {got['weight'].flatten()}")

print("every rank ends with the same weights:",
      all(torch.equal(got["weight"], ranks[0]["weight"]) and
          torch.equal(got["bias"], ranks[0]["bias"]) for got in ranks))
# --8<-- [end:ranks]

# --8<-- [start:same]
import runpy

ddp = runpy.run_path("ddp_regions.py")  # (1)!
all_x = torch.from_numpy(rows[:, :3])
all_y = torch.from_numpy(rows[:, 3:])
one = ddp["seeded_layer"](3, 2)
one_losses = ddp["train"](one, all_x, all_y)  # (2)!

weight_gap = (ranks[0]["weight"] - one.weight).abs().max().item()
scale = one.weight.abs().max().item()
print(f"one process, epoch 20 loss: {one_losses[-1]:.2f}")
print(f"weights up to {scale:.2f}; largest difference below a millionth "
      f"of that: {weight_gap < 1e-6 * scale}")
print("same to float32 precision:",
      torch.allclose(ranks[0]["weight"], one.weight, rtol=1e-5, atol=0) and
      torch.allclose(ranks[0]["bias"], one.bias, rtol=1e-5, atol=1e-7))
# --8<-- [end:same]

# --8<-- [start:exact]
x_tilde = torch.cat([all_x, torch.ones(len(all_x), 1)], dim=1).double()
theta_one = torch.linalg.lstsq(x_tilde, all_y.double()).solution  # (1)!
theta_ddp = ranks[0]["theta"]
summed = ranks[0]["sums"] + ranks[1]["sums"]

print("Θ from the all_reduce: Wᵀ, one column per output, then the biases:")
print(theta_ddp.float())
theta_gap = (theta_ddp - theta_one).abs().max().item()
print("same as lstsq on all rows in one process, to 1e-9:", theta_gap < 1e-9)
print("every rank solved the same sums:",
      torch.equal(ranks[1]["theta"], theta_ddp))
exact_loss = (x_tilde @ theta_ddp - all_y.double()).pow(2).mean().item()
print(f"its loss: {exact_loss:.2f};"
      f" gradient descent's in epoch 20: {ranks[0]['losses'][-1]:.2f}")  # (2)!
# --8<-- [end:exact]

# --8<-- [start:figure]
import matplotlib.pyplot as plt

fig = plt.figure(figsize=(5.6, 3.4))
strip = fig.add_axes([0.02, 0.78, 0.96, 0.12])
colours = ["#4f8fe6", "#e8833a"]
first = 0
for r, got in enumerate(ranks):
    strip.barh(0, got["rows"], left=first, color=colours[r])
    strip.text(first + got["rows"] / 2, 0,
               f"rank {r}: rows {first + 1}–{first + got['rows']}",
               ha="center", va="center", color="black")
    first += got["rows"]

strip.set(xlim=(0, first), yticks=[], xticks=[])
low, high = summed.log10().min().item(), summed.log10().max().item()
strip.set_frame_on(False)
panels = [(ranks[0]["sums"], "rank 0's sums"), (ranks[1]["sums"],
          "rank 1's sums"), (summed, "all_reduce: sum")]
for n, (matrix, title) in enumerate(panels):
    ax = fig.add_axes([0.02 + n * 0.34, 0.02, 0.28, 0.6])
    ax.imshow(matrix.log10().numpy(), cmap="viridis", vmin=low, vmax=high)
    for edge in (2.5, 3.5):  # the blocks of [X 1 Y]: 3 features, the ones, 2 targets
        ax.axhline(edge, color="white", lw=1.5)
        ax.axvline(edge, color="white", lw=1.5)
    ax.set_title(title, fontsize=12)
    ax.set_xticks([1, 3, 4.5], ["X", "1", "Y"], fontsize=11)
    ax.set_yticks([1, 3, 4.5], ["X", "1", "Y"] if n == 0 else [], fontsize=11)
    ax.tick_params(length=0, pad=2)
    ax.set_frame_on(False)
    if n < 2:
        fig.text(0.32 + n * 0.34, 0.32, "+" if n == 0 else "=",
                 ha="center", va="center", fontsize=20)

plt.show()
# --8<-- [end:figure]

# --8<-- [start:uneven]
try:
    ddp["shard"](len(rows), 0, 3)  # (1)!
except ValueError as error:
    print("ValueError:", error)
# --8<-- [end:uneven]

# --8<-- [start:memory]
GIB = 2**30
gpu = 80 * GIB  # (1)!
print("  rows N  features d   X in float32   fits in 80 GiB")
for n, d in [(10**7, 3), (10**9, 3), (10**7, 1000), (10**8, 1000)]:
    x_bytes = n * d * 4  # N × d numbers of 4 bytes
    print(f"{n:8.0e} {d:11,} {x_bytes / GIB:10,.1f} GiB   "
          f"{'yes' if x_bytes < gpu else 'no'}")

for d in (3, 1000, 100_000):
    gram_bytes = (d + 1 + 2) ** 2 * 8  # (d + 1 + m)² numbers, float64
    print(f"sums for d = {d:>7,}: {gram_bytes:>15,} bytes, whatever N")
# --8<-- [end:memory]
