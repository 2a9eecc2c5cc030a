"""Chapter 10: the closed-form least-squares answer, the loss floor, how far gradient descent is
from it, and (the other way round) that gradient descent does reach it when the problem is well
conditioned."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from conftest import assert_prints_the_page, run_snippet
from exact_answer import least_squares, loss_hessian
from learning_rate import standardise, to_original_units
from linreg import init_params, inputs, model, mse, targets, train

X64, Y64 = inputs.astype(np.float64), targets.astype(np.float64)
XT64 = np.hstack([X64, np.ones((len(X64), 1))])  # X̃ = [X 1]
THETA = np.linalg.lstsq(XT64, Y64, rcond=None)[0]  # NumPy's least squares, the oracle
FLOOR = ((XT64 @ THETA - Y64) ** 2).mean()
H64 = 2 / (5 * 2) * XT64.T @ XT64
LAMBDA, V = np.linalg.eigh(H64)


@pytest.fixture(scope="module")
def chapter():
    yield run_snippet("exact_answer")
    plt.close("all")


def test_design_matrix(chapter):
    ns, out = chapter
    xt = ns["x_tilde"].cpu()
    assert xt.shape == (5, 4)
    assert torch.equal(xt[:, :3], torch.from_numpy(inputs)) and (xt[:, 3] == 1).all()
    assert "x_tilde: (5, 4)" in out


def test_least_squares_matches_numpy(chapter):
    ns, out = chapter
    w, b = ns["w_star"].cpu(), ns["b_star"].cpu()
    assert w.shape == (2, 3) and b.shape == (2,) and w.dtype == torch.float32
    assert np.allclose(w.numpy(), THETA[:3].T, atol=1e-6)
    assert np.allclose(b.numpy(), THETA[3], atol=1e-6)
    assert ns["floor"] == pytest.approx(FLOOR, rel=1e-5)
    assert f"lowest loss a linear model can reach: {FLOOR:.2f}" in out


def test_gradient_vanishes_at_the_solution():
    x, y = torch.from_numpy(X64), torch.from_numpy(Y64)
    w, b = least_squares(x, y)  # float64 in, float64 out
    assert w.dtype == torch.float64
    w.requires_grad_()
    b.requires_grad_()
    mse(model(x, w, b), y).backward()
    assert w.grad.abs().max() < 1e-9 and b.grad.abs().max() < 1e-9


def test_no_nearby_weights_do_better():
    x, y = torch.from_numpy(X64), torch.from_numpy(Y64)
    w, b = least_squares(x, y)
    gen = torch.Generator().manual_seed(0)
    for scale in (1e-4, 1e-2, 1.0):
        for _ in range(50):
            dw = scale * torch.randn(w.shape, generator=gen, dtype=torch.float64)
            db = scale * torch.randn(b.shape, generator=gen, dtype=torch.float64)
            assert mse(model(x, w + dw, b + db), y).item() >= FLOOR - 1e-12


def test_normal_equations(chapter):
    ns, out = chapter
    inverse_formula = np.linalg.inv(XT64.T @ XT64) @ XT64.T @ Y64
    assert np.allclose(ns["theta_normal"].numpy(), inverse_formula, atol=1e-8)
    assert np.allclose(ns["theta_lstsq"].numpy(), THETA, atol=1e-8)
    assert ns["cond_x"] == pytest.approx(np.linalg.cond(XT64), rel=1e-6)
    assert ns["cond_xx"] == pytest.approx(np.linalg.cond(XT64) ** 2, rel=1e-3)
    assert "normal equations agree with lstsq: True" in out
    # the page's rule of thumb: about 6 digits lost of float32's 7, so about one kept
    assert round(math.log10(ns["cond_xx"])) == 6
    assert ns["cond_xx"] * np.finfo(np.float32).eps > 0.1


def test_gap_after_20_100_1000_epochs(chapter):
    ns, out = chapter
    gaps, distances = ns["gaps"], ns["distances"]
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    w, b = init_params(seed=0)
    done = 0
    for epochs in (20, 100, 1000):
        losses = train(x, y, w, b, lr=1e-5, epochs=epochs - done)
        if done == 0:
            assert ns["before_last"] == losses[-1]
        done = epochs
        after = mse(model(x, w, b), y).item()
        assert gaps[epochs] == pytest.approx(after - FLOOR, rel=1e-4)
        assert f"{epochs:>6}{after:9.2f}{after - FLOOR:9.2f}" in out
    assert gaps[20] > gaps[100] > gaps[1000] > 10
    # the page's point: the loss falls a lot while the bias hardly moves
    assert gaps[20] / gaps[1000] > 40
    assert abs(distances[1000][1] - distances[20][1]) < 0.05 and distances[1000][1] > 3
    # the page quotes the loss after chapters 7 and 9's 20 updates against this floor
    w, b = init_params(seed=0)
    train(x, y, w, b, lr=1e-5, epochs=20)
    assert gaps[20] + FLOOR == pytest.approx(mse(model(x, w, b), y).item(), rel=1e-6)


def test_hessian_is_the_second_derivative():
    """The formula 2/(N·m)·X̃ᵀX̃ against autograd's Hessian of the loss, for output 0."""
    x, y = torch.from_numpy(X64), torch.from_numpy(Y64)
    theta = torch.from_numpy(THETA)

    def loss_of_first_output(theta0):
        full = torch.stack([theta0, theta[:, 1]], dim=1)
        return mse(model(x, full[:3].T, full[3]), y)

    h = torch.autograd.functional.hessian(loss_of_first_output, theta[:, 0].clone())
    assert torch.allclose(loss_hessian(x, n_outputs=2), h, rtol=1e-10)


def test_eigenvalues_explain_the_slow_bias(chapter):
    ns, out = chapter
    lam = ns["eigenvalues"]
    assert np.allclose(lam.numpy(), LAMBDA, rtol=1e-9)
    assert 1e-3 < lam[0] < 1e-1 and 1e4 < lam[-1] < 1e5
    assert lam[-1] / lam[0] == pytest.approx(ns["cond_xx"], rel=1e-3)
    # eigenvectors as NumPy finds them, up to the sign the page fixes (bias entry positive)
    d = ns["directions"].numpy()
    assert np.allclose(d, V * np.sign(V[-1]), atol=1e-9)
    assert (d[-1] > 0).all()
    slow, steep = d[:, 0], d[:, -1]
    assert slow[3] > 0.99  # the flat direction is almost pure bias
    assert (steep[:3] > 0.4).all() and steep[3] < 0.01  # the steep one: all weights together
    # the weights of the flat direction nearly imitate the bias in every region
    imitated = X64 @ -slow[:3]
    assert (np.abs(imitated - 1) < 0.2).all()
    steps_flat = math.log(0.1) / math.log(1 - 1e-5 * lam[0].item())
    assert steps_flat > 1e7
    assert f"{steps_flat:15,.0f}" in out


def test_loss_above_the_floor_splits_by_direction(chapter):
    """L - L* = 1/2 Σ_k Σ_r λ_r c_kr², computed from the weights after 1000 epochs, equals the
    gap measured with the loss itself; nearly all of it is the second-flattest direction's."""
    ns, out = chapter
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    w, b = init_params(seed=0)
    train(x, y, w, b, lr=1e-5, epochs=1000)
    theta = np.vstack([w.detach().double().numpy().T, b.detach().double().numpy()])
    c = (V * np.sign(V[-1])).T @ (theta - THETA)
    shares = 0.5 * LAMBDA * (c ** 2).sum(axis=1)
    gap = ((XT64 @ theta - Y64) ** 2).mean() - FLOOR
    assert shares.sum() == pytest.approx(gap, rel=1e-6)
    assert np.allclose(ns["left"].numpy(), shares, rtol=1e-3, atol=1e-3)
    assert ns["left"].sum().item() == pytest.approx(ns["gaps"][1000], rel=1e-4)
    assert shares[1] > 0.99 * gap and shares[0] < 0.1
    assert f"together: {ns['gaps'][1000]:.2f}, the loss above the floor" in out


def test_each_direction_evolves_on_its_own(chapter):
    """The valley picture's dots: the run's errors along the eigenvectors follow
    c(t) = (1 - ηλ)^t c(0) exactly (to float32 rounding of the weights)."""
    ns, _ = chapter
    path = ns["path"].numpy()
    assert path.shape == (22, 4, 2)
    factors = (1 - 1e-5 * LAMBDA)[:, None]
    for t in range(21):
        assert np.allclose(path[t], factors ** t * path[0], rtol=1e-4, atol=1e-4)
    assert np.allclose(path[-1], factors ** 1000 * path[0], rtol=1e-3, atol=1e-3)
    # the picture's claims: onto the floor within twenty epochs, no sideways move by 1000
    assert (np.abs(path[20, -1]) < 0.05 * np.abs(path[0, -1])).all()
    assert np.abs(path[-1, 0] - path[0, 0]).max() < 1e-3
    assert (np.abs(path[0, 0]) > 1.5).all()


def test_valley_plot(chapter):
    ns, _ = chapter
    [ax] = [a for fig in ns["__figures__"] for a in fig.axes
            if a.get_xlabel() == "error along the flattest direction"]
    apples, oranges, star = ax.get_lines()[-3:]
    path = ns["path"].numpy()
    assert np.allclose(apples.get_xdata(), path[:, 0, 0])
    assert np.allclose(oranges.get_ydata(), path[:, -1, 1])
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (0, 0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "apples", "oranges", "least squares"]
    # the 0.01 contour reaches sqrt(0.02/λ1) along the floor, the distance the page quotes
    assert math.sqrt(0.02 / LAMBDA[0]) == pytest.approx(1.56, abs=0.01)


def test_learning_rate_limit_and_momentum_claims(chapter):
    """2/λmax against 1e-5; momentum 0.9 moves a flat direction up to 10× faster: the heavy-ball
    recurrence c' = c - ηλc + β(c - c_prev) on the flattest direction, run long, shrinks c by
    about 1 - 10ηλ per step."""
    lam_min, lam_max = LAMBDA[0], LAMBDA[-1]
    assert 2 / lam_max / 1e-5 == pytest.approx(11.17, abs=0.01)
    assert 1 - 2e-4 * lam_max < -1
    c_prev = c = 1.0
    lr, beta = 1e-5, 0.9
    steps = 200_000
    for _ in range(steps):
        c, c_prev = c - lr * lam_min * c + beta * (c - c_prev), c
    rate = -math.log(c) / steps
    assert rate == pytest.approx(10 * lr * lam_min, rel=0.02)


def test_celsius_column_is_caught():
    """Check yourself 4: temperature in °C is a combination of °F and the ones column."""
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    celsius = (x[:, :1] - 32) * 5 / 9
    with pytest.raises(ValueError, match="feature 0, feature 3, the bias"):
        least_squares(torch.cat([x, celsius], 1), y)


def test_plot(chapter):
    ns, _ = chapter
    ax = ns["ax"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["after 20 epochs", "after 1000 epochs", "least squares",
                      "prediction = target"]
    # the 20-epoch weights are those of a plain 20-epoch run
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    w, b = init_params(seed=0)
    train(x, y, w, b, lr=1e-5, epochs=20)
    assert torch.equal(ns["w20"].detach().cpu(), w.detach())
    points = [c.get_offsets() for c in ax.collections]
    assert [len(p) for p in points] == [10, 10, 10]
    least = np.asarray(points[2])
    assert np.allclose(least[:, 1], (XT64 @ THETA).ravel(), atol=1e-3)


def solver_errors():
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    constant = x.clone()
    constant[:, 2] = 50.0
    nan = x.clone()
    nan[1, 1] = float("nan")
    return [
        ("numpy input", (inputs, y), TypeError, "torch.from_numpy(x)"),
        ("integer tensor", (x.long(), y), TypeError, "x.float()"),
        ("1-D targets", (x, y[:, 0]), ValueError, ".unsqueeze(1)"),
        ("rows disagree", (x, y[:4]), ValueError, "x has 5 rows but y has 4"),
        ("NaN", (nan, y), ValueError, "NaN"),
        ("too few samples", (x[:3], y[:3]), ValueError, "collect at least 4 samples"),
        ("constant feature", (constant, y), ValueError, "feature 2, the bias"),
        ("copied feature", (torch.cat([x, x[:, :1]], 1), y), ValueError, "feature 0, feature 3"),
        ("same quantity in inches", (torch.cat([x, x[:, 1:2] / 25.4], 1), y), ValueError,
         "feature 1, feature 3"),
    ]


@pytest.mark.parametrize("case", range(len(solver_errors())), ids=[c[0] for c in solver_errors()])
def test_solver_rejects_bad_input_clearly(case):
    _, args, error, words = solver_errors()[case]
    with pytest.raises(error) as raised:
        least_squares(*args)
    assert words in str(raised.value)


def test_solver_accepts_tensors_that_require_grad():
    w, b = init_params(seed=0)
    x = torch.from_numpy(inputs).requires_grad_()
    w_ls, b_ls = least_squares(x, model(x, w, b).detach())  # an exact linear target
    assert torch.allclose(w_ls, w.detach(), atol=1e-4)
    assert torch.allclose(b_ls, b.detach(), atol=1e-2)


def float32_stall_tolerance(lr, lam_min, theta_z, mean, std):
    """How far from the minimiser float32 gradient descent can come to rest, in original units.

    A float32 number `t` can only change by steps of its spacing, ulp(t); an update smaller
    than half of that rounds away. Along the flattest direction of the (scaled) problem the
    gradient is lam_min·e for an error e, so updates stall once lr·lam_min·|e| < ulp/2: the
    loop can come to rest with each entry up to ulp/(2·lr·lam_min) off, and with the 4 entries
    (3 weights, a bias) of one output at most sqrt(4) = 2 times that in norm:
    tol_z = ulp(max|θ_z|) / (lr·lam_min). Rounding inside the gradient itself is smaller (it is
    relative to the residuals, not to the parameters) and is covered by the same bound.
    Back in original units, w = w_z/σ and b = b_z - Σ_j w_z,j μ_j/σ_j, so an error tol_z in
    every entry becomes tol_z / min σ in w and tol_z·(1 + Σ |μ/σ|) in b."""
    ulp = np.spacing(np.float32(np.abs(theta_z).max()))
    tol_z = float(ulp) / (lr * lam_min)
    return tol_z / float(std.min()), tol_z * (1 + float((mean.abs() / std).sum()))


def test_long_training_on_standardised_inputs_reaches_lstsq_weights():
    """On raw inputs plain gradient descent at lr 1e-5 would need ~1e7 epochs per tenfold along
    the flat bias direction (see the chapter). On standardised inputs (chapter 11) the Hessian's
    eigenvalues lie within a factor ~7, so the same 1000 epochs, at lr 0.1, shrink the error by
    (1 - 0.1·λmin)^1000 ≈ e^-29: mathematically converged. What remains is float32 rounding,
    bounded by float32_stall_tolerance (≈ 2e-5 on w, 4e-3 on b here); the test checks the
    weights, mapped back to original units, against NumPy's least squares within it."""
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    z, mean, std = standardise(x)
    lr, epochs = 0.1, 1000
    lam_z = torch.linalg.eigvalsh(loss_hessian(z, n_outputs=2))
    assert lam_z[-1] / lam_z[0] < 10
    w_z, b_z = init_params(seed=0)
    # the minimiser in scaled units: w_z = w·σ, b_z = b + w·μ (the inverse of to_original_units)
    theta_z_star = np.vstack([THETA[:3] * std.numpy()[:, None],
                              THETA[3] + mean.numpy() @ THETA[:3]])
    e0 = float(np.linalg.norm(theta_z_star)) + 10  # init_params draws entries of size ~1
    tol_w, tol_b = float32_stall_tolerance(lr, lam_z[0].item(), theta_z_star, mean, std)
    assert (1 - lr * lam_z[0].item()) ** epochs * e0 < tol_w / 100  # the math is done

    train(z, y, w_z, b_z, lr=lr, epochs=epochs)
    w, b = to_original_units(w_z.detach(), b_z.detach(), mean, std)
    assert np.abs(w.numpy() - THETA[:3].T).max() < tol_w
    assert np.abs(b.numpy() - THETA[3]).max() < tol_b
    assert tol_w < 1e-4 and tol_b < 1e-2  # a tolerance that still means something

    # and the test can fail: the chapter's raw-input run, as long, is nowhere near
    w_raw, b_raw = init_params(seed=0)
    train(x, y, w_raw, b_raw, lr=1e-5, epochs=epochs)
    assert np.abs(b_raw.detach().numpy() - THETA[3]).max() > 100 * tol_b


def test_exercises():
    ns, out = run_snippet("exact_answer_exercises")
    moves = ns["moves"]
    eps = 2.0**-24
    kappa = np.linalg.cond(XT64)
    # first-order worst cases: κ² ε for the normal equations; ε (κ + κ² tan θ) for least
    # squares on X̃, with tan θ = |residual| / |fit| (Golub & Van Loan, Theorem 5.3.1)
    tan = np.linalg.norm(XT64 @ THETA - Y64) / np.linalg.norm(XT64 @ THETA)
    assert moves["lstsq"] < 0.1 * eps * (kappa + kappa**2 * tan)
    assert moves["normal equations"] < 0.1 * kappa**2 * eps
    assert moves["normal equations"] > 10 * moves["lstsq"]
    assert ns["lowest"][5] == pytest.approx(FLOOR, rel=1e-9)
    assert ns["lowest"][4] < 1e-20
    assert "4 regions: lowest loss 0.00" in out
    assert torch.allclose(ns["b_from_means"], ns["b"], atol=1e-9)
    assert "mean residual is zero: True" in out


def test_page_prose_quotes_this_run(site, chapter):
    """The numbers the prose quotes, as a reader sees them, against independent computations
    (placeholders are evaluated after the exercises ran, so a reused name would show here)."""
    from pages import article

    ns, _ = chapter
    text = " ".join(article((site / "10-exact-answer" / "index.html").read_text()).get_text().split())
    x, y = torch.from_numpy(inputs), torch.from_numpy(targets)
    w, b = init_params(seed=0)
    train(x, y, w, b, lr=1e-5, epochs=1000)
    after = mse(model(x, w, b), y).item()
    assert f"No choice of weights and bias does better than {FLOOR:.2f}" in text
    assert f"Nearly all of the {after - FLOOR:.2f} sits in the second-flattest direction" in text
    assert f"span {LAMBDA[0]:.1e} to {LAMBDA[-1]:.1e}" in text
    assert f"= {2 / LAMBDA[-1]:.2g}, {2 / LAMBDA[-1] / 1e-5:.1f} times" in text
    assert f"{math.sqrt(0.02 / LAMBDA[0]):.1f} away from the minimum along the floor" in text
    assert f"condition number: {np.linalg.cond(XT64):.2g} becomes {np.linalg.cond(XT64) ** 2:.2g}" \
        in text


def test_snippets_print_what_the_page_shows(site, chapter):
    """`python snippets/exact_answer.py`, then its exercises, print the page's outputs in order."""
    assert_prints_the_page(site, "exact_answer", chapter[1], run_snippet("exact_answer_exercises")[1])
