"""The lesson's small library: device choice, the crop data, seeded
parameters, and the model, loss and checked training loop the chapters build.

The chapters' snippets import from here; every page shows the parts it uses, and
each chapter's downloadable script carries them inline.
Run it alone to see the device and the data: `python snippets/linreg.py`
"""

# --8<-- [start:imports]
import os

import numpy as np
import torch

# float32 keeps ~7 significant digits: print fewer, so CPU and GPU print alike
torch.set_printoptions(precision=3, sci_mode=False)
# --8<-- [end:imports]


# --8<-- [start:device]
def pick_device() -> torch.device:
    """CUDA, else Apple's MPS, else CPU. LINREG_DEVICE=cpu/cuda/mps forces one."""
    forced = os.environ.get("LINREG_DEVICE", "").strip().lower()
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
        "cpu": True,
    }
    if forced:
        if forced not in available:
            raise ValueError(
                f"LINREG_DEVICE={forced!r}: use one of cpu, cuda, mps")
        if not available[forced]:
            raise RuntimeError(
                f"LINREG_DEVICE={forced} but this torch build or machine has "
                f"no {forced}: unset LINREG_DEVICE to pick automatically, "
                "or set it to cpu"
            )
        return torch.device(forced)
    return torch.device(next(name for name, ok in available.items() if ok))


# --8<-- [end:device]


# --8<-- [start:data]
# Five farming regions. Columns: temperature (°F), rainfall (mm), humidity (%).
inputs = np.array(
    [[73, 67, 43],
     [91, 88, 64],
     [87, 134, 58],
     [102, 43, 37],
     [69, 96, 70]],
    dtype="float32",
)
# The yield we want to predict for each region. Columns: apples, oranges.
targets = np.array(
    [[57, 70],
     [81, 101],
     [119, 133],
     [22, 37],
     [103, 119]],
    dtype="float32",
)
# --8<-- [end:data]


# --8<-- [start:params]
def init_params(n_features=3, n_outputs=2, seed=0, device="cpu"):
    """Random w (outputs × features) and b (outputs,), same on any device."""
    # drawn on the CPU from a seeded generator, then moved to the device
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(n_outputs, n_features, generator=gen)
    b = torch.randn(n_outputs, generator=gen)
    return w.to(device).requires_grad_(), b.to(device).requires_grad_()


# --8<-- [end:params]


# --8<-- [start:model]
def model(x, w, b):
    """x (samples × features) @ wᵀ (features × outputs) + b (outputs,)."""
    return x @ w.t() + b


def mse(pred, target):
    """Mean squared error over every element."""
    diff = pred - target
    return torch.sum(diff * diff) / diff.numel()


# --8<-- [end:model]


# --8<-- [start:checks]
def check_training_inputs(x, y, w, b, lr):
    """Raise a clear error rather than train bad input into a wrong number."""
    tensors = {"x": x, "y": y, "w": w, "b": b}
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"{name} is a {type(t).__name__}, not a tensor: convert it "
                f"with torch.from_numpy({name}) or torch.tensor({name})")
        if not t.is_floating_point():
            raise TypeError(f"{name} has dtype {t.dtype}: use floating "
                            f"point, e.g. {name}.float()")
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"x and y must be 2-D (samples × columns), got x "
            f"{tuple(x.shape)} and y {tuple(y.shape)}: a single sample "
            "needs .unsqueeze(0)")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}: "
                         "every sample needs exactly one row of targets")
    expected_w = (y.shape[1], x.shape[1])
    if tuple(w.shape) != expected_w:
        raise ValueError(
            f"w has shape {tuple(w.shape)} but x has {x.shape[1]} features "
            f"and y has {y.shape[1]} outputs: w must be (outputs, features) "
            f"= {expected_w}")
    if tuple(b.shape) != (y.shape[1],):
        raise ValueError(f"b has shape {tuple(b.shape)}: it needs one value "
                         f"per output, shape ({y.shape[1]},)")
    if len({t.dtype for t in tensors.values()}) > 1:
        listed = ", ".join(f"{n} is {t.dtype}" for n, t in tensors.items())
        raise TypeError(f"mixed dtypes ({listed}): convert them all to one, "
                        "e.g. x.float() for float32")
    if len({t.device for t in tensors.values()}) > 1:
        listed = ", ".join(f"{n} on {t.device}" for n, t in tensors.items())
        raise ValueError(f"tensors on different devices ({listed}): move "
                         "them with .to(device)")
    for name, t in tensors.items():
        bad = ~torch.isfinite(t.detach())
        if bad.any():
            where = sorted({int(r) for r in bad.nonzero()[:, 0]})
            raise ValueError(
                f"{name} contains {int(bad.sum())} NaN or infinite value(s) "
                f"in rows {where}: fix or drop them before training")
    if not (isinstance(lr, (int, float)) and 0 < lr < float("inf")):
        raise ValueError(
            f"learning rate {lr!r} must be a positive finite number")


# --8<-- [end:checks]


# --8<-- [start:train]
def train(x, y, w, b, lr=1e-5, epochs=20):
    """Full-batch gradient descent on w and b, in place.

    Returns the loss before each update."""
    check_training_inputs(x, y, w, b, lr)
    losses = []
    for epoch in range(epochs):
        loss = mse(model(x, w, b), y)
        if not torch.isfinite(loss):
            recent = ", ".join(f"{v:.3g}" for v in losses[-3:])
            raise FloatingPointError(
                f"the loss became {loss.item()} at epoch {epoch} after "
                f"{recent}: lr={lr:g} is too large for inputs of this size, "
                "so every step overshoots and the loss grows until it "
                "overflows. Use a learning rate 10x smaller, or standardise "
                "the inputs.")
        losses.append(loss.item())
        loss.backward()  # w.grad and b.grad now hold dL/dw and dL/db
        with torch.no_grad():  # the update must not join the graph
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()  # backward() adds to .grad: clear it each epoch
            b.grad.zero_()
    return losses


# --8<-- [end:train]


# --8<-- [start:regions]
def make_regions(n, seed=0, spread=2.0):
    """n regions: each a copy of one of the 5 measured ones, every number
    nudged by Gaussian noise of standard deviation spread (chapter 9's)."""
    gen = torch.Generator().manual_seed(seed)  # the same rows on any device
    pick = torch.randint(0, len(inputs), (n,), generator=gen)
    noise_x = spread * torch.randn(n, inputs.shape[1], generator=gen)
    noise_y = spread * torch.randn(n, targets.shape[1], generator=gen)
    return (torch.from_numpy(inputs)[pick] + noise_x,
            torch.from_numpy(targets)[pick] + noise_y)


# --8<-- [end:regions]


if __name__ == "__main__":
    print("device:", pick_device())
    print("inputs", inputs.shape, inputs.dtype,
          "targets", targets.shape, targets.dtype)
