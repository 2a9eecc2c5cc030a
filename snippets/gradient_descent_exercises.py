"""Solutions to the exercises of chapter 7 (gradient descent).

Run: python snippets/gradient_descent_exercises.py
"""

import torch

from linreg import init_params, inputs, model, mse, targets, train

# --8<-- [start:longer]
x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
averages = mse(model(x, torch.zeros(2, 3), y.mean(dim=0)), y).item()
w, b = init_params()
history = train(x, y, w, b, lr=1e-5, epochs=1000)
for epochs in (20, 100, 1000):
    print(f"loss after {epochs - 1:3} updates: {history[epochs - 1]:.2f}")

falls = all(later < earlier for earlier, later in zip(history, history[1:]))
print("falls at every update:", falls)
first_better = next(k for k, loss in enumerate(history) if loss < averages)
print(f"predicting the averages scores {averages:.2f};"
      f" training beats it after {first_better} updates")
# --8<-- [end:longer]

# --8<-- [start:bias_only]
x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
no_weather = torch.zeros_like(x)  # w multiplies zeros: only b can learn
for rate in (1e-5, 0.5):
    w = torch.zeros(2, 3, requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    history = train(no_weather, y, w, b, lr=rate, epochs=20)
    print(f"lr={rate:g}: loss {history[0]:.2f} -> {history[-1]:.2f},"
          f" b = [{b[0].item():.3f}, {b[1].item():.3f}]")

means = y.mean(dim=0)
print(f"column means of the targets: [{means[0]:.3f}, {means[1]:.3f}]")
# --8<-- [end:bias_only]
