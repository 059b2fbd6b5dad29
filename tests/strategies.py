"""Hypothesis strategies shared by every test: layer configurations and their inputs.

Arrays are drawn from a seeded numpy Generator (hypothesis draws the seed), which keeps
examples fast while the configuration space (shapes, strides, paddings...) is explored
and shrunk by hypothesis itself.
"""
import numpy as np
from hypothesis import strategies as st

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 3)


def normal(seed, shape, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def away_from_zero(seed, shape, gap=0.05):
    """Normal draws pushed at least ``gap`` away from 0: finite differences never cross a kink."""
    x = normal(seed, shape)
    return np.where(x >= 0, x + gap, x - gap)


@st.composite
def dense_configs(draw):
    return dict(batch=draw(st.integers(1, 5)), in_features=draw(st.integers(1, 6)),
                out_features=draw(st.integers(1, 6)), bias=draw(st.booleans()), seed=draw(seeds))


@st.composite
def conv_configs(draw):
    """Conv2d configurations whose output is at least 1x1, square and rectangular kernels."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if draw(st.booleans()):
        kw = kh
    stride = draw(st.sampled_from([1, 2, 3, (1, 2), (2, 1)]))
    padding = draw(st.sampled_from([0, 1, 2, (0, 1), (1, 0)]))
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    H = draw(st.integers(max(1, kh - 2 * ph), max(1, kh - 2 * ph) + 4))
    W = draw(st.integers(max(1, kw - 2 * pw), max(1, kw - 2 * pw) + 4))
    kernel = kh if kh == kw else (kh, kw)
    return dict(batch=draw(sizes), in_channels=draw(sizes), out_channels=draw(sizes), kernel_size=kernel,
                stride=stride, padding=padding, bias=draw(st.booleans()), H=H, W=W, seed=draw(seeds))


@st.composite
def conv_transpose_configs(draw):
    """ConvTranspose2d configurations: output_padding < stride and an output of at least 1x1."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if draw(st.booleans()):
        kw = kh
    sh, sw = draw(st.sampled_from([(1, 1), (2, 2), (3, 3), (1, 2), (2, 1)]))
    oph, opw = draw(st.integers(0, sh - 1)), draw(st.integers(0, sw - 1))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    H, W = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    # Output must be >= 1: (H - 1) s - 2p + k + op >= 1, otherwise shrink the padding.
    ph = min(ph, ((H - 1) * sh + kh + oph - 1) // 2)
    pw = min(pw, ((W - 1) * sw + kw + opw - 1) // 2)
    return dict(batch=draw(sizes), in_channels=draw(sizes), out_channels=draw(sizes),
                kernel_size=(kh, kw), stride=(sh, sw), padding=(ph, pw), output_padding=(oph, opw),
                bias=draw(st.booleans()), H=H, W=W, seed=draw(seeds))


@st.composite
def batchnorm_configs(draw, ndim):
    """(N, C) or (N, C, L) for ndim 2/3, (N, C, H, W) for 4; at least 2 values per channel."""
    C = draw(st.integers(1, 4))
    if ndim == 2:
        shape = (draw(st.integers(2, 6)), C)
    elif ndim == 3:
        shape = (draw(st.integers(1, 3)), C, draw(st.integers(2, 4)))
    else:
        shape = (draw(st.integers(1, 3)), C, draw(st.integers(1, 3)), draw(st.integers(2, 3)))
    return dict(shape=shape, training=draw(st.booleans()), momentum=draw(st.sampled_from([0.1, 0.5, 0.0])),
                eps=draw(st.sampled_from([1e-5, 1e-3])), seed=draw(seeds))


elementwise_shapes = st.one_of(
    st.tuples(st.integers(1, 4), st.integers(1, 6)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
)
negative_slopes = st.sampled_from([0.0, 0.01, 0.2, 0.5, 1.5])


@st.composite
def minibatch_configs(draw):
    """MinibatchDiscrimination configurations; a batch of 1 has no other sample to compare with."""
    return dict(batch=draw(st.integers(1, 5)), in_features=draw(st.integers(1, 5)),
                num_kernels=draw(st.integers(1, 4)), kernel_dim=draw(st.integers(1, 3)), seed=draw(seeds))


@st.composite
def layernorm_configs(draw):
    """An input shape (N, ..., *normalized_shape) and how many trailing axes LayerNorm normalises."""
    shape = draw(st.one_of(st.tuples(st.integers(1, 4), st.integers(1, 6)),
                           st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4))))
    k = draw(st.integers(1, len(shape) - 1))
    return dict(shape=shape, normalized_shape=shape[len(shape) - k:], affine=draw(st.booleans()),
                eps=draw(st.sampled_from([1e-5, 1e-3])), seed=draw(seeds))


@st.composite
def upsample_configs(draw):
    """Upsample2d: an integer or a (sh, sw) scale on a small image."""
    scale = draw(st.sampled_from([1, 2, 3, (1, 2), (2, 1), (2, 3)]))
    return dict(scale=scale, shape=(draw(sizes), draw(sizes), draw(st.integers(1, 4)), draw(st.integers(1, 4))),
                seed=draw(seeds))


@st.composite
def avgpool_configs(draw):
    """AvgPool2d configurations whose output is at least 1x1; stride None means the kernel size."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.sampled_from([None, 1, 2, 3, (1, 2), (2, 1)]))
    H, W = draw(st.integers(kh, kh + 4)), draw(st.integers(kw, kw + 4))
    kernel = kh if kh == kw else (kh, kw)
    return dict(kernel_size=kernel, stride=stride, shape=(draw(sizes), draw(sizes), H, W), seed=draw(seeds))


@st.composite
def minibatch_std_configs(draw):
    """MinibatchStdDev: a batch that the group size divides (groups of 1 up to the whole batch)."""
    group_size = draw(st.integers(1, 4))
    groups = draw(st.integers(1, 3))
    batch = min(group_size, 4) * groups
    return dict(group_size=group_size, shape=(batch, draw(sizes), draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                seed=draw(seeds))


@st.composite
def fade_configs(draw):
    """FadeIn of two small paths with parameters on each side, and an alpha in [0, 1]."""
    return dict(alpha=draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]) | st.floats(0, 1)), batch=draw(sizes),
                channels=draw(sizes), size=draw(st.integers(1, 3)), seed=draw(seeds))
