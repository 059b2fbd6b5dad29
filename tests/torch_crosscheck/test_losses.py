"""minigan.losses against the same losses written with torch.nn.functional, differentiated by
autograd in float64: values and logit gradients agree to relative error < 1e-10
(``rel_error`` in tests/torch_helpers.py), logits up to |l| = 50 included.

Both sides compute differences of nearly equal numbers, so errors are measured against the
terms' size, not only the result's (the ``floor`` of rel_error): a value is a mean of terms
as large as |l| (softplus(l) - l, l_f - l_r), floor mean|l_r| + mean|l_f|; a gradient element
is (sigmoid(l) - target) / n, tiny for a confident logit but rounded at the size of 1 / n,
floor 1 / n. Rounding of the terms is then no disagreement; anything larger still is."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import losses
from tests.strategies import seeds

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from tests.torch_helpers import assert_close, rel_error  # noqa: E402

pytestmark = pytest.mark.torch


def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def mse(logits, target):
    return 0.5 * F.mse_loss(logits, torch.full_like(logits, target))


# name -> (minigan loss, torch D's real term (logits, real_label), D's fake term, G's loss)
TORCH_LOSSES = {
    "minimax": (losses.Minimax, bce, lambda f: bce(f, 0.0), lambda f: -bce(f, 0.0)),
    "non-saturating": (losses.NonSaturating, bce, lambda f: bce(f, 0.0), lambda f: bce(f, 1.0)),
    "least-squares": (losses.LeastSquares, mse, lambda f: mse(f, 0.0), lambda f: mse(f, 1.0)),
    "hinge": (losses.Hinge, lambda r, t: F.relu(1 - r).mean(), lambda f: F.relu(1 + f).mean(),
              lambda f: -f.mean()),
    "wasserstein": (losses.Wasserstein, lambda r, t: -r.mean(), lambda f: f.mean(), lambda f: -f.mean()),
}
SMOOTHED = {"minimax", "non-saturating", "least-squares"}      # take real_label


def logits(rng, n, scale, kink):
    """n logits in [-scale, scale] (uniform, so |l| reaches scale), none within 0.05 of the hinge kink."""
    l = rng.uniform(-scale, scale, (n, 1))
    return np.where(np.abs(l - kink) < 0.05, l + 0.1, l)


def value_floor(*arrays):
    return sum(float(np.abs(a).mean()) for a in arrays)


def torch_value_and_grads(loss, *arrays):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    value = loss(*tensors)
    value.backward()
    return value, [t.grad for t in tensors]


def test_every_minigan_loss_is_checked():
    assert set(TORCH_LOSSES) == set(losses.LOSSES)


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
@given(seed=seeds, n_real=st.integers(1, 8), n_fake=st.integers(1, 8), scale=st.sampled_from([1.0, 5.0, 50.0]),
       real_label=st.sampled_from([1.0, 0.9]))
def test_discriminator_loss(name, seed, n_real, n_fake, scale, real_label):
    ours, torch_real, torch_fake, _ = TORCH_LOSSES[name]
    loss = ours(real_label=real_label) if name in SMOOTHED else ours()
    if name not in SMOOTHED:
        real_label = 1.0
    rng = np.random.default_rng(seed)
    real, fake = logits(rng, n_real, scale, kink=1.0), logits(rng, n_fake, scale, kink=-1.0)
    value, (dreal, dfake) = loss.discriminator(real, fake)
    t_value, (t_dreal, t_dfake) = torch_value_and_grads(lambda r, f: torch_real(r, real_label) + torch_fake(f),
                                                        real, fake)
    assert np.ndim(value) == 0 and dreal.shape == real.shape and dfake.shape == fake.shape
    real_value, _ = loss.discriminator_real(real)        # the halves a trainer calls one pass at a time
    fake_value, _ = loss.discriminator_fake(fake)
    assert_close({"value": rel_error(value, t_value, value_floor(real, fake)),
                  "dreal": rel_error(dreal, t_dreal, 1 / n_real), "dfake": rel_error(dfake, t_dfake, 1 / n_fake),
                  "real value": rel_error(real_value, torch_real(torch.from_numpy(real), real_label),
                                          value_floor(real)),
                  "fake value": rel_error(fake_value, torch_fake(torch.from_numpy(fake)), value_floor(fake))})


@pytest.mark.parametrize("name", sorted(TORCH_LOSSES))
@given(seed=seeds, n_fake=st.integers(1, 8), scale=st.sampled_from([1.0, 5.0, 50.0]))
def test_generator_loss(name, seed, n_fake, scale):
    ours, _, _, torch_g = TORCH_LOSSES[name]
    fake = logits(np.random.default_rng(seed), n_fake, scale, kink=-1.0)
    value, dfake = ours().generator(fake)
    t_value, (t_dfake,) = torch_value_and_grads(torch_g, fake)
    assert np.ndim(value) == 0 and dfake.shape == fake.shape
    assert_close({"value": rel_error(value, t_value, value_floor(fake)),
                  "dfake": rel_error(dfake, t_dfake, 1 / n_fake)})


@pytest.mark.parametrize("name", ["minimax", "non-saturating"])
def test_cross_entropy_is_finite_and_exact_at_extreme_logits(name):
    """|l| = 50 (and 700, where exp overflows) on both sides: finite, and equal to torch's."""
    ours, torch_real, torch_fake, torch_g = TORCH_LOSSES[name]
    extreme = np.array([[-700.0], [-50.0], [50.0], [700.0]])
    value, (dreal, dfake) = ours().discriminator(extreme, extreme)
    t_value, (t_dreal, t_dfake) = torch_value_and_grads(lambda r, f: torch_real(r, 1.0) + torch_fake(f),
                                                        extreme, extreme)
    g_value, g_dfake = ours().generator(extreme)
    tg_value, (tg_dfake,) = torch_value_and_grads(torch_g, extreme)
    for a in (value, dreal, dfake, g_value, g_dfake):
        assert np.all(np.isfinite(a))
    floor = value_floor(extreme)
    assert_close({"value": rel_error(value, t_value, 2 * floor), "dreal": rel_error(dreal, t_dreal),
                  "dfake": rel_error(dfake, t_dfake), "g value": rel_error(g_value, tg_value, floor),
                  "g dfake": rel_error(g_dfake, tg_dfake)})


@pytest.mark.parametrize("l", [15.0, 25.0, 36.0])
def test_confident_real_cross_entropy_keeps_relative_precision(l):
    """-log sigmoid(l) = softplus(-l) is tiny but exact for l >> 0; torch's softplus(-l) is accurate there."""
    confident = np.array([[l]])
    exact = F.softplus(torch.tensor(-l, dtype=torch.float64))
    g_value, _ = losses.NonSaturating().generator(confident)
    d_value, _ = losses.NonSaturating().discriminator_real(confident)
    assert_close({"generator": rel_error(g_value, exact), "discriminator real": rel_error(d_value, exact)})
