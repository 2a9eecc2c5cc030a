"""The crop-yield data: what each number means, its shape, and why it is stored as float32.

Run: python snippets/data.py
"""

import numpy as np
import torch

from linreg import inputs, targets  # X: N × d = 5 × 3, Y: N × m = 5 × 2

# --8<-- [start:table]
print("region  temp  rain  humidity  ->  apples  oranges")
for i, (x, y) in enumerate(zip(inputs, targets), start=1):
    print(f"{i:>6} {x[0]:5.0f} {x[1]:5.0f} {x[2]:9.0f}  ->",
          f"{y[0]:7.0f} {y[1]:8.0f}")
# --8<-- [end:table]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

feature_names = ["temperature (°F)", "rainfall (mm)", "humidity (%)"]
fig, axes = plt.subplots(3, 2, figsize=(5.6, 7.2), sharex="row",
                         sharey="col", layout="constrained")
for j, feature in enumerate(feature_names):  # row j: feature j (from 0)
    for k, (fruit, colour) in enumerate([("apples", "#4f8fe6"),
                                         ("oranges", "#e8833a")]):
        ax = axes[j, k]  # (1)!
        ax.plot(inputs[:, j], targets[:, k], "o", color=colour)
        for i in range(len(inputs)):  # label each point with its region
            ax.annotate(str(i + 1), (inputs[i, j], targets[i, k]),
                        textcoords="offset points", xytext=(5, 3))
        ax.set_xlabel(feature)
        ax.margins(0.2)
        if j == 0:
            ax.set_title(fruit)

plt.show()
# --8<-- [end:picture]

# --8<-- [start:correlations]
print("correlation   apples  oranges")
for j, feature in enumerate(["temperature", "rainfall", "humidity"]):
    r = [np.corrcoef(inputs[:, j], targets[:, k])[0, 1] for k in range(2)]
    print(f"{feature:<12} {r[0]:7.2f} {r[1]:8.2f}")
# --8<-- [end:correlations]

# --8<-- [start:shapes]
print("inputs: ", inputs.shape, inputs.dtype)  # (1)!
print("targets:", targets.shape, targets.dtype)
assert inputs.shape[0] == targets.shape[0], "one row of targets per input row"
# --8<-- [end:shapes]

# --8<-- [start:precision]
for dtype in (np.float32, np.float64):
    info = np.finfo(dtype)
    print(f"{info.dtype}: {info.bits // 8} bytes, eps = {info.eps:.3g}, "
          f"about {-np.log10(info.eps):.1f} significant decimal digits")

third = 1 / 3
print("1/3 as float32:", f"{float(np.float32(third)):.17f}")  # (1)!
print("1/3 as float64:", f"{float(np.float64(third)):.17f}")
print("2**24 + 1 as float32:", f"{np.float32(2**24 + 1):.0f}")  # (2)!
# --8<-- [end:precision]

# --8<-- [start:memory]
rows = 1_000_000
for dtype in ("float32", "float64"):
    size = np.zeros((rows, 3), dtype=dtype).nbytes
    print(f"{rows:,} regions × 3 features in {dtype}: {size / 2**20:.1f} MiB")
# --8<-- [end:memory]

# --8<-- [start:defaults]
print("NumPy's default float:", np.array([1.5]).dtype)  # (1)!
print("PyTorch's default float:", torch.get_default_dtype())
print("integers typed without a dot:", np.array([[73, 67, 43]]).dtype)
# --8<-- [end:defaults]

# --8<-- [start:integers]
counts = torch.tensor([[73, 67, 43]])  # typed without a dot: int64
doubles = torch.from_numpy(np.array([[73.0, 67.0, 43.0]]))  # float64
weights = torch.randn(2, 3)  # float32; outputs × features, as in chapter 3
for row in (counts, doubles):
    print(f"{row.dtype} * float32 ->", (row * weights).dtype)  # (1)!
    try:
        row @ weights.t()  # (2)!
    except RuntimeError as error:
        print(f"{row.dtype} @ float32 -> RuntimeError:", error)

print("float32 @ float32 ->", (counts.float() @ weights.t()).shape)
# --8<-- [end:integers]
