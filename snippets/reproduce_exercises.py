"""Solution to the exercise of chapter 8 (reproducing the notebook).

Run: python snippets/reproduce_exercises.py
"""

import torch

from linreg import init_params, inputs, model, mse, targets

# --8<-- [start:controlled]
x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
w_full, b_full = init_params()  # known to every digit
w_round = (w_full * 1e4).round().div(1e4).detach().requires_grad_()
b_round = (b_full * 1e4).round().div(1e4).detach().requires_grad_()
loss_full = mse(model(x, w_full, b_full), y)
loss_round = mse(model(x, w_round, b_round), y)
loss_full.backward()
with torch.no_grad():
    delta_w, delta_b = w_round - w_full, b_round - b_full
    predicted = (w_full.grad * delta_w).sum() + (b_full.grad * delta_b).sum()
    worst = 5e-5 * (w_full.grad.abs().sum() + b_full.grad.abs().sum())


def loss64(w, b):  # (1)!
    return mse(model(x.double(), w.double(), b.double()), y.double())


actual = (loss64(w_round, b_round) - loss64(w_full, b_full)).item()
print(f"largest rounding of a weight: {delta_w.abs().max():.1e}")
print(f"loss, full digits: {loss_full.item():.2f},"
      f" rounded: {loss_round.item():.2f}")
print(f"actual change {actual:+.4f},"
      f" first-order prediction {predicted.item():+.4f},"
      f" worst case ±{worst.item():.3f}")
# --8<-- [end:controlled]
