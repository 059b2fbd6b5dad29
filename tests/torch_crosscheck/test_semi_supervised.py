"""minigan.semi_supervised_losses against the K+1-class discriminator written the long way in
PyTorch: K+1 logits with the fake one 0, log_softmax over all K+1, autograd in float64.

    labelled:    cross_entropy over the K real classes          (-log p(y | x, real))
    unlabelled:  -logsumexp_k log p(k | x) over the K real ones (-log p(real | x))
    fake:        -log p(fake | x)

Values and logit gradients agree to relative error < 1e-10 (rel_error in tests/torch_helpers.py),
logits up to |l| = 50 included. A value is a mean of terms as large as |l|, so its floor is
mean |l| + 1; a gradient element is rounded at the size of 1 / N, its floor."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import semi_supervised_losses as ssl
from tests.strategies import seeds

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from tests.torch_helpers import assert_close, rel_error  # noqa: E402

pytestmark = pytest.mark.torch


def k_plus_one_log_probs(logits):
    return F.log_softmax(torch.cat([logits, torch.zeros(len(logits), 1, dtype=logits.dtype)], dim=1), dim=1)


TORCH_TERMS = {
    "labelled": lambda l, y: F.cross_entropy(l, y),
    "unlabelled": lambda l, y: -torch.logsumexp(k_plus_one_log_probs(l)[:, :-1], dim=1).mean(),
    "fake": lambda l, y: -k_plus_one_log_probs(l)[:, -1].mean(),
}
OURS = {"labelled": ssl.labelled_term, "unlabelled": lambda l, y: ssl.unlabelled_term(l),
        "fake": lambda l, y: ssl.fake_term(l)}


def torch_value_and_grad(term, logits, labels):
    t = torch.tensor(logits, requires_grad=True)
    value = term(t, torch.from_numpy(labels))
    value.backward()
    return value, t.grad


def compare(name, logits, labels):
    value, dlogits = OURS[name](logits, labels)
    t_value, t_grad = torch_value_and_grad(TORCH_TERMS[name], logits, labels)
    assert np.ndim(value) == 0 and dlogits.shape == logits.shape
    return {"value": rel_error(value, t_value, float(np.abs(logits).mean()) + 1),
            "dlogits": rel_error(dlogits, t_grad, 1 / len(logits))}


@pytest.mark.parametrize("name", sorted(TORCH_TERMS))
@given(seed=seeds, n=st.integers(1, 8), k=st.integers(2, 10), scale=st.sampled_from([1.0, 5.0, 50.0]))
def test_each_term_equals_the_k_plus_one_classifier(name, seed, n, k, scale):
    rng = np.random.default_rng(seed)
    logits, labels = rng.uniform(-scale, scale, (n, k)), rng.integers(0, k, n)
    assert_close(compare(name, logits, labels))


@given(seed=seeds, n=st.integers(1, 6), k=st.integers(2, 10), weight=st.sampled_from([0.5, 1.0]))
def test_whole_discriminator_loss(seed, n, k, weight):
    rng = np.random.default_rng(seed)
    lab, unl, fake = (rng.uniform(-5, 5, (n, k)) for _ in range(3))
    labels = rng.integers(0, k, n)
    value, grads = ssl.discriminator_loss(lab, labels, unl, fake, weight)
    tensors = [torch.tensor(a, requires_grad=True) for a in (lab, unl, fake)]
    y = torch.from_numpy(labels)
    t_value = TORCH_TERMS["labelled"](tensors[0], y) + weight * (TORCH_TERMS["unlabelled"](tensors[1], y)
                                                                  + TORCH_TERMS["fake"](tensors[2], y))
    t_value.backward()
    errors = {"value": rel_error(value, t_value, 6.0)}
    errors.update({f"d{name}": rel_error(g, t.grad, 1 / n) for name, g, t in zip(("lab", "unl", "fake"), grads,
                                                                                     tensors)})
    assert_close(errors)


@pytest.mark.parametrize("name", sorted(TORCH_TERMS))
def test_extreme_logits_stay_finite_and_equal(name):
    logits = np.array([[700.0, -700.0, 0.0], [-700.0, -700.0, -700.0], [50.0, 50.0, -50.0]])
    labels = np.array([0, 2, 1])
    errors = compare(name, logits, labels)
    assert np.isfinite(OURS[name](logits, labels)[1]).all()
    assert_close(errors)
