"""Reproducing the notebook: start from the weights it printed, redo its cells
with the lesson's code, and check every number it published against a
tolerance derived from the rounding of those printed weights.

Run: python snippets/reproduce.py
"""

import torch

from linreg import inputs, model, mse, pick_device, targets, train

# --8<-- [start:start]
device = pick_device()
print("device:", device)
x, y = torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)
# --8<-- [end:start]

# --8<-- [start:published]
# What the notebook printed, cell by cell (In [35] to In [56]).
notebook = {
    "w": [[-0.7918, -1.1780, 0.2645], [-0.4069, 0.7032, -2.1158]],  # In [35]
    "b": [0.0432, -0.3127],
    "preds": [[-125.3113, -73.8784], [-158.7471, -110.8662],  # In [38]
              [-211.3533, -64.1982], [-121.5908, -89.8590],
              [-149.1631, -108.9844]],
    "w_grad": [[-19182.3945, -21592.4023, -13061.5947],  # In [44]
               [-15121.9443, -16410.0137, -10367.2793]],
    "b_grad": [-229.6331, -181.5572],
    "losses": [  # (1)!
        45659.9414,  # In [41] and [49]: before any update
        30998.19140625,  # In [53], and "Epochs : 0" of In [54]
        21116.181640625, 14455.1748046875, 9964.787109375, 6937.16015625,
        4895.28662109375, 3517.71533203125, 2587.82666015625,
        1959.641357421875, 1534.787353515625, 1246.9722900390625,
        1051.5228271484375, 918.3338012695312, 827.1181640625,
        764.2030029296875, 720.3759765625, 689.4277954101562,
        667.1742553710938, 650.7950439453125, 638.3898315429688,
    ],
    "final_preds": [[60.6505, 71.0235], [86.0875, 80.0400],  # In [56]
                    [82.4216, 161.1518], [58.7764, 53.2867],
                    [88.2668, 74.9659]],
}
# --8<-- [end:published]


# --8<-- [start:weights]
w = torch.tensor(notebook["w"], device=device, requires_grad=True)  # (1)!
b = torch.tensor(notebook["b"], device=device, requires_grad=True)
print(w, b, sep="\n")
# --8<-- [end:weights]

# --8<-- [start:replay]
def replay(x, y, w, b):
    """Redo the notebook's cells from the start w, b; return what it printed."""
    preds = model(x, w, b)  # In [38]
    loss = mse(preds, y)  # In [41]
    loss.backward()  # In [43]
    printed = {"preds": preds, "w_grad": w.grad.clone(),  # In [44]
               "b_grad": b.grad.clone()}
    w.grad.zero_()  # In [45] and [46]
    b.grad.zero_()
    losses = train(x, y, w, b, lr=1e-5, epochs=20)  # (1)!
    final_preds = model(x, w, b)  # (2)!
    losses.append(mse(final_preds, y).item())
    printed["losses"] = torch.tensor(losses, dtype=torch.float64)  # (3)!
    printed["final_preds"] = final_preds
    return {name: value.detach().double().cpu()  # (4)!
            for name, value in printed.items()}
# --8<-- [end:replay]

# --8<-- [start:run]
ours = replay(x, y, w, b)
published = {name: torch.tensor(notebook[name], dtype=torch.float64)
             for name in ours}


def side_by_side(name, fmt):
    """Each row the notebook printed, next to the same row of ours."""
    print(f"{name}: notebook | ours")
    rows = zip(published[name].reshape(-1, published[name].shape[-1]),
               ours[name].reshape(-1, ours[name].shape[-1]))
    for theirs, mine in rows:
        print(" ".join(f"{v:{fmt}}" for v in theirs), "|",
              " ".join(f"{v:{fmt}}" for v in mine))


side_by_side("preds", "9.4f")
print(f"first loss: notebook {published['losses'][0]:.4f},"
      f" ours {ours['losses'][0]:.4f}")
side_by_side("w_grad", "11.4f")
side_by_side("b_grad", "9.4f")
print(f"loss after one update: notebook {published['losses'][1]:.4f},"
      f" ours {ours['losses'][1]:.4f}")
# --8<-- [end:run]

# --8<-- [start:first_bound]
h = 5e-5  # (1)!
grad_sum = ours["w_grad"].abs().sum() + ours["b_grad"].abs().sum()
first_bound = h * grad_sum.item()  # (2)!
first_gap = abs(ours["losses"][0] - published["losses"][0]).item()
print(f"sum of |dL/dθ| over the 8 parameters: {grad_sum:.1f}")
print(f"the first loss may move by up to {first_bound:.2f};"
      f" ours differs by {first_gap:.2f}")
# --8<-- [end:first_bound]

# --8<-- [start:nudges]
x64, y64 = x.cpu().double(), y.cpu().double()  # (1)!
start = torch.tensor(notebook["w"][0] + notebook["w"][1] + notebook["b"],
                     dtype=torch.float64)  # (2)!


def published_from(theta):
    """replay() in float64, from the 8 starting numbers in theta."""
    w = theta[:6].reshape(2, 3).clone().requires_grad_()
    b = theta[6:].clone().requires_grad_()
    return replay(x64, y64, w, b)


exact = published_from(start)
nudged = [(published_from(start + h * e), published_from(start - h * e))
          for e in torch.eye(8, dtype=torch.float64)]  # (3)!
# --8<-- [end:nudges]

# --8<-- [start:allowed]
slope, bend, allowed = {}, {}, {}
for name in exact:
    slope[name] = sum((up[name] - down[name]).abs() / 2
                      for up, down in nudged)  # (1)!
    curve = [(up[name] + down[name] - 2 * exact[name]).clamp(min=0)
             for up, down in nudged]
    bend[name] = sum(c.sqrt() for c in curve) ** 2 / 2  # (2)!
    printing = torch.full_like(exact[name], h)  # (3)!
    if name == "losses":
        printing[1:] = 0  # the loop printed its losses in full
    allowed[name] = slope[name] + bend[name] + printing

print(f"first loss: {slope['losses'][0]:.4f} from the nudges,"
      f" {first_bound:.4f} from the gradient")
print(f"curvature adds at most {bend['losses'].max():.1e}")  # (4)!
float32_noise = max((ours[n] - exact[n]).abs().max().item() for n in exact)
print(f"float32 vs float64, same start: {float32_noise:.1e} at most")  # (5)!
# --8<-- [end:allowed]

# --8<-- [start:table]
print("updates   notebook       ours  relative diff  allowed (rel.)  used")
for t, (theirs, mine, limit) in enumerate(
        zip(published["losses"], ours["losses"], allowed["losses"])):
    gap = abs(mine - theirs)
    print(f"{t:7}  {theirs:9.2f}  {mine:9.2f}  {gap / theirs:13.1e}"
          f"  {limit / theirs:14.1e}  {gap / limit:4.0%}")
# --8<-- [end:table]

# --8<-- [start:picture]
import matplotlib.pyplot as plt

updates = list(range(len(ours["losses"])))
gaps = (ours["losses"] - published["losses"]).abs()
fig, ax = plt.subplots(figsize=(5.6, 3.6))
ax.bar(updates, allowed["losses"].tolist(), color="#4f8fe6", alpha=0.6,
       label="allowed by the rounding")  # (1)!
ax.plot(updates, gaps.tolist(), "o", color="#e8833a",
        label="|ours − published|")
ax.set_yscale("log")  # (2)!
ax.set_xticks(updates[::4])
ax.set_xlabel("updates before the loss")
ax.set_ylabel("difference in the loss")
ax.legend(loc="upper right", fontsize=10)
plt.show()
# --8<-- [end:picture]

# --8<-- [start:final]
side_by_side("final_preds", "9.4f")
print("     printed count  largest rel. diff  most used")
used = {}
for name in ours:
    gap = (ours[name] - published[name]).abs()
    used[name] = (gap / allowed[name]).max().item()
    print(f"{name:>12} {gap.numel():5}"
          f" {(gap / published[name].abs()).max():18.1e} {used[name]:10.0%}")

print("every published number within its allowance:",
      all(share <= 1 for share in used.values()))
headroom = min(
    ((allowed[n] - (ours[n] - published[n]).abs())
     / (ours[n] - exact[n]).abs().clamp(min=1e-12)).min().item()
    for n in ours)
print(f"room left in each allowance: {headroom:.0f}x our float32 rounding"
      " or more")  # (1)!
# --8<-- [end:final]
