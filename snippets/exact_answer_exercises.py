"""Solutions to the exercises of chapter 10 (the exact answer).

Run: python snippets/exact_answer_exercises.py
"""

import torch

from linreg import inputs, pick_device, targets

# --8<-- [start:rounding]
device = pick_device()
print("device:", device)
x64 = torch.from_numpy(inputs).double()  # exact arithmetic, as far as we care
y64 = torch.from_numpy(targets).double()
x_tilde = torch.cat([x64, torch.ones(len(x64), 1, dtype=torch.float64)], 1)
exact = torch.linalg.lstsq(x_tilde, y64).solution
gen = torch.Generator().manual_seed(0)


def rounded(t):
    """t with every number nudged by up to 2**-24 of itself, as float32 may."""
    nudge = 2 * torch.rand(t.shape, generator=gen, dtype=t.dtype) - 1
    return t * (1 + nudge * 2.0**-24)


moves = {}
for trial in range(3):  # (1)!
    solutions = {
        "lstsq": torch.linalg.lstsq(rounded(x_tilde), rounded(y64)).solution,
        "normal equations": torch.linalg.solve(rounded(x_tilde.T @ x_tilde),
                                               rounded(x_tilde.T @ y64)),
    }
    for name, theta in solutions.items():
        move = ((theta - exact).norm() / exact.norm()).item()
        moves[name] = max(moves.get(name, 0.0), move)

for name, move in moves.items():
    print(f"{name:>16}: the answer moves by up to {move:.2e} (relative)")
# --8<-- [end:rounding]

# --8<-- [start:four]
x64 = torch.from_numpy(inputs).double()
y64 = torch.from_numpy(targets).double()
lowest = {}
for n in (5, 4):
    x_tilde = torch.cat([x64[:n], torch.ones(n, 1, dtype=torch.float64)], 1)
    theta = torch.linalg.lstsq(x_tilde, y64[:n]).solution
    lowest[n] = ((x_tilde @ theta - y64[:n]) ** 2).mean().item()
    print(f"{n} regions: lowest loss {lowest[n]:.2f}, "
          f"apple weights {theta[:3, 0].float()}")
# --8<-- [end:four]

# --8<-- [start:centre]
x64 = torch.from_numpy(inputs).double()
y64 = torch.from_numpy(targets).double()
x_tilde = torch.cat([x64, torch.ones(len(x64), 1, dtype=torch.float64)], 1)
theta = torch.linalg.lstsq(x_tilde, y64).solution
w, b = theta[:3].T, theta[3]
b_from_means = y64.mean(dim=0) - w @ x64.mean(dim=0)
print("b from lstsq:          ", b.float())
print("mean(y) - w @ mean(x): ", b_from_means.float())
residual = (x_tilde @ theta - y64).mean(dim=0)
print("mean residual is zero:", bool(residual.abs().max() < 1e-9))
# --8<-- [end:centre]
