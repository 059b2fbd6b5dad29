import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan.backend import device_of, to_device, to_numpy
from minigan.gradcheck import check_function
from minigan.losses import LOSSES, get_loss, softplus
from tests.fake_device import fake_cuda
from tests.strategies import normal, seeds

SMOOTH = ["minimax", "non-saturating", "least-squares", "wasserstein"]


def logits(seed, n, scale):
    x = normal(seed, (n, 1), scale)
    return np.where(np.abs(np.abs(x) - 1) < 0.05, x + 0.1, x)     # keep hinge's kinks at +-1 out of reach


@given(st.sampled_from(sorted(LOSSES)), seeds, st.integers(1, 6), st.integers(1, 6), st.sampled_from([0.5, 3.0]))
def test_discriminator_loss_gradients(name, seed, n_real, n_fake, scale):
    loss = get_loss(name)
    real, fake = logits(seed, n_real, scale), logits(seed + 1, n_fake, scale)
    value, (dreal, dfake) = loss.discriminator(real, fake)
    report = check_function(lambda r, f: loss.discriminator(r, f)[0], lambda d: (d * dreal, d * dfake), (real, fake))
    assert report.ok, str(report)


@given(st.sampled_from(sorted(LOSSES)), seeds, st.integers(1, 6), st.sampled_from([0.5, 3.0]))
def test_generator_loss_gradients(name, seed, n, scale):
    loss = get_loss(name)
    fake = logits(seed, n, scale)
    _, dfake = loss.generator(fake)
    report = check_function(lambda f: loss.generator(f)[0], lambda d: d * dfake, fake)
    assert report.ok, str(report)


@pytest.mark.parametrize("name", ["minimax", "non-saturating"])
def test_cross_entropy_losses_are_finite_and_exact_for_huge_logits(name):
    loss = get_loss(name)
    real = np.array([[-1000.0], [1000.0]])
    fake = np.array([[1000.0], [-1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, (dreal, dfake) = loss.discriminator(real, fake)
    # softplus(1000) = 1000 exactly in float64, softplus(-1000) = 0: mean of (1000 + 0) twice.
    assert value == pytest.approx(1000.0)
    np.testing.assert_allclose(dreal.ravel(), [-0.5, 0.0])
    np.testing.assert_allclose(dfake.ravel(), [0.5, 0.0])


def test_non_saturating_generator_does_not_saturate_where_minimax_does():
    fake = np.array([[-10.0]])            # D confidently rejects the fake
    _, d_minimax = get_loss("minimax").generator(fake)
    _, d_ns = get_loss("non-saturating").generator(fake)
    assert abs(d_minimax[0, 0]) < 1e-4 and abs(d_ns[0, 0]) > 0.99


def test_loss_values_follow_their_definitions(rng):
    r, f = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
    sig = lambda x: 1 / (1 + np.exp(-x))   # noqa: E731
    bce = -np.log(sig(r)).mean() - np.log(1 - sig(f)).mean()
    assert get_loss("minimax").discriminator(r, f)[0] == pytest.approx(bce)
    assert get_loss("minimax").generator(f)[0] == pytest.approx(np.log(1 - sig(f)).mean())
    assert get_loss("non-saturating").generator(f)[0] == pytest.approx(-np.log(sig(f)).mean())
    assert get_loss("least-squares").discriminator(r, f)[0] == pytest.approx(
        0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean())
    assert get_loss("hinge").discriminator(r, f)[0] == pytest.approx(
        np.maximum(0, 1 - r).mean() + np.maximum(0, 1 + f).mean())
    assert get_loss("wasserstein").discriminator(r, f)[0] == pytest.approx(f.mean() - r.mean())


def test_one_sided_label_smoothing_moves_only_the_real_target(rng):
    r, f = rng.standard_normal((5, 1)), rng.standard_normal((5, 1))
    _, (dr, df) = get_loss("non-saturating", real_label=0.9).discriminator(r, f)
    _, (dr1, df1) = get_loss("non-saturating").discriminator(r, f)
    np.testing.assert_allclose(dr - dr1, 0.1 / 5)
    np.testing.assert_array_equal(df, df1)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_in_float32_out(name, rng):
    r, f = rng.standard_normal((4, 1)).astype(np.float32), rng.standard_normal((4, 1)).astype(np.float32)
    loss = get_loss(name)
    _, (dr, df) = loss.discriminator(r, f)
    _, dg = loss.generator(f)
    assert dr.dtype == df.dtype == dg.dtype == np.float32


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="non-saturating"):
        get_loss("vanilla")


def test_softplus_matches_log1p_exp():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(softplus(x), np.log1p(np.exp(x)), rtol=1e-13)


@given(seeds, st.integers(1, 5), st.integers(2, 5))
def test_softmax_cross_entropy_gradient(seed, n, k):
    from minigan.losses import softmax_cross_entropy
    rng = np.random.default_rng(seed)
    logits, labels = rng.standard_normal((n, k)) * 3, rng.integers(0, k, n)
    value, dlogits = softmax_cross_entropy(logits, labels)
    expected = -np.mean(np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))[np.arange(n), labels])
    assert value == pytest.approx(expected, rel=1e-10)
    assert check_function(lambda l: softmax_cross_entropy(l, labels)[0], lambda d: d * dlogits, logits).ok


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    from minigan.losses import softmax_cross_entropy
    value, d = softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert value == pytest.approx(500.0) and np.isfinite(d).all()


@pytest.mark.parametrize("name", ["minimax", "non-saturating", "least-squares"])
def test_a_numpy_scalar_real_label_keeps_float32(name, rng):
    r = rng.standard_normal((4, 1)).astype(np.float32)
    value, (dr, _) = get_loss(name, real_label=np.float64(1.0) - np.float64(0.1)).discriminator(r, r)
    assert dr.dtype == value.dtype == np.float32                 # a NumPy float64 scalar promotes, a float does not


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_stay_on_the_device(name, rng):
    r, f = rng.standard_normal((4, 1)).astype(np.float32), rng.standard_normal((4, 1)).astype(np.float32)
    loss = get_loss(name)
    with fake_cuda() as cupy:
        value, (dr, df) = loss.discriminator(to_device(r, "cuda"), to_device(f, "cuda"))
        g_value, dg = loss.generator(to_device(f, "cuda"))
        assert {device_of(a) for a in (value, dr, df, g_value, dg)} == {"cuda"}
        assert cupy.host_reads == 2                              # check_logits: one read per public call
        np.testing.assert_allclose(to_numpy(dr), loss.discriminator(r, f)[1][0], rtol=1e-6)


def test_softmax_cross_entropy_takes_host_labels_for_device_logits(rng):
    from minigan.losses import softmax_cross_entropy
    logits, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    with fake_cuda():
        value, d = softmax_cross_entropy(to_device(logits, "cuda"), labels)
        assert device_of(d) == "cuda"
        expected = softmax_cross_entropy(logits, labels)
        assert float(value) == pytest.approx(float(expected[0]))
        np.testing.assert_allclose(to_numpy(d), expected[1])
