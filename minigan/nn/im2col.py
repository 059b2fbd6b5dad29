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
from .parallel import map_rows, on_cpu

COL2IM_BYTES = 4 << 20      # columns per piece of col2im_nhwc: a few images, well inside the L3 cache


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


# --- channels-last versions, used by the fast paths (fast.py) ---------------------------------
# The same operations on x stored as (N, H, W, C): a window's columns are ordered (a, b, c), so
# the innermost run of every copy and every add is one pixel's C contiguous channels. Each
# image's work is independent, so the batch is split over CPU threads (parallel.py).

def pad_nhwc(x, top, bottom, left, right, out=None):
    """Zero-pad axes 1 and 2 of x (N, H, W, C) into a C-contiguous array: a fresh one, or ``out``,
    whose border must already be zero (only the inside is written)."""
    xp = get_array_module(x)
    N, H, W, C = x.shape
    if out is None:
        out = xp.zeros((N, H + top + bottom, W + left + right, C), dtype=x.dtype)

    def copy_inside(src, dst):
        dst[:, top:top + H, left:left + W] = src
    map_rows(copy_inside, (x,), (out,))
    return out


def im2col_nhwc(x, kh, kw, sh, sw, out=None):
    """cols[(n, i, j), (a, b, c)] = x[n, sh*i + a, sw*j + b, c]: (N*Ho*Wo, kh*kw*C), one copy,
    into a fresh array or into ``out`` (C-contiguous, of that many elements)."""
    xp = get_array_module(x)
    N, H, W, C = x.shape
    Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
    sN, sH, sW, sC = x.strides
    windows = xp.lib.stride_tricks.as_strided(
        x, shape=(N, Ho, Wo, kh, kw, C), strides=(sN, sH * sh, sW * sw, sH, sW, sC))
    cols = xp.empty(windows.shape, dtype=x.dtype) if out is None else out.reshape(windows.shape)
    map_rows(_copy, (windows,), (cols,))
    return cols.reshape(N * Ho * Wo, kh * kw * C), (Ho, Wo)


def col2im_nhwc(cols, shape, kh, kw, sh, sw):
    """Adjoint of im2col_nhwc: cols (N, Ho, Wo, kh, kw, C) -> image (N, H, W, C) = ``shape``.
    out[n, sh*i + a, sw*j + b, c] += cols[n, i, j, a, b, c].

    A few images at a time (``COL2IM_BYTES`` of columns): the kh*kw adds each read a strided
    slice of the columns, so over the whole batch (25 MB for DCGAN's Conv2d(64, 128)) every
    add streams through main memory again; a few images' columns stay in the CPU cache for
    all of them (12.4 -> 9.4 ms on one core for that layer, 5.2 -> 4.7 ms on two)."""
    xp = get_array_module(cols)
    Ho, Wo = cols.shape[1:3]
    out = xp.empty(shape, dtype=cols.dtype)
    step = max(1, COL2IM_BYTES // max(1, cols[:1].nbytes) if on_cpu(cols) else len(cols))

    def add_windows(windows, image):
        for n in range(0, len(image), step):
            few, canvas = windows[n:n + step], image[n:n + step]
            canvas[...] = 0
            for a in range(kh):
                for b in range(kw):
                    canvas[:, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += few[:, :, :, a, b]
    map_rows(add_windows, (cols,), (out,))
    return out


def _copy(src, dst):
    dst[...] = src
