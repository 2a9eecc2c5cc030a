"""The model x @ w.t() + b (x: N×d, w: m×d, b: m): the transpose, the matrix
product, the broadcast bias, region 1 worked by hand, the original notebook's
2×2 example corrected, and the untrained model's predictions with the graph
autograd recorded for them.

Run: python snippets/model.py
"""

from linreg import init_params, inputs, model, pick_device, targets, torch

# --8<-- [start:device]
device = pick_device()
print("device:", device)
x = torch.from_numpy(inputs).to(device)  # X: N × d = 5 regions × 3 features
y = torch.from_numpy(targets).to(device)  # Y: N × m = 5 regions × 2 outputs
w, b = init_params(device=device)  # W: m × d = (2, 3), b: m = (2,)
# --8<-- [end:device]

# --8<-- [start:predict]
preds = model(x, w, b)  # (1)!
print(preds)
# --8<-- [end:predict]

# --8<-- [start:transpose]
print("x", tuple(x.shape), "| w", tuple(w.shape), "| w.t()", tuple(w.t().shape))
try:
    x @ w  # (1)!
except RuntimeError as error:
    shape_error = str(error)
    print("x @ w fails:", shape_error)

print(w.t())  # (2)!
print("w.t() shares w's memory:", w.t().data_ptr() == w.data_ptr())  # (3)!
# --8<-- [end:transpose]

# --8<-- [start:matmul]
xw = x @ w.t()  # (1)!
print("x @ w.t():", tuple(xw.shape))
print(xw.detach())
# --8<-- [end:matmul]

# --8<-- [start:broadcast]
print("b:", b.detach())
print("b, broadcast to (5, 2):")
print(b.detach().expand(5, 2))  # (1)!
print("model() is x @ w.t() + b:", torch.equal(preds, xw + b))
# --8<-- [end:broadcast]

# --8<-- [start:by_hand]
region1 = x[0].tolist()  # (1)!
features = ["temp", "rain", "humidity"]
products, by_hand = [], []
for k, fruit in enumerate(["apples", "oranges"]):  # code k = 0, 1: output 1, 2
    w_k, b_k = w[k].tolist(), b[k].item()
    products.append([xj * wkj for xj, wkj in zip(region1, w_k)])  # (2)!
    by_hand.append(sum(products[k]) + b_k)
    print(f"{fruit:<11}{'x_1j':>6}{'w_kj':>13}{'x_1j * w_kj':>14}")
    for name, xj, wkj, p in zip(features, region1, w_k, products[k]):
        print(f"  {name:<9}{xj:>6.0f}{wkj:>13.7f}{p:>14.3f}")
    print(f"  {'bias b_k':<15}{b_k:>13.7f}{b_k:>14.3f}")
    print(f"  {'sum':<28}{by_hand[k]:>14.3f}")

print("model(), region 1:", preds[0].detach())
# --8<-- [end:by_hand]

# --8<-- [start:example]
x2 = torch.tensor([[1, 2], [3, 4]], dtype=torch.float32)  # 2 samples
w2 = torch.tensor([[0.5, 1], [1.5, 2]])  # 2 outputs × 2 features
b2 = torch.tensor([0.1, 0.2])
example = model(x2, w2, b2)  # (1)!
print(example)
# --8<-- [end:example]

# --8<-- [start:slip]
notebook_shows = torch.tensor([[2.6, 5.2], [5.6, 11.2]])  # (1)!
no_transpose = x2 @ w2 + b2  # (2)!
print("without the transpose:")
print(no_transpose)
print("right column 1:", torch.allclose(notebook_shows[:, 0], example[:, 0]),
      "| right column 2:", torch.allclose(notebook_shows[:, 1], example[:, 1]))
print("column 2 as without the transpose:",
      torch.allclose(notebook_shows[:, 1], no_transpose[:, 1]))
# --8<-- [end:slip]

# --8<-- [start:untrained]
print("region  apples: predicted  target  oranges: predicted  target")
for i, (p, t) in enumerate(zip(preds.tolist(), y.tolist()), start=1):
    print(f"{i:>6}{p[0]:>19.1f}{t[0]:>8.0f}{p[1]:>20.1f}{t[1]:>8.0f}")

miss = (preds - y).abs().max().item()
print(f"largest miss: {miss:.1f}")
# --8<-- [end:untrained]


# --8<-- [start:graph]
def show_graph(node, depth=0):
    """Print the recorded operations behind a result, one per line."""
    name = type(node).__name__
    if hasattr(node, "variable"):  # (1)!
        name += f": a parameter, shape {tuple(node.variable.shape)}"
    print("  " * depth + name)  # two spaces a level: it fits a phone
    for child, _ in node.next_functions:
        if child is not None:  # (2)!
            show_graph(child, depth + 1)


show_graph(preds.grad_fn)
# --8<-- [end:graph]
