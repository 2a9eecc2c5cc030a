"""Solutions to the exercises of chapter 9 (the PyTorch way).

Run: python snippets/pytorch_way_exercises.py
"""

import torch

from linreg import init_params, inputs, pick_device, targets

# --8<-- [start:momentum]
import torch.nn.functional as F
from torch import nn

device = pick_device()
print("device:", device)
x = torch.from_numpy(inputs).to(device)
y = torch.from_numpy(targets).to(device)

final = {}
for momentum in (0.0, 0.9):
    net = nn.Linear(3, 2).to(device)
    w, b = init_params(seed=0, device=device)
    with torch.no_grad():
        net.weight.copy_(w)
        net.bias.copy_(b)
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-5, momentum=momentum)
    for epoch in range(100):
        loss = F.mse_loss(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    final[momentum] = F.mse_loss(net(x), y).item()
    print(f"momentum {momentum}: loss after 100 steps {final[momentum]:.2f}")
# --8<-- [end:momentum]

# --8<-- [start:noisy]
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

device = pick_device()
x = torch.from_numpy(inputs).to(device)
y = torch.from_numpy(targets).to(device)
net = nn.Linear(3, 2).to(device)
w, b = init_params(seed=0, device=device)
with torch.no_grad():
    net.weight.copy_(w)
    net.bias.copy_(b)

optimizer = torch.optim.SGD(net.parameters(), lr=1e-5)
loader = DataLoader(TensorDataset(x, y), batch_size=1, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

batch_losses = []
for xb, yb in loader:
    loss = F.mse_loss(net(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    batch_losses.append(loss.item())

print("each batch:", [f"{v:.0f}" for v in batch_losses])
print(f"their mean: {sum(batch_losses) / len(batch_losses):.2f}")
print(f"loss on all 5 after the epoch: {F.mse_loss(net(x), y).item():.2f}")
# --8<-- [end:noisy]

# --8<-- [start:count]
from torch.utils.data import DataLoader, TensorDataset

rows = TensorDataset(torch.zeros(1000, 3), torch.zeros(1000, 2))
for drop_last in (False, True):
    loader = DataLoader(rows, batch_size=64, drop_last=drop_last)
    sizes = [len(xb) for xb, yb in loader]
    print(f"drop_last={drop_last}: {len(sizes)} batches, last has "
          f"{sizes[-1]} rows, {sum(sizes)} rows seen")
# --8<-- [end:count]
