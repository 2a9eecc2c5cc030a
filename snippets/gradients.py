"""Gradients: loss.backward() fills w.grad and b.grad; they accumulate; they
equal the formula derived by hand, and their sign says which way each parameter
should move.

Run: python snippets/gradients.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets

# --8<-- [start:backward]
device = pick_device()
print("device:", device)
x, y = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
w, b = init_params(device=device)
loss = mse(model(x, w, b), y)
print(f"loss: {loss.item():.2f}")
print("w.grad before backward():", w.grad)  # (1)!
loss.backward()  # (2)!
print("dL/dw =", w.grad, "dL/db =", b.grad, sep="\n")
print("shapes:", tuple(w.grad.shape), tuple(b.grad.shape))  # (3)!
# --8<-- [end:backward]

# --8<-- [start:accumulate]
first = w.grad.clone()  # (1)!
loss = mse(model(x, w, b), y)  # (2)!
loss.backward()
print("after a second backward():", w.grad, sep="\n")
print("exactly twice the first:", torch.equal(w.grad, 2 * first))
w.grad.zero_()  # (3)!
b.grad.zero_()
print("after zero_():", w.grad, sep="\n")
# --8<-- [end:accumulate]

# --8<-- [start:minibatches]
full = mse(model(x, w, b), y)
full.backward()
full_grad = w.grad.clone()
w.grad.zero_()
b.grad.zero_()
for rows in (slice(0, 3), slice(3, 5)):  # (1)!
    part = mse(model(x[rows], w, b), y[rows])
    share = (rows.stop - rows.start) / len(x)  # 3/5, then 2/5 of the elements
    (share * part).backward()  # (2)!

print("regions 1-3 and 4-5, accumulated:", w.grad, sep="\n")
print("same as the full batch:", torch.allclose(w.grad, full_grad))
for p in (w, b):  # zero them again for what follows
    p.grad.zero_()
# --8<-- [end:minibatches]

# --8<-- [start:by_hand]
with torch.no_grad():  # (1)!
    preds = model(x, w, b)  # Ŷ, N × m
    errors = preds - y  # E = Ŷ − Y, N × m
    n = errors.numel()  # N·m = 10 numbers, as in the loss
    grad_w = 2 / n * errors.t() @ x  # (2)!
    grad_b = 2 / n * errors.sum(dim=0)  # (3)!

print("by hand: dL/dw =", grad_w, "dL/db =", grad_b, sep="\n")
# --8<-- [end:by_hand]

# --8<-- [start:compare]
loss = mse(model(x, w, b), y)
loss.backward()  # the gradients were zeroed above, so this is a fresh one
gap_w = (grad_w - w.grad).abs().max().item()
gap_b = (grad_b - b.grad).abs().max().item()
print(f"largest |by hand - autograd|: w {gap_w:.1e}, b {gap_b:.1e}")  # (1)!
print("allclose:", torch.allclose(grad_w, w.grad),
      torch.allclose(grad_b, b.grad))
# --8<-- [end:compare]

# --8<-- [start:sign]
h = 0.001  # a small nudge
x64, y64 = x.cpu().double(), y.cpu().double()  # (1)!
w64, b64 = w.detach().cpu().double(), b.detach().cpu().double()
loss64 = mse(model(x64, w64, b64), y64)
for name, (k, j) in {"w[0, 0]": (0, 0), "w[1, 2]": (1, 2)}.items():
    nudged = w64.clone()
    nudged[k, j] += h  # (2)!
    change = mse(model(x64, nudged, b64), y64) - loss64
    print(f"{name}: gradient {w.grad[k, j].item():9.2f}; +{h} changes the loss"
          f" by {change.item():6.2f} (gradient × h ="
          f" {w.grad[k, j].item() * h:6.2f})")
# --8<-- [end:sign]

# --8<-- [start:terms]
terms = errors.t()[:, :, None] * x[None, :, :]  # (1)!
print("        apples: e_i1 and e_i1·x_ij       oranges: e_i2 and e_i2·x_ij")
print("region   e_i1   temp   rain  humid     e_i2   temp   rain  humid")
for i in range(5):
    cells = []
    for k in range(2):  # apples, then oranges: the error, then its 3 terms
        cells.append(f"{errors[i, k].item():7.1f}"
                     + "".join(f"{t:7.0f}" for t in terms[k, i].tolist()))
    print(f"{i + 1:6}" + "  ".join(cells))

print("positive terms:", (terms > 0).sum().item(), "of", terms.numel())
for k, fruit in enumerate(["apples", "oranges"]):
    up = terms[k].clamp(min=0).sum().item()  # (2)!
    down = terms[k].clamp(max=0).sum().item()
    print(f"{fruit}: positive terms add {up:.0f}, negative ones {down:.0f}")

k, i, j = torch.unravel_index(terms.abs().argmax(), terms.shape)  # (3)!
feature, fruit = ("temperature", "rain", "humidity")[j], ("apple", "orange")[k]
print(f"largest term: region {i + 1}, {feature} {x[i, j].item():.0f},"
      f" {fruit} error {errors[i, k].item():.1f}")
print(f"its share of w.grad[{k}, {j}]:",
      f"{(terms[k, i, j] / terms[k, :, j].sum()).item():.0%}")
print("mean of each feature:", x.mean(dim=0))  # (4)!
# --8<-- [end:terms]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

k, j = 1, 1  # the weight from rainfall to oranges
w_now = w[k, j].item()
slope = w.grad[k, j].item()  # (1)!
along = torch.linspace(w_now - 1.5, w_now + 4.5, 121).tolist()
curve = []
with torch.no_grad():
    for value in along:
        moved = w.clone()
        moved[k, j] = value
        curve.append(mse(model(x, moved, b), y).item())

tangent = [loss.item() + slope * (v - w_now) for v in along]  # (2)!
fig, ax = plt.subplots(figsize=(5.6, 3.6))
ax.plot(along, curve, color="#4f8fe6", linewidth=2.5, label="loss")
ax.plot(along, tangent, "--", color="#e8833a", linewidth=2,
        label=f"tangent, slope {slope:,.0f}")
ax.plot([w_now], [loss.item()], "o", color="#e8833a", markersize=8)
ax.set_ylim(0, 1.1 * max(curve))
ax.set_xlabel("w[1, 1], all other parameters fixed")
ax.set_ylabel("loss")
ax.legend(loc="upper right", fontsize=10)
plt.show()
# --8<-- [end:picture]
