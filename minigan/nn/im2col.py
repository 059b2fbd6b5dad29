"""im2col and col2im: a convolution as one matrix multiply.

A k x k convolution with stride s looks at the window x[n, :, s*i : s*i+k, s*j : s*j+k]
for every output pixel (i, j). ``sliding_windows`` returns all those windows as a strided
*view* (no copy, no Python loop over pixels)::

    windows[n, i, j, c, a, b] = x[n, c, s*i + a, s*j + b]        # (N, Ho, Wo, C, kh, kw)

Reshaped to a matrix of (N*Ho*Wo) rows and (C*kh*kw) columns it is "im2col"; the
convolution is then ``cols @ W.reshape(O, -1).T``. ``col2im`` is its adjoint: every
window's entries are added back to the pixels they came from. It loops over the kh*kw
kernel offsets (16 for a 4x4 kernel), each one a strided add over all pixels at once.
"""
from ..backend import get_array_module


def output_size(size, kernel, stride, padding):
    """Output length of a convolution along one axis: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def pad2d(x, top, bottom, left, right):
    """Zero-pad the last two axes of x (N, C, H, W)."""
    if top == bottom == left == right == 0:
        return x
    xp = get_array_module(x)
    N, C, H, W = x.shape
    out = xp.zeros((N, C, H + top + bottom, W + left + right), dtype=x.dtype)
    out[:, :, top:top + H, left:left + W] = x
    return out


def sliding_windows(x, kh, kw, sh, sw):
    """All kh x kw windows of x (N, C, H, W) at strides (sh, sw), as a (N, Ho, Wo, C, kh, kw) view."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    Ho = (H - kh) // sh + 1
    Wo = (W - kw) // sw + 1
    sN, sC, sH, sW = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(N, Ho, Wo, C, kh, kw),
        strides=(sN, sH * sh, sW * sw, sC, sH, sW))


def im2col(x, kh, kw, sh, sw):
    """The windows of x as one matrix: (N*Ho*Wo, C*kh*kw). This is the one copy a convolution makes."""
    windows = sliding_windows(x, kh, kw, sh, sw)
    N, Ho, Wo = windows.shape[:3]
    return windows.reshape(N * Ho * Wo, -1), (Ho, Wo)


def col2im(cols, shape, kh, kw, sh, sw):
    """Adjoint of im2col: add each window's entries back onto the image.

    cols: (N, Ho, Wo, C, kh, kw)  ->  image (N, C, H, W) with H, W from ``shape``.
    out[n, c, sh*i + a, sw*j + b] += cols[n, i, j, c, a, b] for all i, j, a, b.
    """
    xp = get_array_module(cols)
    N, Ho, Wo, C = cols.shape[:4]
    out = xp.zeros(shape, dtype=cols.dtype)
    # cols viewed as (kh, kw, N, C, Ho, Wo) so each offset's slab is a plain strided array.
    slabs = cols.transpose(4, 5, 0, 3, 1, 2)
    for a in range(kh):
        for b in range(kw):
            out[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += slabs[a, b]
    return out
