"""Solutions to chapter 14's exercises: what DistributedSampler deals each
rank, the exact answer from shards of unequal size, and why averaging the
gradients of unequal shards goes wrong. Each plays the ranks in one process.

Run: python snippets/distributed_exercises.py
"""

import torch  # noqa: F401 - the sections import what they use

from linreg import init_params, inputs, model, mse, targets  # noqa: F401

# --8<-- [start:sampler]
from torch.utils.data.distributed import DistributedSampler

for drop_last in (False, True):
    dealt = [list(DistributedSampler(range(5), num_replicas=2, rank=r,
                                     shuffle=False, drop_last=drop_last))
             for r in range(2)]
    print(f"drop_last={drop_last}: rank 0 gets rows {dealt[0]}, "
          f"rank 1 gets {dealt[1]}")
# --8<-- [end:sampler]

# --8<-- [start:uneven_sums]
x5 = torch.from_numpy(inputs).double()
y5 = torch.from_numpy(targets).double()


def region_sums(x, y):
    """[X | 1 | Y]ᵀ[X | 1 | Y] over these rows."""
    a = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype), y], dim=1)
    return a.T @ a


total = region_sums(x5[:2], y5[:2]) + region_sums(x5[2:], y5[2:])
theta_shards = torch.linalg.solve(total[:4, :4], total[:4, 4:])
x5_tilde = torch.cat([x5, torch.ones(5, 1, dtype=x5.dtype)], dim=1)
theta_all = torch.linalg.lstsq(x5_tilde, y5).solution
print("shards of 2 and 3 rows, summed then solved:")
print(theta_shards.float())
print("same as lstsq on all 5 rows, to 1e-9:",
      (theta_shards - theta_all).abs().max().item() < 1e-9)
# --8<-- [end:uneven_sums]

# --8<-- [start:uneven_grads]
def weight_grad(x, y):
    """dL/dW of the mean squared error over these rows, from seed 0."""
    w, b = init_params(seed=0)
    mse(model(x, w, b), y).backward()
    return w.grad


x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
true = weight_grad(x, y)
parts = [weight_grad(x[:2], y[:2]), weight_grad(x[2:], y[2:])]
averaged = (parts[0] + parts[1]) / 2  # what DDP would do
weighted = (2 * parts[0] + 3 * parts[1]) / 5  # each rank by its rows
print(f"plain average off by  {(averaged - true).norm() / true.norm():.1%}")
print("row-weighted: the gradient of all rows, to float32 rounding:",
      torch.allclose(weighted, true, rtol=1e-5))
# --8<-- [end:uneven_grads]
