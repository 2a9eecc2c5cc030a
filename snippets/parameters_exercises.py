"""Solutions to the exercises of chapter 3 (weights and bias).

Run: python snippets/parameters_exercises.py
"""

from linreg import init_params, torch

# --8<-- [start:bigger]
w_small, b_small = init_params()  # 3 features -> 2 outputs, seed 0
w_big, b_big = init_params(n_features=4, n_outputs=3)  # + wind, + pears
print("bigger shapes:", tuple(w_big.shape), tuple(b_big.shape))
stream = w_big.detach().flatten()  # the draws in the order they were made
print("draws 1-6 equal the small w:",
      torch.equal(stream[:6], w_small.detach().flatten()))
print("draws 7-8 equal the small b:",
      torch.equal(stream[6:8], b_small.detach()))
# --8<-- [end:bigger]

# --8<-- [start:rule]
gen = torch.Generator().manual_seed(2)
z = torch.randn(1_000_000, generator=gen)
for c in (1, 2, 3):  # c standard deviations either side of 0
    share = (z.abs() < c).float().mean().item()
    expected = torch.erf(torch.tensor(c / 2**0.5)).item()
    print(f"within {c} of 0: {share:.4f} (normal curve: {expected:.4f})")
# --8<-- [end:rule]
