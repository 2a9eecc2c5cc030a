"""The loss: one number that says how wrong the predictions are (the mean
squared error), what it means, why the errors are squared, and a line fitted
by hand on one feature.

Run: python snippets/loss.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets

# --8<-- [start:predict]
device = pick_device()
print("device:", device)
x, y = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
w, b = init_params(device=device)  # the random start of chapter 3
preds = model(x, w, b)  # Ŷ, N × m = 5 × 2
print("predictions:", preds, "targets:", y, sep="\n")
print("predictions below zero:", (preds < 0).sum().item(), "of", preds.numel())
# --8<-- [end:predict]

# --8<-- [start:diff]
diff = preds - y  # (1)!
print(diff)
print("shape:", tuple(diff.shape), "elements:", diff.numel())  # (2)!
# --8<-- [end:diff]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5.6, 3.6))
regions = torch.arange(1, 6)
for k, (fruit, colour) in enumerate([("apples", "#4f8fe6"),
                                     ("oranges", "#e8833a")]):
    at = (regions + (k - 0.5) * 0.25).tolist()  # apples left, oranges right
    target, guess = y[:, k].tolist(), preds[:, k].tolist()
    ax.vlines(at, guess, target, colors=colour, linewidth=2)  # (1)!
    ax.plot(at, target, "o", color=colour, label=f"{fruit}: target")
    ax.plot(at, guess, "o", mfc="none", color=colour,
            label=f"{fruit}: prediction")

ax.axhline(0, linewidth=0.8, color="#888888")
ax.set_xticks(regions.tolist())
ax.set_xlabel("region")
ax.set_ylabel("yield")
ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1), fontsize=10,
          ncol=2)  # above the data
plt.show()
# --8<-- [end:picture]

# --8<-- [start:mse]
n = diff.numel()  # N·m = 5 × 2 = 10 numbers predicted, not 5 rows
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

# --8<-- [start:one_line]
rain, apples = x[:, 1], y[:, 0]  # one feature, one output
w_line, b_line = torch.tensor(0.0), apples.mean()  # (1)!
start = mse(w_line * rain + b_line, apples)
print(f"w = {w_line.item():.3f}, b = {b_line.item():.1f}:"
      f" MSE {start.item():.2f}, RMSE {start.sqrt().item():.1f}")
ones = torch.ones_like(rain)
best = torch.linalg.lstsq(torch.stack([rain, ones], 1).cpu(),  # (2)!
                          apples[:, None].cpu()).solution.flatten()
best_w, best_b = best.tolist()
best_mse = mse(best_w * rain + best_b, apples)
print(f"w = {best_w:.3f}, b = {best_b:.1f}: MSE {best_mse.item():.2f},"
      f" RMSE {best_mse.sqrt().item():.1f} (the lowest any line reaches)")
# --8<-- [end:one_line]

# --8<-- [start:fit_by_hand]
line_data = {  # what the explorable starts from
    "x": rain, "y": apples, "start": {"w": w_line.item(), "b": b_line.item()},
    "best": {"w": best_w, "b": best_b},
    "w": {"min": -0.5, "max": 2.5, "step": 0.001},
    "b": {"min": -60, "max": 140, "step": 0.1},
    "xRange": [30, 150], "yRange": [-20, 160],
    "xLabel": "rainfall (mm)", "yLabel": "apples",
}
fig, ax = plt.subplots(figsize=(5.6, 3.6))
rain_list, apple_list = rain.tolist(), apples.tolist()
level = b_line.item()
ax.vlines(rain_list, apple_list, [level] * 5, colors="#e8833a",
          linestyles="dashed")  # each error
ax.axhline(level, color="#e8833a", linewidth=2.5)  # the flat line
ax.plot(rain_list, apple_list, "o", color="#4f8fe6", markersize=7)
for i, (r, a) in enumerate(zip(rain_list, apple_list), 1):
    ax.annotate(str(i), (r, a), textcoords="offset points", xytext=(6, 5))

ax.set_xlim(*line_data["xRange"])
ax.set_ylim(*line_data["yRange"])
ax.set_xlabel("rainfall (mm)")
ax.set_ylabel("apples")
plt.show()
# --8<-- [end:fit_by_hand]

# --8<-- [start:mse_loss]
import torch.nn.functional as F

builtin = F.mse_loss(preds, y)  # (1)!
print(f"F.mse_loss: {builtin.item():.2f}   mse(): {loss.item():.2f}")
print("equal:", torch.allclose(builtin, loss))
# --8<-- [end:mse_loss]
