"""Solutions to the exercises of chapter 6 (gradients).

Run: python snippets/gradients_exercises.py
"""

import torch

from linreg import init_params, inputs, model, mse, targets

# --8<-- [start:finite_differences]
x64, y64 = torch.from_numpy(inputs).double(), torch.from_numpy(targets).double()
w64, b64 = (p.detach().double() for p in init_params())  # float64, no autograd
theta = torch.cat([w64.flatten(), b64])  # the m·d + m = 8 parameters


def loss_at(theta):
    return mse(model(x64, theta[:6].reshape(2, 3), theta[6:]), y64)


step = 1e-4
estimate = torch.stack([
    (loss_at(theta + step * e) - loss_at(theta - step * e)) / (2 * step)
    for e in torch.eye(8, dtype=torch.float64)
])
error = model(x64, w64, b64) - y64  # E, N × m
formula = torch.cat([(2 / y64.numel() * error.t() @ x64).flatten(),
                     2 / y64.numel() * error.sum(dim=0)])
print("central differences:", estimate)
print("formula:            ", formula)
gap = ((estimate - formula) / formula).abs().max()
print(f"largest relative gap: {gap:.1e}")
# --8<-- [end:finite_differences]

# --8<-- [start:retain_grad]
x32, y32 = torch.from_numpy(inputs), torch.from_numpy(targets)
w0, b0 = init_params()
preds = model(x32, w0, b0)  # Ŷ, N × m
preds.retain_grad()  # keep .grad for this non-leaf tensor too
mse(preds, y32).backward()
expected = 2 / preds.numel() * (preds - y32).detach()  # 2/(Nm)·E
print("dL/dŶ from autograd:", preds.grad, sep="\n")
print("equals 2/(Nm) E:", torch.allclose(preds.grad, expected))
# --8<-- [end:retain_grad]
