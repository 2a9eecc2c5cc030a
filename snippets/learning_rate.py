"""Learning rate and feature scaling: why the notebook needs lr 1e-5, where
gradient descent starts to diverge, and how standardised inputs let the same
model converge in a few dozen steps at a learning rate near 0.1.

Run: python snippets/learning_rate.py
"""

import torch

from exact_answer import least_squares, loss_hessian
from linreg import init_params, inputs, model, mse, pick_device, targets, train

# --8<-- [start:scaling]
def standardise(x):
    """Shift and scale each column of x (samples × features) to mean 0 and
    standard deviation 1. Returns z, and the mean and std to reuse on new
    data."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError("x must be a floating-point tensor, e.g. "
                        "torch.from_numpy(inputs)")
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"x has shape {tuple(x.shape)}: it needs 2-D "
                         "samples × features with at least 2 samples")
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)  # (1)!
    if (std == 0).any():
        flat = torch.nonzero(std == 0).flatten().tolist()
        raise ValueError(f"feature(s) {flat} have the same value in every "
                         "sample: they carry no information, and scaling "
                         "would divide by zero. Drop them")
    return (x - mean) / std, mean, std


def to_original_units(w_z, b_z, mean, std):
    """Weights learned on standardised inputs, rewritten for raw inputs:
    w = w_z / std, b = b_z - w @ mean."""
    if not (w_z.shape[1] == len(mean) == len(std)):
        raise ValueError(f"w_z has {w_z.shape[1]} features but mean and std "
                         f"have {len(mean)} and {len(std)}: use the mean and "
                         "std that standardise() returned for the same inputs")
    w = w_z / std  # (2)!
    return w, b_z - w @ mean
# --8<-- [end:scaling]


if __name__ == "__main__":  # the chapter; importing only defines the above
    # --8<-- [start:device]
    device = pick_device()
    print("device:", device)
    x = torch.from_numpy(inputs).to(device)  # 5 regions × 3 features
    y = torch.from_numpy(targets).to(device)  # 5 regions × 2 yields
    # --8<-- [end:device]

    # --8<-- [start:gradients]
    w, b = init_params(seed=0, device=device)
    mse(model(x, w, b), y).backward()
    print("dL/dw =", w.grad)
    print("dL/db =", b.grad)
    ratio = (w.grad.abs().mean() / b.grad.abs().mean()).item()
    print(f"the weights' gradients are {ratio:.0f}x the bias's")
    first_step = (1e-5 * w.grad).abs().max().item()
    print(f"the first step at lr 1e-5 moves a weight by up to {first_step:.2f}")
    # --8<-- [end:gradients]

    # --8<-- [start:threshold]
    hess = loss_hessian(x, n_outputs=y.shape[1])
    eigenvalues = torch.linalg.eigvalsh(hess)
    lr_max = 2 / eigenvalues[-1].item()  # (1)!
    print(f"largest eigenvalue of H: {eigenvalues[-1].item():.4g}")
    print(f"gradient descent diverges for lr > 2 / λmax = {lr_max:.3g}")
    # --8<-- [end:threshold]

    # --8<-- [start:sweep]
    raw_rates = {"1e-6": 1e-6, "1e-5": 1e-5,
                 "0.9 × 2/λmax": 0.9 * lr_max, "1.05 × 2/λmax": 1.05 * lr_max}
    raw_runs, raw_final = {}, {}
    for name, lr in raw_rates.items():
        w, b = init_params(seed=0, device=device)
        raw_runs[name] = train(x, y, w, b, lr=lr, epochs=200)  # (1)!
        with torch.no_grad():
            raw_final[name] = mse(model(x, w, b), y).item()
        print(f"lr {name:<14} loss {raw_runs[name][0]:.2f} -> "
              f"{raw_final[name]:.3g} after 200 epochs")
    # --8<-- [end:sweep]

    # --8<-- [start:error]
    w, b = init_params(seed=0, device=device)
    try:
        train(x, y, w, b, lr=1e-3, epochs=100)
    except FloatingPointError as error:
        print("FloatingPointError:", error)
    # --8<-- [end:error]

    # --8<-- [start:try_rates]
    w0, b0 = init_params(seed=0, device=device)
    descent_data = {  # what the explorable starts from: this chapter's numbers
        "x": x, "y": y, "w": w0, "b": b0, "lambdaMax": eigenvalues[-1].item(),
        "floor": mse(model(x, *least_squares(x, y)), y).item(),  # (1)!
        "epochs": 200,
        "lossRange": [0.1, 1e7],
        "logEta": {"min": -7, "max": -3.7, "step": 0.05, "value": -5},
    }
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    ax.plot(raw_runs["1e-5"], color="#4f8fe6", label="lr 1e-5")
    ax.axhline(descent_data["floor"], ls="--", lw=1,
               color=plt.rcParams["axes.edgecolor"], label="least-squares floor")
    ax.set(xlabel="updates", ylabel="loss (log scale)", yscale="log",
           ylim=descent_data["lossRange"])
    ax.legend(fontsize=10)
    plt.show()
    # --8<-- [end:try_rates]

    # --8<-- [start:standardise]
    z, mean, std = standardise(x)
    print("mean:", mean)
    print("std: ", std)
    print("z =", z)
    print("every column of z has mean 0:",
          torch.allclose(z.mean(dim=0), torch.zeros_like(mean), atol=1e-6),
          " and std 1:",
          torch.allclose(z.std(dim=0, correction=0), torch.ones_like(std)))
    # --8<-- [end:standardise]

    # --8<-- [start:curvature]
    eigenvalues_z = torch.linalg.eigvalsh(loss_hessian(z, n_outputs=y.shape[1]))
    for name, values in (("raw", eigenvalues), ("standardised", eigenvalues_z)):
        print(f"eigenvalues of H, {name + ' inputs:':<20}",
              ", ".join(f"{v:.3g}" for v in values.tolist()))

    cond = (eigenvalues[-1] / eigenvalues[0]).item()  # (1)!
    cond_z = (eigenvalues_z[-1] / eigenvalues_z[0]).item()
    lr_max_z = 2 / eigenvalues_z[-1].item()
    print(f"condition number: {cond:.2g} -> {cond_z:.2g}")
    print(f"largest stable learning rate: {lr_max:.3g} -> {lr_max_z:.3g}")
    # --8<-- [end:curvature]

    # --8<-- [start:valley]
    rain, apples = x[:, 1:2], y[:, :1]  # one feature, one output: N × 1 each
    rain_z, rain_mean, rain_std = standardise(rain)


    def descend(feature, lr, steps=100):
        """Gradient descent from w = b = 0 on apples ~ feature; the path."""
        w = torch.zeros(1, 1, device=device, requires_grad=True)
        b = torch.zeros(1, device=device, requires_grad=True)
        path = [(0.0, 0.0)]
        for _ in range(steps):
            mse(model(feature, w, b), apples).backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
            path.append((w.item(), b.item()))
        return path


    share = 0.5  # the step, as a share of each problem's own limit 2 / λmax
    panels = []
    for title, feature, box in (
            ("raw rainfall", rain, {"w": [-0.15, 1.45], "b": [-35, 25]}),
            ("standardised", rain_z, {"w": [-12, 48], "b": [-10, 90]})):
        h1 = loss_hessian(feature, n_outputs=1)  # (1)!
        lam = torch.linalg.eigvalsh(h1)
        w_opt, b_opt = least_squares(feature, apples)
        floor1 = mse(model(feature, w_opt, b_opt), apples).item()
        start_loss = mse(apples * 0, apples).item()  # w = b = 0 predicts 0
        panels.append({
            "title": title, "x": feature.flatten(), "hessian": h1,
            "lambdaMax": lam[-1].item(), "kappa": (lam[-1] / lam[0]).item(),
            "optimum": {"w": w_opt.item(), "b": b_opt.item()}, "floor": floor1,
            "levels": [floor1 + (start_loss - floor1) * 4.0 ** -k
                       for k in range(9)],
            "start": {"w": 0.0, "b": 0.0}, "steps": 100, "range": box,
            "wLabel": "w", "bLabel": "b",
            "path": descend(feature, share * 2 / lam[-1].item())})
        print(f"{title:<13} κ = {panels[-1]['kappa']:9.4g}   after 100 steps:"
              f" w = {panels[-1]['path'][-1][0]:7.3f},"
              f" b = {panels[-1]['path'][-1][1]:7.3f};"
              f" best w = {w_opt.item():7.3f}, b = {b_opt.item():7.3f}")

    valley_data = {"y": apples.flatten(), "panels": panels,
                   "fraction": {"min": 0.05, "max": 1.1, "step": 0.05,
                                "value": share}}
    # --8<-- [end:valley]

    # --8<-- [start:valley_plot]
    import numpy as np

    fig, axes = plt.subplots(2, 1, figsize=(5.6, 7.4))
    for ax, p in zip(axes, panels):
        ws = np.linspace(*p["range"]["w"], 200)
        bs = np.linspace(*p["range"]["b"], 200)
        gw, gb = np.meshgrid(ws, bs)
        dw, db = gw - p["optimum"]["w"], gb - p["optimum"]["b"]
        hh = p["hessian"].numpy()
        grid = p["floor"] + 0.5 * (hh[0, 0] * dw**2 + 2 * hh[0, 1] * dw * db
                                   + hh[1, 1] * db**2)  # (1)!
        ax.contour(gw, gb, grid, levels=sorted(p["levels"]),
                   colors=plt.rcParams["axes.edgecolor"], alpha=0.35,
                   linewidths=0.8)
        ax.plot(*zip(*p["path"]), color="#4f8fe6", lw=1.5, marker=".")
        ax.plot(p["optimum"]["w"], p["optimum"]["b"], "o", color="#3fa34d")
        ax.set(title=p["title"], xlabel="w", ylabel="b")

    fig.tight_layout()
    plt.show()
    # --8<-- [end:valley_plot]

    # --8<-- [start:scaled]
    w_star, b_star = least_squares(x, y)
    floor = mse(model(x, w_star, b_star), y).item()  # (1)!
    scaled_runs, fitted, reached = {}, {}, {}
    for lr in (0.1, 0.5):
        w_z, b_z = init_params(seed=0, device=device)  # the same start
        scaled_runs[lr] = train(z, y, w_z, b_z, lr=lr, epochs=200)
        fitted[lr] = (w_z.detach(), b_z.detach())
        reached[lr] = next(epoch for epoch, loss in enumerate(scaled_runs[lr])
                           if loss < 1.01 * floor)  # (2)!
        print(f"lr {lr}: loss {scaled_runs[lr][10]:.2f} after 10 epochs, "
              f"within 1% of the floor ({floor:.2f}) after {reached[lr]}")
    # --8<-- [end:scaled]

    # --8<-- [start:unscale]
    w_z, b_z = fitted[0.5]
    w_raw, b_raw = to_original_units(w_z, b_z, mean, std)
    print("w from standardised training:", w_raw)
    print("w* from lstsq:               ", w_star)
    print("b from standardised training:", b_raw)
    print("b* from lstsq:               ", b_star)
    same = (torch.allclose(w_raw, w_star, rtol=0, atol=1e-4)
            and torch.allclose(b_raw, b_star, rtol=0, atol=1e-4))
    print("equal to 4 decimals:", same)

    new_region = torch.tensor([[80.0, 100.0, 60.0]], device=device)
    print("forecast with w, b on raw inputs:       ",
          model(new_region, w_raw, b_raw))
    print("forecast with w_z, b_z on scaled inputs:",
          model((new_region - mean) / std, w_z, b_z))  # (1)!
    # --8<-- [end:unscale]

    # --8<-- [start:plot]
    import matplotlib.pyplot as plt

    colours = ["#4f8fe6", "#e8843c", "#3fa34d", "#d6504f"]  # (1)!
    ink = plt.rcParams["axes.edgecolor"]
    fig, (raw_ax, scaled_ax) = plt.subplots(2, 1, figsize=(5.6, 7.4), sharex=True)
    for (name, losses), colour in zip(raw_runs.items(), colours):
        raw_ax.plot(losses, color=colour, label=f"lr {name}")

    for (lr, losses), colour in zip(scaled_runs.items(), colours):
        scaled_ax.plot(losses, color=colour, label=f"lr {lr}")

    for ax, title in ((raw_ax, "raw inputs"),
                      (scaled_ax, "standardised inputs")):
        ax.axhline(floor, color=ink, ls="--", lw=1, label="least-squares floor")
        ax.set(title=title, ylabel="loss (log scale)", yscale="log",
               ylim=(floor / 3, 1e7))  # (2)!
        ax.grid(True)
        ax.legend(fontsize=9)

    scaled_ax.set_xlabel("epoch")
    fig.tight_layout()
    plt.show()
    # --8<-- [end:plot]
