"""Solutions to the exercises of chapter 4 (the model).

Run: python snippets/model_exercises.py
"""

from linreg import init_params, inputs, model, torch

# --8<-- [start:one_region]
w_new, b_new = init_params()
flat = torch.tensor([80.0, 100.0, 60.0])  # temp, rain, humidity: shape (3,)
as_row = flat.unsqueeze(0)  # (1, 3): a table with one region
print("(3,)   ->", tuple(model(flat, w_new, b_new).shape))
print("(1, 3) ->", tuple(model(as_row, w_new, b_new).shape))
print(model(as_row, w_new, b_new))
# --8<-- [end:one_region]


# --8<-- [start:loops]
def model_by_loops(x, w, b):
    """The same model with explicit loops: one weighted sum per entry."""
    n_samples, n_features = x.shape
    n_outputs = w.shape[0]
    out = torch.zeros(n_samples, n_outputs)
    for i in range(n_samples):
        for k in range(n_outputs):
            total = b[k]
            for j in range(n_features):
                total = total + x[i, j] * w[k, j]
            out[i, k] = total
    return out


x_loop = torch.from_numpy(inputs)
w_loop, b_loop = init_params()
print("loops agree with model():",
      torch.allclose(model_by_loops(x_loop, w_loop, b_loop),
                     model(x_loop, w_loop, b_loop), atol=1e-4))
# --8<-- [end:loops]
