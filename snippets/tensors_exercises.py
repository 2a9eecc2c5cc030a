"""Solutions to the exercises of chapter 2 (tensors).

Run: python snippets/tensors_exercises.py
"""

from linreg import np, targets, torch

# --8<-- [start:copies]
copied = torch.tensor(targets)  # torch.tensor always copies
cloned = torch.from_numpy(targets).clone()  # share first, then copy
for name, t in [("torch.tensor", copied), ("from_numpy + clone", cloned)]:
    print(f"{name:<18} shares memory with targets:",
          np.shares_memory(t.numpy(), targets))
# --8<-- [end:copies]


# --8<-- [start:capped]
def capped(rain, cap=100.0):
    """Rain above the cap counts for a tenth: a Python if picks the formula."""
    if rain <= cap:
        return rain
    return cap + 0.1 * (rain - cap)


for mm in (67.0, 134.0):  # region 1's and region 3's rainfall
    rain = torch.tensor(mm, requires_grad=True)
    capped(rain).backward()
    print(f"rain {mm:5.1f} mm: slope {rain.grad.item():.1f}")
# --8<-- [end:capped]
