"""The K+1-class discriminator's losses: gradients against finite differences in float64
(hypothesis-drawn logits, classes and batches), values against the K+1-way softmax written out,
stability at huge logits, dtype and device; and a planted sign error that the gradient check
must catch."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import semi_supervised_losses as ssl
from minigan.backend import device_of, to_device, to_numpy
from minigan.gradcheck import check_function
from tests.fake_device import fake_cuda
from tests.strategies import seeds

TERMS = {"unlabelled": ssl.unlabelled_term, "fake": ssl.fake_term}


@st.composite
def logit_cases(draw):
    """(logits (N, K), labels (N,)): N in 1..6, K in 2..10, logits N(0, scale^2) with scale up to 20."""
    n, k, scale = draw(st.integers(1, 6)), draw(st.integers(2, 10)), draw(st.sampled_from([0.3, 3.0, 20.0]))
    rng = np.random.default_rng(draw(seeds))
    return rng.standard_normal((n, k)) * scale + draw(st.sampled_from([0.0, -8.0, 8.0])), rng.integers(0, k, n)


def gradient_report(term, logits, *extra):
    """Central differences in float64 of term(logits, *extra)[0] against its returned gradient."""
    _, dlogits = term(logits, *extra)
    return check_function(lambda l: term(l, *extra)[0], lambda d: d * dlogits, logits)


@pytest.mark.parametrize("name", sorted(TERMS))
@given(case=logit_cases())
def test_unsupervised_term_gradients_match_finite_differences(name, case):
    logits, _ = case
    report = gradient_report(TERMS[name], logits)
    assert report.ok, str(report)


@given(case=logit_cases())
def test_labelled_term_gradient_matches_finite_differences(case):
    logits, labels = case
    report = gradient_report(ssl.labelled_term, logits, labels)
    assert report.ok, str(report)


@given(case=logit_cases(), n_unlabelled=st.integers(1, 5), n_fake=st.integers(1, 5),
       weight=st.sampled_from([0.0, 0.5, 1.0, 2.5]), seed=seeds)
def test_whole_discriminator_loss_gradients_match_finite_differences(case, n_unlabelled, n_fake, weight, seed):
    labelled, labels = case
    rng = np.random.default_rng(seed)
    unlabelled, fake = (rng.standard_normal((n, labelled.shape[1])) * 3 for n in (n_unlabelled, n_fake))
    _, grads = ssl.discriminator_loss(labelled, labels, unlabelled, fake, weight)
    report = check_function(lambda a, b, c: ssl.discriminator_loss(a, labels, b, c, weight)[0],
                            lambda d: tuple(d * g for g in grads), (labelled, unlabelled, fake))
    assert report.ok, str(report)


def k_plus_one_probabilities(logits):
    """The K+1-way softmax written out: the K logits and a fake logit of 0 (float64, small logits)."""
    full = np.concatenate([logits, np.zeros((len(logits), 1))], axis=1)
    e = np.exp(full)
    return e / e.sum(axis=1, keepdims=True)


def test_values_are_the_k_plus_one_classifiers_cross_entropies(rng):
    logits, labels = rng.standard_normal((7, 4)) * 2, rng.integers(0, 4, 7)
    p = k_plus_one_probabilities(logits)
    p_real = 1 - p[:, -1]
    assert ssl.unlabelled_term(logits)[0] == pytest.approx(-np.log(p_real).mean(), rel=1e-12)
    assert ssl.fake_term(logits)[0] == pytest.approx(-np.log(p[:, -1]).mean(), rel=1e-12)
    given_real = p[np.arange(7), labels] / p_real                       # p(y | x, real)
    assert ssl.labelled_term(logits, labels)[0] == pytest.approx(-np.log(given_real).mean(), rel=1e-12)
    np.testing.assert_allclose(1 / (1 + np.exp(-ssl.real_logit(logits))), p_real, rtol=1e-12)


def test_whole_loss_is_labelled_plus_weighted_unsupervised_terms(rng):
    lab, labels, unl, fake = rng.standard_normal((3, 5)), rng.integers(0, 5, 3), rng.standard_normal((4, 5)), \
        rng.standard_normal((2, 5))
    value, (dlab, dunl, dfake) = ssl.discriminator_loss(lab, labels, unl, fake, 0.5)
    expected = ssl.labelled_term(lab, labels)[0] + 0.5 * (ssl.unlabelled_term(unl)[0] + ssl.fake_term(fake)[0])
    assert value == pytest.approx(expected)
    np.testing.assert_allclose(dunl, 0.5 * ssl.unlabelled_term(unl)[1])
    np.testing.assert_allclose(dfake, 0.5 * ssl.fake_term(fake)[1])


def test_unsupervised_gradients_push_the_real_logit_the_right_way(rng):
    """Descending the unlabelled term raises s = logsumexp(l) (more "real"); the fake term lowers it.
    Each gradient is a multiple of softmax(l), so it never changes which class D predicts."""
    logits = rng.standard_normal((5, 3))
    s = ssl.real_logit(logits)
    for term, direction in ((ssl.unlabelled_term, 1), (ssl.fake_term, -1)):
        _, d = term(logits)
        moved = ssl.real_logit(logits - 0.1 * d * len(logits))
        assert np.all(direction * (moved - s) > 0)
        ratio = d / np.exp(logits - s[:, None])
        np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-12)


def test_finite_and_exact_at_huge_logits():
    """exp(1000) overflows; logsumexp, softplus and sigmoid in their stable forms do not."""
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = ssl.real_logit(logits)
        unl, dunl = ssl.unlabelled_term(logits)
        fake, dfake = ssl.fake_term(logits)
        lab, dlab = ssl.labelled_term(logits, np.array([0, 1, 2]))
    np.testing.assert_allclose(s, [1000.0, -1000.0 + np.log(3), 1000.0 + np.log(3)])
    assert unl == pytest.approx((1000.0 - np.log(3)) / 3)        # softplus(-s): 0, 1000 - log 3, 0
    assert fake == pytest.approx((1000.0 + 1000.0 + np.log(3)) / 3)
    assert lab == pytest.approx((0.0 + np.log(3) + np.log(3)) / 3)
    for d in (dunl, dfake, dlab):
        assert np.isfinite(d).all()
    np.testing.assert_allclose(dfake[0], [1 / 3, 0, 0], atol=1e-300)


@pytest.mark.parametrize("term", [ssl.unlabelled_term, ssl.fake_term, lambda l: ssl.labelled_term(l, np.arange(4))])
def test_float32_in_float32_out(term, rng):
    value, d = term(rng.standard_normal((4, 6)).astype(np.float32))
    assert value.dtype == d.dtype == np.float32


def test_losses_stay_on_the_device(rng):
    lab, labels, unl, fake = rng.standard_normal((3, 4)), rng.integers(0, 4, 3), rng.standard_normal((2, 4)), \
        rng.standard_normal((2, 4))
    expected = ssl.discriminator_loss(lab, labels, unl, fake)
    with fake_cuda():
        value, grads = ssl.discriminator_loss(*(to_device(a, "cuda") for a in (lab, labels, unl, fake)))
        assert {device_of(a) for a in (value, *grads)} == {"cuda"}
        for ours, host in zip(grads, expected[1]):
            np.testing.assert_allclose(to_numpy(ours), host, rtol=1e-12)


# A planted sign error, two ways: in the gradient a term returns, and inside the math (the
# argument of the sigmoid that weighs softmax(l)). The same checks as above must fail on each.

def negated_gradient(term):
    def wrong(logits, *extra):
        value, d = term(logits, *extra)
        return value, -d
    return wrong


@pytest.mark.parametrize("name", ["labelled", "unlabelled", "fake"])
def test_the_gradient_check_catches_a_sign_error_in_a_returned_gradient(name, rng):
    term = {"labelled": ssl.labelled_term, **TERMS}[name]
    logits, extra = rng.standard_normal((4, 5)), ((rng.integers(0, 5, 4),) if name == "labelled" else ())
    assert gradient_report(term, logits, *extra).ok
    assert not gradient_report(negated_gradient(term), logits, *extra).ok


@pytest.mark.parametrize("name", sorted(TERMS))
def test_the_gradient_check_catches_a_sign_error_inside_the_term(name, rng, monkeypatch):
    logits = rng.standard_normal((4, 5))
    assert gradient_report(TERMS[name], logits).ok
    monkeypatch.setattr(ssl, "sigmoid", lambda u, right=ssl.sigmoid: right(-u))
    assert not gradient_report(TERMS[name], logits).ok
