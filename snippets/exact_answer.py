"""The exact answer: least squares in closed form, the lowest loss a linear
model can reach on the crop data, and why gradient descent at lr 1e-5 is still
so far from it after a thousand epochs.

Run: python snippets/exact_answer.py
"""

import torch

from linreg import init_params, inputs, model, mse, pick_device, targets, train

# --8<-- [start:solver]
# --8<-- [start:solver_checks]
def check_least_squares_inputs(x, y):
    """Clear errors for data that least_squares() can't solve."""
    for name, t in (("x", x), ("y", y)):
        if not (isinstance(t, torch.Tensor) and t.is_floating_point()):
            raise TypeError(f"{name} is {type(t).__name__} of dtype "
                            f"{getattr(t, 'dtype', '?')}: pass a floating-"
                            f"point tensor, e.g. torch.from_numpy({name}) "
                            f"or {name}.float()")
        if t.ndim != 2:
            raise ValueError(f"{name} has shape {tuple(t.shape)}: it must be "
                             "2-D (samples × columns); a single column needs "
                             ".unsqueeze(1)")
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} contains NaN or infinite values: fix or "
                             "drop those rows first")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: every "
                         "sample needs exactly one row of targets")
    if len(x) < x.shape[1] + 1:
        raise ValueError(f"{len(x)} samples can't pin down {x.shape[1] + 1} "
                         f"unknowns per output ({x.shape[1]} weights and a "
                         f"bias): collect at least {x.shape[1] + 1} samples, "
                         "more to average out the noise")


def check_full_rank(x_tilde, dtype):
    """A ValueError naming the columns of x_tilde = [x | 1] that depend on
    each other, judged at the precision of the data's dtype."""
    s = torch.linalg.svdvals(x_tilde)
    if s[-1] > s[0] * max(x_tilde.shape) * torch.finfo(dtype).eps:
        return
    # the unit combination of the columns that comes closest to zero:
    combo = torch.linalg.svd(x_tilde).Vh[-1]
    names = [f"feature {j}" for j in range(x_tilde.shape[1] - 1)]
    big = combo.abs() > 0.01 * combo.abs().max()
    tied = [name for name, is_big in zip(names + ["the bias"], big) if is_big]
    raise ValueError(
        f"the columns of [x | 1] are linearly dependent ({', '.join(tied)} "
        "move together: a constant feature, a copy, or one quantity in two "
        "units), so infinitely many (w, b) fit equally well: drop one of "
        "those features")
# --8<-- [end:solver_checks]


# --8<-- [start:least_squares]
def least_squares(x, y):
    """The w (outputs × features) and b (outputs,) that minimise the mean
    squared error on x, y, in closed form."""
    check_least_squares_inputs(x, y)
    x64, y64 = x.detach().cpu().double(), y.detach().cpu().double()  # (1)!
    ones = torch.ones(len(x64), 1, dtype=torch.float64)
    x_tilde = torch.cat([x64, ones], dim=1)  # X̃ = [X 1], N × (d+1)
    check_full_rank(x_tilde, x.dtype)
    theta = torch.linalg.lstsq(x_tilde, y64).solution  # (2)!
    w = theta[:-1].T.to(device=x.device, dtype=x.dtype)  # (3)!
    b = theta[-1].to(device=x.device, dtype=x.dtype)
    return w, b
# --8<-- [end:least_squares]
# --8<-- [end:solver]


# --8<-- [start:hessian]
def loss_hessian(x, n_outputs):
    """The second derivatives of the mean squared error with respect to one
    output's weights and bias: H = 2 / (N·m) · X̃ᵀX̃, X̃ = [x | 1] (float64)."""
    x64 = x.detach().cpu().double()
    ones = torch.ones(len(x64), 1, dtype=torch.float64)
    x_tilde = torch.cat([x64, ones], dim=1)
    return 2 / (len(x64) * n_outputs) * x_tilde.T @ x_tilde
# --8<-- [end:hessian]


if __name__ == "__main__":  # the chapter; importing only defines the above
    # --8<-- [start:device]
    device = pick_device()
    print("device:", device)
    x = torch.from_numpy(inputs).to(device)  # 5 regions × 3 features
    y = torch.from_numpy(targets).to(device)  # 5 regions × 2 yields
    # --8<-- [end:device]

    # --8<-- [start:design]
    ones = torch.ones(len(x), 1, device=device)
    x_tilde = torch.cat([x, ones], dim=1)  # (1)!
    print("x_tilde:", tuple(x_tilde.shape))
    print(x_tilde)
    # --8<-- [end:design]

    # --8<-- [start:solve]
    w_star, b_star = least_squares(x, y)
    print("w* =", w_star)
    print("b* =", b_star)
    best = model(x, w_star, b_star)
    floor = mse(best, y).item()  # (1)!
    print("predictions | targets:")
    print(torch.cat([best, y], dim=1))
    print(f"lowest loss a linear model can reach: {floor:.2f}")
    # --8<-- [end:solve]

    # --8<-- [start:normal]
    xt64, y64 = x_tilde.cpu().double(), y.cpu().double()  # (1)!
    theta_normal = torch.linalg.solve(xt64.T @ xt64, xt64.T @ y64)  # (2)!
    theta_lstsq = torch.linalg.lstsq(xt64, y64).solution
    print("normal equations agree with lstsq:",
          torch.allclose(theta_normal, theta_lstsq, rtol=0, atol=1e-8))
    cond_x = torch.linalg.cond(xt64).item()  # (3)!
    cond_xx = torch.linalg.cond(xt64.T @ xt64).item()
    print(f"condition number of x_tilde:               {cond_x:.2g}")
    print(f"condition number of x_tilde.T @ x_tilde:   {cond_xx:.2g}")
    # --8<-- [end:normal]

    # --8<-- [start:gap]
    w_gd, b_gd = init_params(seed=0, device=device)
    print("epochs     loss      gap    |w-w*|    |b-b*|")
    done, gaps, distances = 0, {}, {}
    for epochs in (20, 100, 1000):
        losses = train(x, y, w_gd, b_gd, lr=1e-5, epochs=epochs - done)  # (1)!
        if done == 0:
            before_last = losses[-1]  # measured before the 20th update
        done = epochs
        with torch.no_grad():
            loss = mse(model(x, w_gd, b_gd), y).item()
            dw = (w_gd - w_star).abs().max().item()
            db = (b_gd - b_star).abs().max().item()
        gaps[epochs], distances[epochs] = loss - floor, (dw, db)
        print(f"{epochs:>6}{loss:9.2f}{loss - floor:9.2f}{dw:10.3f}{db:10.3f}")
    # --8<-- [end:gap]

    # --8<-- [start:eigen]
    import math

    h = loss_hessian(x, n_outputs=y.shape[1])  # (1)!
    eigenvalues, directions = torch.linalg.eigh(h)  # (2)!
    directions = directions * directions[-1].sign()  # (3)!
    theta_star = torch.cat([w_star.T, b_star[None]]).cpu().double()


    def along(w, b):
        """The error of (w, b), Θ - Θ*, along each eigenvector: row r is
        direction r, column k output k."""
        theta = torch.cat([w.T, b[None]]).detach().cpu().double()
        return directions.T @ (theta - theta_star)


    left = 0.5 * eigenvalues * (along(w_gd, b_gd) ** 2).sum(dim=1)  # (4)!
    print("        λ  kept per step  epochs to 10x   left")
    for lam, part in zip(eigenvalues.tolist(), left.tolist()):
        kept = 1 - 1e-5 * lam  # (5)!
        steps = math.log(0.1) / math.log(kept)
        print(f"{lam:9.3g}{kept:15.8f}{steps:15,.0f}{part:7.2f}")

    print(f"together: {left.sum():.2f}, the loss above the floor")
    slow = directions[:, 0]
    print("flattest direction (temp, rain, humid, bias):",
          "  ".join(f"{v:+.5f}" for v in slow.tolist()))
    mix = torch.from_numpy(inputs).double() @ -slow[:3]  # per region
    print("minus its weights, times each region's features:",
          "  ".join(f"{v:.2f}" for v in mix.tolist()))
    # --8<-- [end:eigen]

    # --8<-- [start:valley]
    import matplotlib.pyplot as plt

    w20, b20 = init_params(seed=0, device=device)
    path = [along(w20, b20)]
    for epoch in range(20):
        train(x, y, w20, b20, lr=1e-5, epochs=1)
        path.append(along(w20, b20))

    path = torch.stack(path + [along(w_gd, b_gd)])  # (1)!
    grid = torch.meshgrid(torch.linspace(-4, 4, 161),
                          torch.linspace(-2, 0.5, 101), indexing="xy")
    bowl = 0.5 * (eigenvalues[0] * grid[0] ** 2
                  + eigenvalues[-1] * grid[1] ** 2)  # (2)!
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    lines = ax.contour(*grid, bowl, levels=[0.01, 10, 1000, 10000],
                       colors="#8c8c8c", linewidths=1)
    ax.clabel(lines, fmt="%g")
    for k, fruit, colour in ((0, "apples", "#e8833a"),
                             (1, "oranges", "#3fa34d")):
        ax.plot(path[:, 0, k], path[:, -1, k], "o-", ms=4, color=colour,
                label=fruit)

    ax.plot(0, 0, "*", ms=14, color="#c05bd1", label="least squares")
    ax.set(xlabel="error along the flattest direction",
           ylabel="error along the steepest")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1), ncol=3,
              frameon=False)
    plt.show()
    # --8<-- [end:valley]

    # --8<-- [start:plot]
    fig, ax = plt.subplots(figsize=(5.6, 5.8))
    fits = [("after 20 epochs", w20, b20, "#e8833a", "v"),  # (1)!
            ("after 1000 epochs", w_gd, b_gd, "#3fa34d", "s"),
            ("least squares", w_star, b_star, "#4f8fe6", "o")]
    with torch.no_grad():
        for label, w_fit, b_fit, colour, marker in fits:
            pred = model(x, w_fit, b_fit).cpu()
            ax.scatter(y.cpu().flatten(), pred.flatten(), label=label,
                       color=colour, marker=marker, s=45)

    ink = plt.rcParams["axes.edgecolor"]  # (2)!
    ax.plot([0, 170], [0, 170], color=ink, lw=1, ls="--",
            label="prediction = target")
    ax.set(xlabel="target yield", ylabel="predicted yield",
           xlim=(0, 170), ylim=(0, 170), aspect="equal")
    ax.grid(True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)  # (3)!
    plt.show()
    # --8<-- [end:plot]

    # --8<-- [start:errors]
    try:
        least_squares(x[:3], y[:3])  # (1)!
    except ValueError as error:
        print("ValueError:", error)

    rain_in_inches = x[:, 1:2] / 25.4
    try:
        least_squares(torch.cat([x, rain_in_inches], dim=1), y)  # (2)!
    except ValueError as error:
        print("ValueError:", error)
    # --8<-- [end:errors]
