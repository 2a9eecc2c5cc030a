"""Weights and bias: what each number means, their shapes, where their random
starting values come from, and what requires_grad records.

Run: python snippets/parameters.py
"""

from linreg import init_params, inputs, pick_device, torch

# --8<-- [start:device]
device = pick_device()
print("device:", device)
# --8<-- [end:device]

# --8<-- [start:draw]
w, b = init_params(device=device)  # (1)!
print("w", tuple(w.shape), "= (outputs, features)")
print(w)
print("b", tuple(b.shape), "= (outputs,)")
print(b)
# --8<-- [end:draw]

# --8<-- [start:table]
features, outputs = ["temp", "rain", "humidity"], ["apples", "oranges"]
print(" " * 8 + "".join(f"{f:>10}" for f in features) + "      bias")
for k, fruit in enumerate(outputs):
    row = "".join(f"{v:10.3f}" for v in w[k].tolist())  # (1)!
    print(f"{fruit:<8}{row}{b[k].item():10.3f}")
# --8<-- [end:table]

# --8<-- [start:per_unit]
region = torch.tensor(inputs[0], device=device)  # x_1j, region 1: 73, 67, 43
wetter = region + torch.tensor([0.0, 1.0, 0.0], device=device)  # 1 mm more
with torch.no_grad():  # (1)!
    before = w @ region + b  # (2)!
    after = w @ wetter + b

print("predictions for region 1:   ", before)
print("with 1 mm more rain:        ", after)
print("change:                     ", after - before)
print("the rain column of w, w[:, 1]:", w[:, 1].detach())  # (3)!
# --8<-- [end:per_unit]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

rains = torch.arange(30.0, 151.0, 10.0, device=device)  # 30, 40, ..., 150 mm
grid = region.repeat(len(rains), 1)  # region 1, once per rainfall
grid[:, 1] = rains  # (1)!
with torch.no_grad():
    lines = grid @ w.t() + b  # (2)!

fig, ax = plt.subplots(figsize=(5.6, 3.6))
for k, (fruit, colour) in enumerate([("apples", "#4f8fe6"),
                                     ("oranges", "#e8833a")]):
    slope = "$w_{%d2}$ = %.3f" % (k + 1, w[k, 1].item())  # w_12, then w_22
    ax.plot(rains.tolist(), lines[:, k].tolist(), color=colour, linewidth=2,
            label=f"{fruit}: slope {slope}")
    ax.plot(region[1].item(), before[k].item(), "o", color=colour)

ax.set_xlabel("rainfall of region 1 (mm)")
ax.set_ylabel("predicted yield")
ax.legend(fontsize=10)
plt.show()
# --8<-- [end:picture]

# --8<-- [start:zero]
zero = torch.zeros(3, device=device)  # temp 0, rain 0, humidity 0
with torch.no_grad():
    print("with bias:   ", w @ zero + b)
    print("without bias:", w @ zero)
# --8<-- [end:zero]

# --8<-- [start:randn]
gen = torch.Generator().manual_seed(1)
draws = torch.randn(1_000_000, generator=gen)  # (1)!
share_within_1 = (draws.abs() < 1).float().mean().item()
print(f"mean {draws.mean():.3f}, standard deviation {draws.std():.3f}")
print(f"share between -1 and 1: {share_within_1:.3f}")
# --8<-- [end:randn]

# --8<-- [start:requires_grad]
print("requires_grad:", w.requires_grad, "| leaf:", w.is_leaf,
      "| grad:", w.grad)
score = (2 * w).sum()  # (1)!
print("score was made by:", score.grad_fn.name())
score.backward()  # (2)!
print("w.grad after backward():")
print(w.grad)
w.grad = None  # (3)!
as_double = w.double()  # (4)!
print("w.double(): leaf:", as_double.is_leaf,
      "| made by:", as_double.grad_fn.name())
# --8<-- [end:requires_grad]

# --8<-- [start:non_leaf]
import warnings

copy = torch.randn(2, 3, requires_grad=True).double()  # (1)!
print("copy: leaf:", copy.is_leaf)
(2 * copy).sum().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    grad = copy.grad  # (2)!

print("copy.grad after backward():", grad)
print("warning:", str(caught[0].message).split(". ")[0])
try:
    copy -= grad * 1e-5  # (3)!
except TypeError as error:
    print("TypeError:", error)

try:
    torch.optim.SGD([copy], lr=1e-5)  # (4)!
except ValueError as error:
    print("ValueError:", error)
# --8<-- [end:non_leaf]

# --8<-- [start:seed]
print("two unseeded draws equal?",
      torch.equal(torch.randn(2, 3), torch.randn(2, 3)))  # (1)!
first, _ = init_params(seed=0)
_ = torch.randn(1000)  # (2)!
again, _ = init_params(seed=0)
other, _ = init_params(seed=1)
print("seed 0:      ", first[0].detach())
print("seed 0 again:", again[0].detach())
print("seed 1:      ", other[0].detach())
print("seed 0 twice, equal to the last bit:", torch.equal(first, again))
# --8<-- [end:seed]

# --8<-- [start:integers]
try:
    torch.randint(-3, 4, (2, 3), requires_grad=True)  # (1)!
except RuntimeError as error:
    int_error = str(error)
    print("RuntimeError:", int_error)
# --8<-- [end:integers]
