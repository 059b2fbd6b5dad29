"""im2col and col2im on channels-last images: the readable nn/im2col.py on x stored (N, H, W, C).

A window's columns are ordered (a, b, c) instead of (c, a, b), so the innermost run of every
copy and every add is one pixel's C contiguous channels rather than a strided walk across
channel planes. Each image's work is independent, so the batch is split over the CPU
threads (parallel.py).

    readable (nn/im2col.py)          channels-last twin
    pad2d(x, ...)                    pad_nhwc(x, ...)
    im2col(x, kh, kw, sh, sw)        im2col_nhwc(x, kh, kw, sh, sw)
    col2im(cols, shape, ...)         col2im_nhwc(cols, shape, ...)
"""
from ..backend import get_array_module
from .parallel import map_rows, on_cpu

COL2IM_BYTES = 4 << 20      # columns per piece of col2im_nhwc: a few images, well inside the L3 cache


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
    slice of the columns, so over the whole batch every add would stream through main memory
    again; a few images' columns stay in the CPU cache for all of them."""
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
