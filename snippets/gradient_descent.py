"""Gradient descent: step every parameter against its gradient, then repeat;
the same loop packaged as linreg.train, and the clear errors it raises on bad
input.

Run: python snippets/gradient_descent.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets, train

# --8<-- [start:start]
device = pick_device()
print("device:", device)
x, y = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
w, b = init_params(device=device)
lr = 1e-5  # the learning rate, η
# --8<-- [end:start]

# --8<-- [start:in_place]
loss = mse(model(x, w, b), y)
loss.backward()
try:
    w -= lr * w.grad  # (1)!
except RuntimeError as error:
    print("RuntimeError:", error)

stepped = w - lr * w.grad  # (2)!
print("w - lr * w.grad is a leaf:", stepped.is_leaf,
      "| made by:", type(stepped.grad_fn).__name__)
# --8<-- [end:in_place]

# --8<-- [start:one_step]
loss_before = loss.item()  # w.grad and b.grad still hold this loss's gradient
with torch.no_grad():  # (1)!
    w -= lr * w.grad  # (2)!
    b -= lr * b.grad

w.grad.zero_()  # (3)!
b.grad.zero_()
loss_after = mse(model(x, w, b), y).item()
print(f"loss before the step: {loss_before:.2f}")
print(f"loss after the step:  {loss_after:.2f}")
print("w is still a leaf:", w.is_leaf)
# --8<-- [end:one_step]

# --8<-- [start:loop]
w, b = init_params(device=device)  # (1)!
losses = []
print("epoch  updates so far      loss     change")
for epoch in range(20):
    loss = mse(model(x, w, b), y)  # (2)!
    change = f"{loss.item() - losses[-1]:.2f}" if losses else "-"
    losses.append(loss.item())
    print(f"{epoch:5}  {epoch:14}  {loss.item():8.2f}  {change:>9}")
    loss.backward()  # (3)!
    with torch.no_grad():
        w -= lr * w.grad  # (4)!
        b -= lr * b.grad
    w.grad.zero_()  # (5)!
    b.grad.zero_()

final_loss = mse(model(x, w, b), y).item()  # (6)!
print(f"after  {20:14}  {final_loss:8.2f}  {final_loss - losses[-1]:9.2f}")
# --8<-- [end:loop]

# --8<-- [start:loss_picture]
import matplotlib.pyplot as plt

with torch.no_grad():
    averages = mse(y.mean(dim=0).expand_as(y), y).item()  # (1)!

fig, ax = plt.subplots(figsize=(5.6, 3.6))
ax.plot(range(21), losses + [final_loss], "o-", color="#4f8fe6",
        label="loss after t updates")
ax.axhline(averages, linestyle="--", color="#e8833a",
           label="predict each fruit's average")
ax.set_xticks(range(0, 21, 4))
ax.set_xlabel("updates t")
ax.set_ylabel("loss")
ax.legend(loc="upper right", fontsize=10)
plt.show()
# --8<-- [end:loss_picture]

# --8<-- [start:predictions]
with torch.no_grad():
    final_preds = model(x, w, b)  # (1)!

print("region   apples: predicted  target   oranges: predicted  target")
for region, (p, t) in enumerate(zip(final_preds.tolist(), y.tolist()), 1):
    print(f"{region:6}  {p[0]:17.1f}  {t[0]:6.0f}  {p[1]:18.1f}  {t[1]:6.0f}")
# --8<-- [end:predictions]

# --8<-- [start:predictions_picture]
with torch.no_grad():
    start_preds = model(x, *init_params(device=device))  # (1)!

fig, ax = plt.subplots(figsize=(5.6, 4.4))
for k, (fruit, colour) in enumerate([("apples", "#4f8fe6"),
                                     ("oranges", "#e8833a")]):
    ax.plot(y[:, k].tolist(), start_preds[:, k].tolist(), "o", mfc="none",
            color=colour, label=f"{fruit}, start")
    ax.plot(y[:, k].tolist(), final_preds[:, k].tolist(), "o",
            color=colour, label=f"{fruit}, after 20")

ax.axline((0, 0), slope=1, color="#888888", linewidth=1)  # (2)!
ax.set_xlabel("target")
ax.set_ylabel("prediction")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=10,
          ncol=2)  # under the axes, clear of the points
fig.tight_layout()
plt.show()
# --8<-- [end:predictions_picture]

# --8<-- [start:packaged]
w, b = init_params(device=device)
packaged = train(x, y, w, b, lr=lr, epochs=20)
print(f"train(): {len(packaged)} losses, {packaged[0]:.2f} down to"
      f" {packaged[-1]:.2f}")
print("the same numbers as our loop:", packaged == losses)
# --8<-- [end:packaged]

# --8<-- [start:errors]
import textwrap


def try_to_train(what, x, y, w, b, lr=1e-5):
    """Call train() and print the error it raises, wrapped to fit the page."""
    try:
        train(x, y, w, b, lr=lr)
    except (TypeError, ValueError, FloatingPointError) as error:
        message = f"{type(error).__name__}: {error}"
        print(what, textwrap.fill(message, 76, initial_indent="  ",
                                  subsequent_indent="    "), sep="\n")


w, b = init_params(device=device)
try_to_train("4 rows of inputs, 5 rows of targets:", x[:4], y, w, b)
try_to_train("weights for 2 features, inputs with 3:", x, y, w[:, :2], b)
x64 = torch.from_numpy(inputs.astype("float64"))  # (1)!
try_to_train("inputs in float64, the rest in float32:", x64, y, w, b)
x_nan = x.clone()
x_nan[1, 2] = float("nan")  # (2)!
try_to_train("a missing humidity reading:", x_nan, y, w, b)
try_to_train("learning rate 1e-3:", x, y, w, b, lr=1e-3)  # (3)!
# --8<-- [end:errors]
