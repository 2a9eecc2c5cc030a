"""Solutions to the exercises of chapter 11 (learning rate and feature scaling).

Run: python snippets/learning_rate_exercises.py
"""

import torch

from linreg import init_params, inputs, model, pick_device, targets, train

# --8<-- [start:bisect]
device = pick_device()
print("device:", device)
x = torch.from_numpy(inputs).to(device)
y = torch.from_numpy(targets).to(device)


def diverges(lr, epochs=50):
    """True if, from init_params(seed=0), the loss ends above where it began."""
    w, b = init_params(seed=0, device=device)
    try:
        losses = train(x, y, w, b, lr=lr, epochs=epochs)
    except FloatingPointError:  # overflowed: diverged for sure
        return True
    return losses[-1] > losses[0]


low, high = 1e-5, 1e-3  # (1)!
for _ in range(10):
    middle = (low * high) ** 0.5  # (2)!
    if diverges(middle):
        high = middle
    else:
        low = middle

print(f"converges at lr {low:.4g}, diverges at lr {high:.4g}")

x64 = torch.from_numpy(inputs).double()
x1 = torch.cat([x64, torch.ones(len(x64), 1, dtype=torch.float64)], dim=1)
hess = 2 / (len(x1) * y.shape[1]) * x1.T @ x1  # H, from X̃ = [X 1]
print(f"2 / λmax = {2 / torch.linalg.eigvalsh(hess)[-1].item():.4g}")
# --8<-- [end:bisect]

# --8<-- [start:new_region]
device = pick_device()
x = torch.from_numpy(inputs).to(device)
y = torch.from_numpy(targets).to(device)
mean, std = x.mean(dim=0), x.std(dim=0, correction=0)
w_z, b_z = init_params(seed=0, device=device)
train((x - mean) / std, y, w_z, b_z, lr=0.5, epochs=100)

new = torch.tensor([[80.0, 100.0, 60.0]], device=device)
own_mean, own_std = new.mean(dim=0), new.std(dim=0, correction=0)
with torch.no_grad():
    right = model((new - mean) / std, w_z, b_z)
    own = model((new - own_mean) / own_std, w_z, b_z)
    unscaled = model(new, w_z, b_z)

print("scaled with the training mean and std:", right)
print("scaled with its own mean and std:     ", own)
print("not scaled at all:                    ", unscaled)
# --8<-- [end:new_region]

# --8<-- [start:minmax]
x64 = torch.from_numpy(inputs).double()


def condition(features):
    """Condition number of the loss Hessian 2/(N·m)·X̃ᵀX̃, X̃ = [features | 1]."""
    ones = torch.ones(len(features), 1, dtype=features.dtype)
    x1 = torch.cat([features, ones], dim=1)
    eigenvalues = torch.linalg.eigvalsh(x1.T @ x1)  # (1)!
    return (eigenvalues[-1] / eigenvalues[0]).item()


smallest, largest = x64.min(dim=0).values, x64.max(dim=0).values
mean, std = x64.mean(dim=0), x64.std(dim=0, correction=0)
scalings = {"raw": x64,
            "divided by std": x64 / std,
            "min-max to [0, 1]": (x64 - smallest) / (largest - smallest),
            "centred only": x64 - mean,
            "standardised": (x64 - mean) / std}
conditions = {}
for name, features in scalings.items():
    conditions[name] = condition(features)
    print(f"{name:>18}: condition number {conditions[name]:9.3g}")

centred = scalings["centred only"]
ones = torch.ones(len(centred), 1, dtype=centred.dtype)
with_bias = torch.linalg.eigvalsh(torch.cat([centred, ones], 1).T
                                  @ torch.cat([centred, ones], 1))
alone = torch.linalg.eigvalsh(centred.T @ centred)  # no bias column
print("centred, eigenvalues of X̃ᵀX̃:",
      ", ".join(f"{v:.4g}" for v in with_bias.tolist()))
print(f"centred features alone: condition number"
      f" {(alone[-1] / alone[0]).item():.3g}")
# --8<-- [end:minmax]
