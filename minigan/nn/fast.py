"""The switch for minigan's fast paths (STYLE rule 7).

Some layers have a second implementation beside the readable one, faster on CPU and
tested equal to it (tests/nn/test_fast.py). Both compute the same mathematics; the fast
one only changes memory layout or fuses passes. ``ENABLED`` (default True) picks the fast
path; ``fast.disabled()`` runs a block on the readable paths::

    with fast.disabled():
        y = layer.forward(x)       # the textbook code in the layer's ``forward``

Fast paths in use:
  Conv2d, ConvTranspose2d   channels-last im2col/col2im (``im2col.py``): columns ordered
                            (kh, kw, C) so each copied or added run is a contiguous channel
                            vector; outputs are (N, C, H, W) views of (N, H, W, C) memory.
  BatchNorm1d/2d            statistics of a (rows, C) matrix view, fewer full passes.
  optim.Adam                in place through one scratch array, in cache-sized pieces.
  Conv2d, ConvTranspose2d,  large temporaries (padded input, columns, their gradient; masks;
  BatchNorm, ReLU,          xhat) written into arrays the layer keeps between calls
  LeakyReLU                 (``workspace.py``) instead of fresh memory each call.
  all of the above, ReLU,   large arrays cut into pieces along axis 0 that run at once on
  LeakyReLU                 all CPU threads (``parallel.py``); NumPy runs each operation on
                            one core otherwise.
  On CuPy, with             Adam, ReLU, LeakyReLU and batch norm's element-wise work as one
  ``CUDA_FUSED``            CUDA kernel each (``fused.py``) instead of one launch per operation.

``CUDA_FUSED`` is off unless $MINIGAN_CUDA_FUSED=1 or ``fast.cuda_fused()``: the kernels were
written without a GPU to run them on, and stay off by default until their tests
(tests/nn/test_fused.py) have passed on one.
"""
import os
from contextlib import contextmanager

ENABLED = True
CUDA_FUSED = os.environ.get("MINIGAN_CUDA_FUSED", "") == "1"
ADAM_CHUNK = 1 << 16      # elements per piece of the in-place Adam (256 KiB of float32: fits L2)


@contextmanager
def disabled():
    """Run the enclosed block on the readable paths."""
    global ENABLED
    before, ENABLED = ENABLED, False
    try:
        yield
    finally:
        ENABLED = before


@contextmanager
def enabled():
    """Run the enclosed block on the fast paths."""
    global ENABLED
    before, ENABLED = ENABLED, True
    try:
        yield
    finally:
        ENABLED = before


@contextmanager
def cuda_fused(on=True):
    """Run the enclosed block with the fused CUDA kernels on (or off)."""
    global CUDA_FUSED
    before, CUDA_FUSED = CUDA_FUSED, on
    try:
        yield
    finally:
        CUDA_FUSED = before
