import numpy as np
from hypothesis import given, strategies as st

from minigan.nn.im2col import col2im, im2col, sliding_windows
from tests.strategies import normal, seeds


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), seeds)
def test_col2im_is_the_adjoint_of_im2col(kh, kw, sh, sw, seed):
    """<im2col(x), c> = <x, col2im(c)> for all x, c: the identity backward relies on."""
    x = normal(seed, (2, 3, kh + 3, kw + 4))
    cols, (Ho, Wo) = im2col(x, kh, kw, sh, sw)
    c = normal(seed + 1, cols.shape)
    back = col2im(c.reshape(2, Ho, Wo, 3, kh, kw), x.shape, kh, kw, sh, sw)
    assert np.isclose((cols * c).sum(), (x * back).sum(), rtol=1e-12)


def test_sliding_windows_is_a_view_with_the_right_entries(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    w = sliding_windows(x, 3, 2, 2, 1)
    assert w.shape == (1, 2, 4, 2, 3, 2) and np.shares_memory(w, x)
    np.testing.assert_array_equal(w[0, 1, 3, 1], x[0, 1, 2:5, 3:5])
