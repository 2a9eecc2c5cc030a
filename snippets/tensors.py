"""Tensors: their ranks, shapes, dtypes and devices; what PyTorch adds to NumPy
(gradients, GPUs, graphs recorded as the code runs); and how our NumPy arrays
become tensors that share their memory, or copies that do not.

Run: python snippets/tensors.py
"""

from linreg import inputs, np, pick_device, targets, torch

# --8<-- [start:device]
device = pick_device()  # (1)!
print("device:", device)
# --8<-- [end:device]

# --8<-- [start:ranks]
matrix = torch.tensor(inputs)  # (1)!
vector = matrix[0]  # (2)!
scalar = matrix[0, 0]
years = torch.zeros(4, 5, 3)  # (3)!
for name, t in [("scalar", scalar), ("vector", vector),
                ("matrix", matrix), ("3-d", years)]:
    print(f"{name:>6}: ndim={t.ndim} shape={str(t.shape):<22}"
          f"dtype={t.dtype} device={t.device}")

print("the scalar as a Python number:", scalar.item())  # (4)!
# --8<-- [end:ranks]

# --8<-- [start:autograd]
weights = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)  # (1)!
total = (weights * vector).sum()  # total = sum over j of w_j x_1j, region 1
total.backward()  # (2)!
print("weighted sum:", total.item())
print("its gradient with respect to the weights:", weights.grad)
# --8<-- [end:autograd]

# --8<-- [start:nudge]
h = 0.01  # a small nudge
with torch.no_grad():  # (1)!
    for j in range(3):
        nudged = weights.clone()
        nudged[j] += h  # (2)!
        change = (nudged * vector).sum() - total
        print(f"w_{j + 1} grows by h: total changes by {change.item():.4f}, "
              f"h × gradient = {h * weights.grad[j].item():.4f}")
# --8<-- [end:nudge]

# --8<-- [start:gpu]
on_device = matrix.to(device)  # (1)!
doubled = on_device * 2  # (2)!
print("on_device:", on_device.device, "| doubled:", doubled.device)
# --8<-- [end:gpu]


# --8<-- [start:dynamic]
def double_until(v, limit):
    """Double v until it reaches limit: how many times depends on v."""
    steps = 0
    while v < limit:  # (1)!
        v = v * 2
        steps += 1
    return v, steps


for start in (3.0, 30.0):
    a = torch.tensor(start, requires_grad=True)
    out, steps = double_until(a, 100.0)
    out.backward()  # (2)!
    print(f"start {start:>4}: {steps} doublings, out = {out.item():>5}, "
          f"d out / d start = {a.grad.item()}")
# --8<-- [end:dynamic]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

starts = torch.logspace(0, 2, 241)[:-1].tolist()  # 1 to just under 100
outs, slopes = [], []
for start in starts:
    a = torch.tensor(start, requires_grad=True)
    out, _ = double_until(a, 100.0)
    out.backward()  # (1)!
    outs.append(out.item())
    slopes.append(a.grad.item())

fig, (top, bottom) = plt.subplots(2, 1, figsize=(5.6, 5.2), sharex=True,
                                  layout="constrained")
top.plot(starts, outs, ".", markersize=4, color="#4f8fe6")
top.set_ylabel("out")
bottom.plot(starts, slopes, ".", markersize=4, color="#e8833a")
bottom.set_yscale("log", base=2)
bottom.set_ylabel("d out / d start")
bottom.set_xscale("log")
bottom.set_xlabel("start")
for start in (3.0, 30.0):  # the two starts above
    n = starts.index(min(starts, key=lambda v: abs(v - start)))  # (2)!
    bottom.plot(starts[n], slopes[n], "o", color="#3fa34d")
    bottom.annotate(f"start {start:.0f}: {slopes[n]:.0f}",
                    (starts[n], slopes[n]), textcoords="offset points",
                    xytext=(8, 4))

plt.show()
# --8<-- [end:picture]

# --8<-- [start:from_numpy]
x = torch.from_numpy(inputs)  # (1)!
y = torch.from_numpy(targets)
print(x)
print(y)
print("x shares memory with inputs:     ",
      np.shares_memory(x.numpy(), inputs))  # (2)!
print("matrix shares memory with inputs:",
      np.shares_memory(matrix.numpy(), inputs))
# --8<-- [end:from_numpy]

# --8<-- [start:shared]
saved = inputs[0, 0].item()  # 73.0, as a Python float
inputs[0, 0] = 0.0  # (1)!
print("x[0]      ", x[0])
print("matrix[0] ", matrix[0])
x[0, 0] = saved  # (2)!
print("inputs[0] ", inputs[0])
back = x.numpy()  # (3)!
print("back is inputs:", back is inputs,
      "| same memory:", np.shares_memory(back, inputs))
# --8<-- [end:shared]

# --8<-- [start:to_device]
x_dev = x.to(device)  # (1)!
follows = x_dev.data_ptr() == x.data_ptr()
print(f"x.to({device.type!r}) uses the memory of inputs: {follows}")
# --8<-- [end:to_device]
