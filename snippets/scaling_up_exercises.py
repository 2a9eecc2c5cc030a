"""Solutions to the exercises of chapter 13, scaling up.

Run: python snippets/scaling_up_exercises.py
"""

import torch

from linreg import init_params, model, mse

# --8<-- [start:batched_loader]
from torch.utils.data import (BatchSampler, DataLoader, RandomSampler,
                              TensorDataset)


class CountingDataset(TensorDataset):
    """A TensorDataset that counts the calls to __getitem__."""
    calls = 0
    def __getitem__(self, index):
        self.calls += 1
        return super().__getitem__(index)


gen = torch.Generator().manual_seed(0)
dataset = CountingDataset(torch.randn(10_000, 3, generator=gen),
                          torch.randn(10_000, 2, generator=gen))
loaders = {
    "row by row": DataLoader(dataset, batch_size=1024, shuffle=True),
    "batch by batch": DataLoader(  # (1)!
        dataset, batch_size=None,
        sampler=BatchSampler(RandomSampler(dataset), 1024, drop_last=False)),
}
for name, loader in loaders.items():
    dataset.calls = 0
    shapes = [tuple(xb.shape) for xb, yb in loader]
    print(f"{name:>14}: {len(shapes)} batches, the first {shapes[0]}, "
          f"{dataset.calls:,} calls to __getitem__")
# --8<-- [end:batched_loader]

# --8<-- [start:one_step]
gen = torch.Generator().manual_seed(1)
x, y = torch.randn(10_000, 3, generator=gen), torch.randn(10_000, 2,
                                                          generator=gen)
lr = 0.5

w, b = init_params()  # autograd, on the rows
mse(model(x, w, b), y).backward()
with torch.no_grad():
    w_rows, b_rows = w - lr * w.grad, b - lr * b.grad

w, b = init_params()  # from G and C alone
x1 = torch.cat([x, torch.ones(len(x), 1)], dim=1)  # X̃ = [X 1], N×4
g, c = x1.t() @ x1, x1.t() @ y  # (1)!
theta = torch.cat([w.t(), b[None]]).detach()  # Θ = [Wᵀ; b], 4×2
theta = theta - lr * 2 / y.numel() * (g @ theta - c)
w_gram, b_gram = theta[:-1].t(), theta[-1]

print("same weights:", torch.allclose(w_rows, w_gram, atol=1e-5))
print("same biases: ", torch.allclose(b_rows, b_gram, atol=1e-5))
# --8<-- [end:one_step]
