"""The loss: one number that says how wrong the predictions are (the mean
squared error), what it means, and why the errors are squared.

Run: python snippets/loss.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets

# --8<-- [start:predict]
device = pick_device()
print("device:", device)
x, y = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
w, b = init_params(device=device)  # the random start of chapter 3
preds = model(x, w, b)
print("predictions:", preds, "targets:", y, sep="\n")
# --8<-- [end:predict]

# --8<-- [start:diff]
diff = preds - y  # (1)!
print(diff)
print("shape:", tuple(diff.shape), "elements:", diff.numel())  # (2)!
# --8<-- [end:diff]

# --8<-- [start:mse]
n = diff.numel()  # N = 10 numbers predicted, not 5 rows
squared = diff * diff  # (1)!
loss_by_hand = squared.sum() / n
loss = mse(preds, y)  # (2)!
print(f"by hand: {loss_by_hand.item():.2f}   mse(): {loss.item():.2f}")
print(loss)  # (3)!
# --8<-- [end:mse]

# --8<-- [start:rmse]
rmse = loss.sqrt()  # (1)!
mae = diff.abs().mean()  # (2)!
print(f"MSE  {loss.item():9.2f}  (yield units squared)")
print(f"RMSE {rmse.item():9.2f}  (yield units)")
print(f"MAE  {mae.item():9.2f}  (yield units)")
# --8<-- [end:rmse]

# --8<-- [start:why_square]
errors = {
    "one +50, one -50": torch.tensor([50.0, -50.0]),
    "both +20": torch.tensor([20.0, 20.0]),
    "0 and +40": torch.tensor([0.0, 40.0]),
}
print(f"{'errors':>17} {'mean':>6} {'mean |e|':>9} {'mean e²':>8}")
for name, e in errors.items():
    print(f"{name:>17} {e.mean().item():6.0f} {e.abs().mean().item():9.0f}"
          f" {(e * e).mean().item():8.0f}")
# --8<-- [end:why_square]

# --8<-- [start:slopes]
print(f"{'error e':>8} {'slope of e²':>12} {'slope of |e|':>13}")
for e in (-10.0, -1.0, -0.1, 0.1, 1.0, 10.0):
    print(f"{e:8.1f} {2 * e:12.1f} {(1.0 if e > 0 else -1.0):13.1f}")  # (1)!
# --8<-- [end:slopes]

# --8<-- [start:mse_loss]
import torch.nn.functional as F

builtin = F.mse_loss(preds, y)  # (1)!
print(f"F.mse_loss: {builtin.item():.2f}   mse(): {loss.item():.2f}")
print("equal:", torch.allclose(builtin, loss))
# --8<-- [end:mse_loss]
