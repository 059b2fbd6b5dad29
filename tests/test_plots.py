"""minigan.plots: the numbers behind the pictures (KDE, D on a grid, frame schedule, smoothing)
checked against their definitions; figures and GIFs checked as files."""
import numpy as np
import pytest
from PIL import Image

from minigan.gan import History
from minigan.models import toy_discriminator
from minigan.nn.activations import sigmoid
from minigan.plots import (FrameRecorder, discriminator_outputs, discriminator_probability, frame_steps, gaussian_kde,
                           grid_points, new_figure, noise_quantiles, plot_1d_frame, plot_2d_frame, plot_averaging,
                           save_figure, training_curves, write_gif)
from minigan.plots.common import moving_average
from minigan.plots.images import save_image_grid, save_image_strip

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_kde_integrates_to_one_and_matches_a_normal():
    samples = np.random.default_rng(0).normal(2.0, 0.5, 20_000)
    xs = np.linspace(-1, 5, 601)
    density = gaussian_kde(samples, xs)
    assert np.trapezoid(density, xs) == pytest.approx(1.0, abs=1e-3)
    normal = np.exp(-0.5 * ((xs - 2) / 0.5) ** 2) / (0.5 * np.sqrt(2 * np.pi))
    assert np.abs(density - normal).max() < 0.05 * normal.max()


def test_kde_of_one_point_with_given_bandwidth_is_that_gaussian():
    xs = np.array([0.0, 0.3, 1.0])
    expected = np.exp(-0.5 * ((xs - 0.3) / 0.2) ** 2) / (0.2 * np.sqrt(2 * np.pi))
    np.testing.assert_allclose(gaussian_kde([0.3], xs, bandwidth=0.2), expected)


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(moving_average([5, 7], 1), [5, 7])


def test_frame_steps_spread_and_end_at_total():
    assert frame_steps(100, 4) == [25, 50, 75, 100]
    assert frame_steps(3, 10) == [1, 2, 3]
    assert frame_steps(0, 5) == []


def test_grid_points_rows_are_y_columns_are_x():
    grid = grid_points((-1, 1), 3)
    assert grid.shape == (9, 2)
    np.testing.assert_allclose(grid[:3], [[-1, -1], [0, -1], [1, -1]])
    np.testing.assert_allclose(grid.reshape(3, 3, 2)[:, 0, 1], [-1, 0, 1])


def test_discriminator_probability_is_sigmoid_of_the_logit_in_any_chunking():
    D = toy_discriminator(2, hidden=8, depth=2, rng=0)
    points = np.random.default_rng(1).standard_normal((50, 2)).astype(np.float32)
    expected = sigmoid(D.forward(points)[:, 0].astype(np.float64))
    for chunk in (7, 50, 1000):
        np.testing.assert_allclose(discriminator_probability(D, points, chunk=chunk), expected, rtol=1e-6)


def test_a_critic_is_shown_as_its_raw_output_scaled_to_the_unit_interval():
    D = toy_discriminator(2, hidden=8, depth=2, rng=0)
    points = 5 * np.random.default_rng(1).standard_normal((50, 2)).astype(np.float32)
    raw = D.forward(points)[:, 0].astype(np.float64)
    shown = discriminator_probability(D, points, chunk=7, critic=True)
    np.testing.assert_allclose(shown, (raw - raw.min()) / (raw.max() - raw.min()), rtol=1e-5, atol=1e-6)
    assert shown.min() == 0 and shown.max() == 1
    # float32, chunks of 7 rows against one product of 50: BLAS may round the two differently
    np.testing.assert_allclose(discriminator_outputs(D, points, chunk=7), raw, rtol=1e-5, atol=1e-6)


def test_a_critic_frame_is_labelled_so_without_the_undecided_line():
    xs = np.linspace(-1, 3, 50)
    for critic in (False, True):
        fig, ax = new_figure()
        plot_1d_frame(ax, xs, np.exp(-xs ** 2), np.random.default_rng(0).normal(1, 0.5, 200), np.linspace(0, 1, 50),
                      critic=critic)
        labels = [line.get_label() for line in ax.get_lines()]
        assert any(("critic" in label) == critic and "D(x)" in label for label in labels)
        assert any(np.allclose(line.get_ydata(), 0.5) for line in ax.get_lines()) != critic


def test_minibatch_discriminator_is_judged_in_the_company_of_the_context():
    D = toy_discriminator(2, hidden=8, depth=1, minibatch=(3, 2), rng=0)
    point = np.array([[0.3, 0.3]], np.float32)
    context = np.random.default_rng(2).standard_normal((20, 2)).astype(np.float32)
    expected = sigmoid(D.forward(np.concatenate([point, context]))[0, 0].astype(np.float64))
    assert discriminator_probability(D, point, context=context)[0] == pytest.approx(expected, rel=1e-6)
    copies = np.repeat(point, 20, axis=0)
    assert discriminator_probability(D, point, context=copies)[0] != pytest.approx(expected, rel=1e-3)


def test_packed_discriminator_judges_each_point_beside_the_context():
    D = toy_discriminator(2, hidden=8, depth=1, pack=3, rng=0)
    points = np.random.default_rng(3).standard_normal((5, 2)).astype(np.float32)
    context = np.random.default_rng(4).standard_normal((10, 2)).astype(np.float32)
    got = discriminator_probability(D, points, context=context)
    for i, point in enumerate(points):
        logit = D.forward(np.concatenate([point[None], context[:2]]))[0, 0]
        assert got[i] == pytest.approx(sigmoid(np.float64(logit)), rel=1e-6)
    alone = discriminator_probability(D, points)
    logit = D.forward(np.repeat(points[1:2], 3, axis=0))[0, 0]
    assert alone[1] == pytest.approx(sigmoid(np.float64(logit)), rel=1e-6)


def test_noise_quantiles_are_symmetric_equal_probability_steps():
    z = noise_quantiles(4)
    np.testing.assert_allclose(z, -z[::-1])
    assert z[2] == pytest.approx(0.3186393639643752)       # the 62.5% quantile of N(0, 1)


def is_png(path):
    return path.exists() and path.read_bytes()[:8] == PNG_MAGIC


def test_training_curves_png(tmp_path):
    history = History([{"step": i, "d_loss": 1.0, "g_loss": 0.7, "d_real": 0.6, "d_fake": 0.4} for i in range(1, 51)])
    path = training_curves(history, tmp_path / "curves.png", title="t")
    assert is_png(path)
    assert Image.open(path).size[0] > Image.open(path).size[1]


def test_wasserstein_curves_read_the_critics_estimate(tmp_path):
    records = [{"step": i, "d_loss": -1.0, "g_loss": 0.5, "d_real": 0.6, "d_fake": 0.4} for i in range(1, 21)]
    assert is_png(training_curves(History(records), tmp_path / "a.png"))
    with pytest.raises(KeyError, match="wasserstein_estimate"):
        training_curves(History(records), tmp_path / "b.png", wasserstein=True)
    records = [{**r, "wasserstein_estimate": 2.0 / r["step"]} for r in records]
    assert is_png(training_curves(History(records), tmp_path / "c.png", wasserstein=True))


def test_1d_and_2d_frames_and_averaging_figure(tmp_path):
    xs = np.linspace(-1, 3, 50)
    density = np.exp(-xs ** 2)
    fig, ax = new_figure()
    plot_1d_frame(ax, xs, density, np.random.default_rng(0).normal(1, 0.5, 200), np.full(50, 0.5),
                  z=noise_quantiles(5), gz=np.linspace(0, 2, 5), title="1-D")
    assert len(ax.patches) + len(ax.texts) >= 5                       # arrows z -> x were drawn
    assert is_png(save_figure(fig, tmp_path / "one.png"))
    fig, ax = new_figure()
    plot_2d_frame(ax, np.zeros((10, 2)), np.full((4, 4), 0.5), (-2, 2), real=np.ones((5, 2)), modes=np.ones((2, 2)))
    assert ax.get_xlim() == (-2, 2)
    assert is_png(save_figure(fig, tmp_path / "two.png"))
    fig, axes = new_figure(ncols=2)
    data = np.random.default_rng(1).standard_normal((30, 2))
    plot_averaging(axes, data, np.linspace(-1, 1, 5), np.zeros((5, 1)), data, "left", "right")
    assert is_png(save_figure(fig, tmp_path / "avg.png"))


def test_frame_recorder_and_gif(tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "step_999999.png").write_bytes(b"stale")

    def draw(step):
        fig, ax = new_figure(2, 2)
        ax.plot([0, step], [0, 1])
        return fig

    frames = FrameRecorder(tmp_path / "frames", [2, 4], draw, dpi=40)
    assert not (tmp_path / "frames" / "step_999999.png").exists()
    frames.capture(0)

    class Stub:
        step = 0
    for step in range(1, 6):
        Stub.step = step
        frames(Stub, {})
    assert [p.name for p in frames.paths] == ["step_000000.png", "step_000002.png", "step_000004.png"]
    gif = write_gif(frames.paths, tmp_path / "anim.gif", seconds_per_frame=0.1, hold_last=1.0)
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 3
        image.seek(2)
        assert image.info["duration"] == 1000
    with pytest.raises(ValueError):
        write_gif([], tmp_path / "none.gif")


def test_a_labelled_grid_makes_room_for_its_longest_row_label(tmp_path):
    """Long row labels must neither be cut off nor squeeze the images: the picture grows wider
    with the label and keeps its height."""
    images = np.zeros((20, 28, 28))
    sizes = [Image.open(save_image_grid(images, tmp_path / f"{n}.png", 10, row_labels=["x" * n, "y"])).size
             for n in (2, 30, 60)]
    (w2, h2), (w30, h30), (w60, h60) = sizes
    assert w2 < w30 < w60 and h2 == h30 == h60


def test_an_image_strip_puts_saved_pictures_side_by_side(tmp_path):
    grid = save_image_grid(np.zeros((16, 28, 28)), tmp_path / "grid.png", ncols=4)
    sizes = {n: Image.open(save_image_strip([grid] * n, tmp_path / f"strip{n}.png",
                                            titles=[f"phase {i}\nFD 1.0" for i in range(n)])).size for n in (1, 3)}
    assert abs(sizes[3][0] / sizes[1][0] - 3) < 0.1 and sizes[3][1] == sizes[1][1]   # panels in one row
    assert sizes[1][1] > sizes[1][0]                                           # titles above the square panel



def test_training_curves_draw_gs_gradient_norm_when_recorded(tmp_path):
    """A third panel, on a log scale, for "g_grad_norm"; records without it (a run resumed from an
    older checkpoint) are left out of that panel, and an all-zero norm (a saturated D) stays linear."""
    base = [{"step": i, "d_loss": 1.0, "g_loss": 0.7, "d_real": 0.6, "d_fake": 0.4} for i in range(1, 41)]
    two = Image.open(training_curves(History(base), tmp_path / "two.png")).size
    records = base[:10] + [{**r, "g_grad_norm": 1.0 / r["step"]} for r in base[10:]]
    three = Image.open(training_curves(History(records), tmp_path / "three.png")).size
    assert three[0] > 1.3 * two[0] and three[1] == two[1]
    fig, ax = new_figure()
    from minigan.plots.common import plot_generator_gradient_norm
    plot_generator_gradient_norm(ax, History(records))
    assert ax.get_yscale() == "log" and len(ax.get_lines()[0].get_xdata()) == 30
    fig, ax = new_figure()
    plot_generator_gradient_norm(ax, History([{**r, "g_grad_norm": 0.0} for r in base]))
    assert ax.get_yscale() == "linear"


def test_a_1d_frame_draws_the_optimal_discriminator_beside_d():
    xs = np.linspace(-1, 3, 50)
    d_star = np.linspace(1, 0, 50)
    for given in (None, d_star):
        fig, ax = new_figure()
        plot_1d_frame(ax, xs, np.exp(-xs ** 2), np.random.default_rng(0).normal(1, 0.5, 200), np.full(50, 0.5),
                      d_star=given)
        optimal = [line for line in ax.get_lines() if "optimal" in line.get_label()]
        assert len(optimal) == (given is not None)
        if optimal:
            np.testing.assert_array_equal(optimal[0].get_ydata(), d_star)


def test_a_2d_frame_draws_push_arrows_scaled_together_and_the_warped_sheet():
    from matplotlib.quiver import Quiver
    from minigan.plots.toy import ARROW_SPAN
    points = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
    push = np.array([[2.0, 0.0], [0.0, -1.0], [0.5, 0.5]])
    sheet = np.random.default_rng(0).standard_normal((5, 7, 2))
    fig, ax = new_figure()
    plot_2d_frame(ax, points, np.full((4, 4), 0.5), (-2, 2), arrows=(points, push), sheet=sheet)
    quiver = [c for c in ax.collections if isinstance(c, Quiver)][0]
    np.testing.assert_allclose(quiver.get_offsets(), points)
    lengths = np.hypot(quiver.U, quiver.V)
    assert lengths.max() == pytest.approx(ARROW_SPAN * 4)                  # the frame is 4 wide
    np.testing.assert_allclose(lengths / lengths.max(), np.hypot(*push.T) / 2)   # relative sizes kept
    np.testing.assert_allclose(quiver.U / lengths, push[:, 0] / np.hypot(*push.T))
    assert len(ax.get_lines()) == 5 + 7                                      # the sheet's rows and columns


def test_shares_are_stacked_bands_and_the_jsd_bound_comes_from_ds_loss():
    import math
    from minigan.plots.lessons import plot_optimal_discriminator_gap, plot_shares
    fig, ax = new_figure()
    shares = np.array([[1.0, 0.0, 0.0], [0.2, 0.5, 0.3], [0.0, 0.0, 1.0]])
    plot_shares(ax, [10, 20, 30], shares, ["a", "b", "c"])
    assert len(ax.collections) == 3 and ax.get_ylim() == (0, 1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    records = [{"step": s, "d_loss": math.log(4) - 0.2, "penalty": 0.0} for s in range(1, 11)]
    records[4].update(jsd=0.3, d_star_gap=0.1)
    fig, axes = new_figure(ncols=2)
    plot_optimal_discriminator_gap(axes, History(records))
    bound = [line for line in axes[0].get_lines() if "lower bound" in line.get_label()][0]
    np.testing.assert_allclose(bound.get_ydata(), 0.1)                  # (log 4 - D's loss) / 2
    np.testing.assert_allclose(axes[1].get_lines()[0].get_ydata(), [0.1])
