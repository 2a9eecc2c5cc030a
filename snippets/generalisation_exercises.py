"""Solutions to the exercises of chapter 12 (generalisation).

Run: python snippets/generalisation_exercises.py
"""

import torch

from generalisation import r2, rmse, split_rows
from learning_rate import standardise
from linreg import make_regions, pick_device

# --8<-- [start:seeds]
import torch.nn.functional as F
from torch import nn

device = pick_device()
print("device:", device)
big_x, big_y = make_regions(1000)
big_x, big_y = big_x.to(device), big_y.to(device)


def train_and_measure(x_train, y_train, x_val, y_val, epochs=200):
    """Chapter 12's recipe: standardise with the training rows, full-batch
    SGD at lr 0.5. Returns the training loss, validation loss, validation
    RMSE."""
    z_train, mean, std = standardise(x_train)
    z_val = (x_val - mean) / std
    torch.manual_seed(0)
    net = nn.Linear(x_train.shape[1], y_train.shape[1]).to(x_train.device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    for epoch in range(epochs):
        loss = F.mse_loss(net(z_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return (F.mse_loss(net(z_train), y_train).item(),
                F.mse_loss(net(z_val), y_val).item(),
                rmse(net(z_val), y_val))


seed_rmse = []
print("      training  validation  apples")
print("seed      loss        loss    RMSE")
for seed in range(5):
    fit_loss, held_loss, held_rmse = train_and_measure(
        *split_rows(big_x, big_y, 0.2, seed=seed))
    seed_rmse.append(held_rmse[0].item())
    print(f"{seed:4} {fit_loss:9.2f} {held_loss:11.2f} {seed_rmse[-1]:7.2f}")
# --8<-- [end:seeds]

# --8<-- [start:more_rows]
x_train, y_train, x_val, y_val = split_rows(big_x, big_y, 0.2, seed=0)
more = 200
gen = torch.Generator().manual_seed(1)
junk_train = torch.randn(more, 16, generator=gen, dtype=torch.float64)
junk_val = torch.randn(len(x_val), 16, generator=gen, dtype=torch.float64)
ones_train = torch.ones(more, 1, dtype=torch.float64)
ones_val = torch.ones(len(x_val), 1, dtype=torch.float64)
xs_train = x_train[:more].cpu().double()
ys_train = y_train[:more].cpu().double()
xs_val, ys_val = x_val.cpu().double(), y_val.cpu().double()

more_curve = []
print(f"validation loss, {more} training rows")
for extra in (0, 4, 8, 12, 16):
    a_train = torch.cat([xs_train, junk_train[:, :extra], ones_train], 1)
    a_val = torch.cat([xs_val, junk_val[:, :extra], ones_val], 1)
    theta = torch.linalg.lstsq(a_train, ys_train).solution
    more_curve.append(F.mse_loss(a_val @ theta, ys_val).item())
    print(f"{extra:2} noise features: {more_curve[-1]:6.2f}")
# --8<-- [end:more_rows]

# --8<-- [start:baseline]
# the same forecast, the training mean, for every validation row
lazy = y_train.mean(dim=0).expand(len(y_val), -1)
lazy_r2 = r2(lazy, y_val)
train_mean, val_mean = y_train.mean(dim=0), y_val.mean(dim=0)
print(f"R²: apples {lazy_r2[0]:.4f}, oranges {lazy_r2[1]:.4f}")
print(f"training mean:   {train_mean[0]:.2f}, {train_mean[1]:.2f}")
print(f"validation mean: {val_mean[0]:.2f}, {val_mean[1]:.2f}")
# --8<-- [end:baseline]
