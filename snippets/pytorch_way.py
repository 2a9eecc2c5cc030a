"""The same linear regression written the way PyTorch programs write it:
nn.Linear, TensorDataset + DataLoader, F.mse_loss, torch.optim.SGD, and a small
fit() loop that reports the mean loss of each epoch, fetched from the device
once per epoch. Then a 1,000-region run in batches, against its least-squares
floor.

Run: python snippets/pytorch_way.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets, train

# --8<-- [start:device]
device = pick_device()
print("device:", device)
x = torch.from_numpy(inputs).to(device)  # 5 regions × 3 features
y = torch.from_numpy(targets).to(device)  # 5 regions × 2 yields
# --8<-- [end:device]

# --8<-- [start:layer]
import torch.nn.functional as F
from torch import nn

layer = nn.Linear(3, 2).to(device)  # (1)!
w, b = init_params(seed=0, device=device)  # the hand-written chapters' start
with torch.no_grad():  # (2)!
    layer.weight.copy_(w)
    layer.bias.copy_(b)

print(layer)
print("weight:", tuple(layer.weight.shape), " bias:", tuple(layer.bias.shape))

pred = layer(x)  # (3)!
print("same predictions as model(x, w, b):",
      torch.allclose(pred, model(x, w, b)))
print(f"F.mse_loss: {F.mse_loss(pred, y).item():.2f}   "
      f"mse: {mse(model(x, w, b), y).item():.2f}")
# --8<-- [end:layer]

# --8<-- [start:step]
optimizer = torch.optim.SGD(layer.parameters(), lr=1e-5)  # (1)!
loss = F.mse_loss(layer(x), y)
optimizer.zero_grad()  # (2)!
loss.backward()
optimizer.step()  # (3)!
print(f"loss before the step: {loss.item():.2f}")
print(f"loss after the step:  {F.mse_loss(layer(x), y).item():.2f}")
# --8<-- [end:step]

# --8<-- [start:loader]
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(x, y)  # (1)!
print("one sample:", dataset[2])
loader = DataLoader(dataset, batch_size=2, shuffle=True,
                    generator=torch.Generator().manual_seed(0))  # (2)!
for epoch in (1, 2):
    order = [xb[:, 0].int().tolist() for xb, yb in loader]  # (3)!
    print(f"epoch {epoch}, temperatures of each batch: {order}")

xb, yb = next(iter(loader))
print("a batch:", tuple(xb.shape), tuple(yb.shape))
# --8<-- [end:loader]

# --8<-- [start:batches]
import matplotlib.pyplot as plt

dealer = DataLoader(range(1, 6), batch_size=2, shuffle=True,
                    generator=torch.Generator().manual_seed(0))  # (1)!
colours = ["#4f8fe6", "#e8833a", "#3fa34d"]
dealt = []  # dealt[epoch][batch]: the region numbers in that batch
fig, ax = plt.subplots(figsize=(5.6, 2.4))
for epoch in range(3):
    dealt.append([batch.tolist() for batch in dealer])  # (2)!
    slot = 0.0
    for n, batch in enumerate(dealt[-1]):
        for region in batch:
            ax.add_patch(plt.Rectangle((slot, epoch + 0.6), 0.9, 0.8,
                                       color=colours[n]))
            ax.text(slot + 0.45, epoch + 1, region, ha="center",
                    va="center", fontsize=14, color="black")
            slot += 1
        slot += 0.4  # a gap between batches

ax.set(xlim=(-0.1, 5.8), ylim=(3.5, 0.5), xticks=[], yticks=[1, 2, 3],
       yticklabels=["epoch 1", "epoch 2", "epoch 3"])
ax.tick_params(length=0)
ax.set_xlabel("the regions, in the order the loader dealt them")
ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in colours],
          labels=["batch 1", "batch 2", "batch 3"], ncol=3,
          loc="lower center", bbox_to_anchor=(0.5, 1), frameon=False)
ax.set_frame_on(False)
plt.show()
# --8<-- [end:batches]

# --8<-- [start:checks]
import math


def check_fit_args(net, loader, optimizer, epochs):
    """Clear errors for arguments fit() can't train with."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"net is a {type(net).__name__}: pass a torch.nn."
                        "Module, e.g. nn.Linear(3, 2)")
    if not hasattr(loader, "__len__"):
        raise TypeError("loader must deal its batches anew every epoch: "
                        "pass a DataLoader (a generator runs dry after one)")
    if len(loader) == 0:
        raise ValueError("the loader gave no batches: is the data empty?")
    held = [p for g in getattr(optimizer, "param_groups", []) for p in
            g["params"]]
    if not any(p is q for p in net.parameters() for q in held):
        raise ValueError("the optimizer must hold net's parameters, or step()"
                         " changes nothing: torch.optim.SGD(net.parameters()"
                         ", lr=1e-5)")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs is {epochs!r}: pass a whole number, 1 or "
                         "more")


def check_batch(net, batch):
    """Clear errors for a batch whose targets don't fit net's outputs
    (PyTorch's own errors already name wrong dtypes, devices, features)."""
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise TypeError("each batch must be an (inputs, targets) pair: "
                        "build the loader from TensorDataset(x, y)")
    xb, yb = batch
    rows, outputs = len(xb), getattr(net, "out_features", None)
    if yb.ndim != 2 or len(yb) != rows or outputs not in (None, yb.shape[1]):
        raise ValueError(f"inputs {tuple(xb.shape)} need targets of shape "
                         f"({rows}, {outputs or 'outputs'}), got "
                         f"{tuple(yb.shape)}: a 1-D target needs "
                         "y.unsqueeze(1)")


def check_epoch_loss(mean, epoch):
    """A clear error when training has diverged."""
    if not math.isfinite(mean):
        raise FloatingPointError(
            f"mean loss {mean} in epoch {epoch + 1}: the learning rate is "
            "too large for these inputs; lower it or standardise them")
# --8<-- [end:checks]

# --8<-- [start:fit]
def fit(net, loader, optimizer, epochs):
    """Train net on every batch of loader, epochs times; return each epoch's
    mean loss."""
    check_fit_args(net, loader, optimizer, epochs)
    history = []
    for epoch in range(epochs):
        losses, sizes = [], []
        for batch in loader:
            check_batch(net, batch)
            xb, yb = batch
            loss = F.mse_loss(net(xb), yb)  # (1)!
            optimizer.zero_grad()  # (2)!
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())  # (3)!
            sizes.append(len(xb))
        values = torch.stack(losses).tolist()  # (4)!
        history.append(sum(v * n for v, n in zip(values, sizes)) / sum(sizes))
        check_epoch_loss(history[-1], epoch)
    return history
# --8<-- [end:fit]

# --8<-- [start:same]
layer = nn.Linear(3, 2).to(device)
w, b = init_params(seed=0, device=device)
with torch.no_grad():
    layer.weight.copy_(w)
    layer.bias.copy_(b)

optimizer = torch.optim.SGD(layer.parameters(), lr=1e-5)
whole = DataLoader(TensorDataset(x, y), batch_size=len(x))  # (1)!
torch_losses = fit(layer, whole, optimizer, epochs=20)
hand_losses = train(x, y, w, b, lr=1e-5, epochs=20)  # (2)!

print("epoch   hand-written   PyTorch way")
for epoch in (1, 2, 3, 5, 10, 20):
    print(f"{epoch:>5} {hand_losses[epoch - 1]:14.2f} "
          f"{torch_losses[epoch - 1]:13.2f}")

gap = max(abs(t - h) / h for t, h in zip(torch_losses, hand_losses))
print("equal to 6 significant digits:", gap < 1e-6)  # (3)!
hand_after_20 = mse(model(x, w, b), y).item()  # (4)!
print(f"after the 20th update: {hand_after_20:.2f}")
# --8<-- [end:same]

# --8<-- [start:regions]
def make_regions(n, seed=0, spread=2.0):
    """n regions: each a copy of one of the 5 measured ones, every number
    nudged by Gaussian noise of standard deviation spread."""
    gen = torch.Generator().manual_seed(seed)  # (1)!
    pick = torch.randint(0, len(inputs), (n,), generator=gen)
    noise_x = spread * torch.randn(n, inputs.shape[1], generator=gen)
    noise_y = spread * torch.randn(n, targets.shape[1], generator=gen)
    return (torch.from_numpy(inputs)[pick] + noise_x,
            torch.from_numpy(targets)[pick] + noise_y)


big_x, big_y = make_regions(1000)
big_x, big_y = big_x.to(device), big_y.to(device)  # (2)!
print("regions:", tuple(big_x.shape), tuple(big_y.shape))
print("first three (temp, rain, humidity, apples, oranges):")
print(torch.cat([big_x[:3], big_y[:3]], dim=1))
# --8<-- [end:regions]

# --8<-- [start:train_big]
net = nn.Linear(3, 2).to(device)
w, b = init_params(seed=0, device=device)
with torch.no_grad():
    net.weight.copy_(w)
    net.bias.copy_(b)

loader = DataLoader(TensorDataset(big_x, big_y), batch_size=50, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
optimizer = torch.optim.SGD(net.parameters(), lr=1e-5)
history = fit(net, loader, optimizer, epochs=20)  # (1)!
steps = 20 * len(loader)
for epoch in (1, 2, 5, 10, 20):
    print(f"epoch {epoch:>2}: mean loss {history[epoch - 1]:8.2f}")

print(f"{len(loader)} batches per epoch, {steps} steps in all")
# --8<-- [end:train_big]

# --8<-- [start:floor]
x64, y64 = big_x.cpu().double(), big_y.cpu().double()  # (1)!
x_tilde = torch.cat([x64, torch.ones(len(x64), 1, dtype=torch.float64)], 1)
theta = torch.linalg.lstsq(x_tilde, y64).solution  # (2)!
floor = F.mse_loss(x_tilde @ theta, y64).item()
with torch.no_grad():
    reached = F.mse_loss(net(big_x), big_y).item()  # (3)!

print(f"least-squares floor:    {floor:7.2f}")
print(f"trained net, all rows:  {reached:7.2f}")
print(f"that is {reached / floor:.0f} times the floor")
# --8<-- [end:floor]

# --8<-- [start:floor_plot]
fig, ax = plt.subplots(figsize=(5.6, 3.4))
ax.plot(range(1, 21), history, "o-", color="#4f8fe6",
        label="mean loss of each epoch")
ax.axhline(floor, color="#e8833a", ls="--", label="least-squares floor")
ax.set(yscale="log", xlabel="epoch", ylabel="loss (log scale)",
       xticks=[1, 5, 10, 15, 20])
ax.grid(True)
ax.legend()
plt.show()
# --8<-- [end:floor_plot]

# --8<-- [start:predict]
new_region = torch.tensor([[80.0, 100.0, 60.0]], device=device)  # (1)!
with torch.no_grad():  # (2)!
    forecast = net(new_region)

print("temp 80 °F, rain 100 mm, humidity 60 %:", tuple(forecast.shape))
print(f"apples {forecast[0, 0]:.1f}, oranges {forecast[0, 1]:.1f}")
# --8<-- [end:predict]

# --8<-- [start:error]
apples = nn.Linear(3, 1).to(device)  # one output: apples only
flat = DataLoader(TensorDataset(big_x, big_y[:, 0]), batch_size=50)  # (1)!
try:
    fit(apples, flat, torch.optim.SGD(apples.parameters(), lr=1e-5), epochs=1)
except ValueError as error:
    print("ValueError:", error)
# --8<-- [end:error]
