"""Generalisation: split chapter 9's 1,000 regions into training and
validation rows, train on one and measure on the other (RMSE and R²), watch a
model with too many features for its rows over-fit, and save, load and use
the trained model.

Run: python snippets/generalisation.py
"""

import torch

from learning_rate import standardise
from linreg import make_regions, pick_device


# --8<-- [start:split]
def split_rows(x, y, val_fraction=0.2, seed=0):
    """Shuffle the rows of x and y with a seeded generator and cut them in
    two: (x_train, y_train, x_val, y_val)."""
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError("x and y must be tensors, e.g. torch.from_numpy(x)")
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y):
        raise ValueError(f"x {tuple(x.shape)} and y {tuple(y.shape)} must be "
                         "2-D with the same number of rows")
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction is {val_fraction!r}: it must lie "
                         "between 0 and 1, e.g. 0.2 for a fifth of the rows")
    n_val = round(val_fraction * len(x))
    if n_val < 2 or len(x) - n_val < 2:
        raise ValueError(f"{len(x)} rows with val_fraction={val_fraction} "
                         f"leave {n_val} for validation and {len(x) - n_val}"
                         " for training: each side needs at least 2")
    gen = torch.Generator().manual_seed(seed)  # (1)!
    order = torch.randperm(len(x), generator=gen).to(x.device)
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]
# --8<-- [end:split]


# --8<-- [start:metrics]
def check_pair(pred, y):
    """A clear error for predictions and targets that can't be compared."""
    if not (isinstance(pred, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError("pred and y must be tensors")
    if pred.shape != y.shape or y.ndim != 2:
        raise ValueError(f"pred {tuple(pred.shape)} and y {tuple(y.shape)} "
                         "must have the same 2-D shape (rows × outputs): a "
                         "1-D target needs y.unsqueeze(1)")
    if len(y) < 2:
        raise ValueError("R² and RMSE need at least 2 rows")


def rmse(pred, y):
    """Root mean squared error of each output (column), in its units."""
    check_pair(pred, y)
    return ((pred - y) ** 2).mean(dim=0).sqrt()


def r2(pred, y):
    """R² of each output: 1 - (squared error) / (squared spread around the
    targets' own mean)."""
    check_pair(pred, y)
    spread = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
    if (spread == 0).any():
        flat = torch.nonzero(spread == 0).flatten().tolist()
        raise ValueError(f"output(s) {flat} have the same target in every "
                         "row: R² divides by their spread, which is 0")
    return 1 - ((pred - y) ** 2).sum(dim=0) / spread
# --8<-- [end:metrics]


if __name__ == "__main__":  # the chapter; importing only defines the above
    # --8<-- [start:device]
    device = pick_device()
    print("device:", device)
    big_x, big_y = make_regions(1000)  # chapter 9's 1,000 regions
    big_x, big_y = big_x.to(device), big_y.to(device)
    print("regions:", tuple(big_x.shape), tuple(big_y.shape))
    # --8<-- [end:device]

    # --8<-- [start:do_split]
    x_train, y_train, x_val, y_val = split_rows(big_x, big_y, 0.2, seed=0)
    print("training:  ", tuple(x_train.shape), tuple(y_train.shape))
    print("validation:", tuple(x_val.shape), tuple(y_val.shape))
    # --8<-- [end:do_split]

    # --8<-- [start:train]
    import torch.nn.functional as F
    from torch import nn

    z_train, mean, std = standardise(x_train)  # (1)!
    z_val = (x_val - mean) / std  # (2)!

    torch.manual_seed(0)
    net = nn.Linear(3, 2).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    for epoch in range(200):  # full batch: every training row, every step
        loss = F.mse_loss(net(z_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    with torch.no_grad():
        train_loss = F.mse_loss(net(z_train), y_train).item()
        val_loss = F.mse_loss(net(z_val), y_val).item()  # (3)!

    print(f"loss on the training rows:   {train_loss:.2f}")
    print(f"loss on the validation rows: {val_loss:.2f}")
    # --8<-- [end:train]

    # --8<-- [start:measure]
    with torch.no_grad():
        pred_train, pred_val = net(z_train), net(z_val)

    scores = {"RMSE": rmse, "R²": r2}
    print("              training  validation")
    for name, score in scores.items():
        on_train = score(pred_train, y_train).tolist()
        on_val = score(pred_val, y_val).tolist()
        digits = 2 if name == "RMSE" else 3
        for k, output in enumerate(("apples", "oranges")):
            print(f"{name + ' ' + output:<12} {on_train[k]:10.{digits}f} "
                  f"{on_val[k]:11.{digits}f}")

    val_rmse, val_r2 = rmse(pred_val, y_val), r2(pred_val, y_val)
    spread_val = y_val.std(dim=0, correction=0)  # (1)!
    print(f"validation targets' std: {spread_val[0]:.2f}, "
          f"{spread_val[1]:.2f}")
    # --8<-- [end:measure]

    # --8<-- [start:overfit]
    few = 20  # training rows
    gen = torch.Generator().manual_seed(1)
    junk_train = torch.randn(few, 16, generator=gen, dtype=torch.float64)
    junk_val = torch.randn(len(x_val), 16, generator=gen, dtype=torch.float64)
    xs_train = x_train[:few].cpu().double()  # float64 on the CPU, as in
    ys_train = y_train[:few].cpu().double()  # chapter 9's floor
    xs_val, ys_val = x_val.cpu().double(), y_val.cpu().double()

    def with_ones(x):
        """X̃ = [X 1]: the inputs with a column of ones for the bias."""
        return torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1)

    junk_counts = list(range(16))
    curve = {"training": [], "validation": []}
    for extra in junk_counts + [16]:  # (1)!
        a_train = with_ones(torch.cat([xs_train, junk_train[:, :extra]], 1))
        a_val = with_ones(torch.cat([xs_val, junk_val[:, :extra]], 1))
        theta = torch.linalg.lstsq(a_train, ys_train).solution  # (2)!
        curve["training"].append(F.mse_loss(a_train @ theta, ys_train).item())
        curve["validation"].append(F.mse_loss(a_val @ theta, ys_val).item())

    print("noise    training  validation")
    print("features     loss        loss")
    for extra in (0, 4, 8, 12, 15, 16):
        print(f"{extra:8} {curve['training'][extra]:8.2f} "
              f"{curve['validation'][extra]:11.2f}")
    # --8<-- [end:overfit]

    # --8<-- [start:overfit_plot]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    ax.plot(junk_counts, curve["training"][:16], "o-", color="#4f8fe6",
            label=f"training ({few} rows)")
    ax.plot(junk_counts, curve["validation"][:16], "s-", color="#e8833a",
            label=f"validation ({len(x_val)} rows)")
    ax.set(yscale="log", xlabel="noise features added to the 3 real ones",
           ylabel="loss (log scale)", xticks=junk_counts[::3])
    ax.grid(True)
    ax.legend()
    plt.show()
    # --8<-- [end:overfit_plot]

    # --8<-- [start:save]
    checkpoint = {"model": net.state_dict(), "mean": mean, "std": std}  # (1)!
    print({name: tuple(t.shape) for name, t in checkpoint["model"].items()})
    torch.save(checkpoint, "yield_model.pt")
    # --8<-- [end:save]

    # --8<-- [start:load]
    loaded = torch.load("yield_model.pt", map_location=device,
                        weights_only=True)  # (1)!
    fresh = nn.Linear(3, 2).to(device)  # (2)!
    fresh.load_state_dict(loaded["model"])

    new_region = torch.tensor([[80.0, 100.0, 60.0]], device=device)
    with torch.no_grad():
        forecast = fresh((new_region - loaded["mean"]) / loaded["std"])  # (3)!
        same = torch.equal(forecast, net((new_region - mean) / std))

    print("80 °F, 100 mm of rain, 60 % humidity:")
    print(f"apples {forecast[0, 0]:.1f}, oranges {forecast[0, 1]:.1f}")
    print("the same as the trained net's:", same)
    # --8<-- [end:load]

    # --8<-- [start:error]
    try:
        r2(pred_val, y_val[:, 0])  # apples, but 1-D
    except ValueError as error:
        print("ValueError:", error)
    # --8<-- [end:error]
