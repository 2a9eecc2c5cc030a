"""Solutions to the exercises of chapter 5 (the loss).

Run: python snippets/loss_exercises.py
"""

import torch

from linreg import init_params, inputs, model, mse, targets

# --8<-- [start:baseline]
x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
w_zero = torch.zeros(2, 3)  # ignore the weather entirely
b_mean = y.mean(dim=0)  # the average harvest of each fruit
baseline = mse(model(x, w_zero, b_mean), y)
w, b = init_params()
random_start = mse(model(x, w, b), y)
print("predict the averages:", b_mean)
print(f"loss of the averages: {baseline.item():.2f}")
print(f"loss of the random start: {random_start.item():.2f}"
      f" ({random_start.item() / baseline.item():.0f}x worse)")
# --8<-- [end:baseline]

# --8<-- [start:per_fruit]
x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
w, b = init_params()
diff = model(x, w, b) - y
per_fruit = (diff * diff).mean(dim=0)  # over the 5 rows: one loss per column
print(f"apples: {per_fruit[0].item():.2f}   oranges: {per_fruit[1].item():.2f}")
print(f"their average: {per_fruit.mean().item():.2f}"
      f"   mse(): {mse(model(x, w, b), y).item():.2f}")
# --8<-- [end:per_fruit]
