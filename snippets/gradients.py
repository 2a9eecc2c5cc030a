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
loss = mse(model(x, w, b), y)  # the same w and b, so the same loss
loss.backward()
print("after a second backward():", w.grad, sep="\n")
print("exactly twice the first:", torch.equal(w.grad, 2 * first))
w.grad.zero_()  # (2)!
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

print("two halves, accumulated:", w.grad, sep="\n")
print("same as the full batch:", torch.allclose(w.grad, full_grad))
w.grad.zero_()
b.grad.zero_()
# --8<-- [end:minibatches]

# --8<-- [start:by_hand]
with torch.no_grad():  # (1)!
    preds = model(x, w, b)
    n = preds.numel()  # N = 10 elements, as in the loss
    grad_w = 2 / n * (preds - y).t() @ x  # (2)!
    grad_b = 2 / n * (preds - y).sum(dim=0)  # (3)!

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
for name, (i, j) in {"w[0, 0]": (0, 0), "w[1, 2]": (1, 2)}.items():
    with torch.no_grad():
        nudged = w.clone()
        nudged[i, j] += h  # (1)!
        after = mse(model(x, nudged, b), y)
    print(f"{name}: gradient {w.grad[i, j].item():9.2f}; +{h} changes the loss"
          f" by {after.item() - loss.item():6.2f} (gradient × h ="
          f" {w.grad[i, j].item() * h:6.2f})")
# --8<-- [end:sign]
