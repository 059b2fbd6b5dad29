"""Scratch arrays kept between calls (minigan/accel/workspace.py): a fast layer that reuses its
workspace gives, call after call, what a fresh layer on the readable path gives, whatever
shapes and layouts came before; the arrays really are reused; and copies, pickles and
``release`` handle them."""
import copy
import pickle

import numpy as np
from hypothesis import given, strategies as st

from minigan import accel
from minigan.accel import parallel, workspace
from minigan.nn import BatchNorm2d, Conv2d, ConvTranspose2d, LeakyReLU, ReLU
from tests.accel.test_equal import channels_last
from tests.strategies import normal, seeds


LAYERS = {
    "conv": lambda: Conv2d(3, 4, 3, stride=2, padding=1, rng=0),
    "conv, rectangular padding": lambda: Conv2d(2, 3, (2, 3), stride=(1, 2), padding=(2, 1), rng=1),
    "conv transpose": lambda: ConvTranspose2d(3, 2, 4, stride=2, padding=1, rng=2),
    "conv transpose, output padding": lambda: ConvTranspose2d(3, 3, 3, stride=2, padding=1, output_padding=1,
                                                              rng=3),
    "batch norm": lambda: BatchNorm2d(3),
    "leaky relu": lambda: LeakyReLU(0.2),
    "relu": lambda: ReLU(),
}


def in_channels(layer):
    return getattr(layer, "in_channels", getattr(layer, "num_features", 3))


def step(layer, x, dy):
    layer.zero_grad()
    y = np.array(layer.forward(x))
    dx = np.array(layer.backward(dy))
    return y, dx, {k: v.copy() for k, v in layer.grads.items()}


@given(st.sampled_from(sorted(LAYERS)), st.lists(st.tuples(st.integers(1, 3), st.integers(3, 6), st.booleans(),
                                                              seeds), min_size=3, max_size=6))
def test_a_layer_reusing_its_workspace_matches_a_fresh_layer_call_after_call(name, calls):
    """Each call, on inputs of changing batch, size and layout (so the workspace is kept, then
    replaced, then kept again), equals a fresh layer's readable path on that input alone."""
    reused = accel.apply(LAYERS[name]().astype(np.float64))
    for batch, size, last, seed in calls:
        x = normal(seed, (batch, in_channels(reused), size, size + 1))
        y_shape = reused.output_shape(x.shape)
        dy = normal(seed + 1, y_shape)
        if last:
            x, dy = channels_last(x), channels_last(dy)
        got = step(reused, x, dy)
        expected = step(LAYERS[name]().astype(np.float64), x, dy)
        for a, b in zip(got[:2], expected[:2]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert got[2].keys() == expected[2].keys()
        for k in got[2]:
            np.testing.assert_allclose(got[2][k], expected[2][k], rtol=1e-12, atol=1e-12)


def test_the_arrays_are_kept_while_they_fit_and_replaced_when_not():
    layer = accel.apply(Conv2d(2, 3, 3, padding=1, rng=0).astype(np.float64))
    x = normal(0, (2, 2, 5, 5))
    dy = normal(1, (2, 3, 5, 5))
    layer.forward(x)
    layer.backward(dy)
    first = dict(layer._workspace)
    assert {"xpad", "cols", "dcols"} <= first.keys()
    layer.forward(x + 1)
    layer.backward(dy)
    assert all(layer._workspace[k][1] is first[k][1] for k in first), "same shape: the same arrays"
    layer.forward(normal(2, (3, 2, 5, 5)))
    assert layer._workspace["cols"][1] is not first["cols"][1], "a new batch size: a new array"
    layer.forward(x[:, :, :4])
    assert layer._workspace["cols"][1].shape == (2 * 4 * 5, 2 * 3 * 3)


def test_the_readable_layer_keeps_no_workspace_and_remove_frees_it():
    layer = Conv2d(2, 3, 3, padding=1, rng=0).astype(np.float64)
    layer.forward(normal(0, (2, 2, 5, 5)))
    layer.backward(normal(1, (2, 3, 5, 5)))
    assert "_workspace" not in layer.__dict__
    accel.apply(layer).forward(normal(0, (2, 2, 5, 5)))
    assert "_workspace" in layer.__dict__
    accel.remove(layer)
    assert type(layer) is Conv2d and "_workspace" not in layer.__dict__


def test_a_mask_keeps_the_layout_of_its_input():
    layer = accel.apply(LeakyReLU(0.2))
    x = normal(0, (2, 3, 4, 5))
    layer.forward(x)
    first = layer.slope
    layer.forward(channels_last(x))
    assert layer.slope is not first and layer.slope.strides == channels_last(x).strides
    layer.forward(channels_last(x) * 2)
    assert layer.slope is layer._workspace["mask"][1]


def test_release_copy_and_pickle():
    layer = accel.apply(ConvTranspose2d(3, 2, 4, stride=2, padding=1, rng=2).astype(np.float64))
    x = normal(0, (2, 3, 3, 3))
    y = layer.forward(x)
    layer.backward(np.ones_like(y))
    twin, thawed = copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))
    for other in (twin, thawed):
        assert type(other) is type(layer)
        np.testing.assert_array_equal(other.forward(x), layer.forward(x))
    workspace.release(layer)
    assert "_workspace" not in layer.__dict__


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 5),
       st.integers(0, 3000), st.sampled_from([1, 2]), seeds)
def test_col2im_nhwc_in_pieces_equals_the_readable_col2im(kh, kw, sh, sw, batch, piece_bytes, threads, seed):
    """Any piece size (down to one image, or a batch that does not divide evenly), on one or two
    threads: the same sums as the readable col2im over the whole batch."""
    from minigan.accel import im2col as nhwc
    from minigan.nn import im2col
    C, H, W = 3, kh + 2 * sh + 1, kw + sw + 2
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    cols = normal(seed, (batch, Ho, Wo, kh, kw, C))
    expected = im2col.col2im(cols.transpose(0, 1, 2, 5, 3, 4), (batch, C, H, W), kh, kw, sh, sw)
    before = nhwc.COL2IM_BYTES
    nhwc.COL2IM_BYTES = piece_bytes
    try:
        with parallel.configured(threads=threads, min_elements=1):
            got = nhwc.col2im_nhwc(cols, (batch, H, W, C), kh, kw, sh, sw)
    finally:
        nhwc.COL2IM_BYTES = before
    np.testing.assert_allclose(got.transpose(0, 3, 1, 2), expected, rtol=1e-12, atol=1e-12)
