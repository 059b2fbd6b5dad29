"""accel/parallel.py: the pieces cover the rows once, the threaded layers equal the one-thread ones,
and a failure in a worker's piece reaches the caller."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from minigan import accel
from minigan.accel import parallel
from minigan.nn import BatchNorm2d, Conv2d, ConvTranspose2d, LeakyReLU, ReLU


@given(st.integers(1, 50), st.integers(1, 6))
def test_pieces_cover_every_row_once(n, threads):
    with parallel.configured(threads=threads, min_elements=1):
        cuts = parallel.pieces(n, elements=n)
    rows = [i for a, b in cuts for i in range(a, b)]
    assert rows == list(range(n))
    assert len(cuts) == min(threads, n)


def test_small_work_stays_in_one_piece():
    with parallel.configured(threads=4, min_elements=100):
        assert parallel.pieces(10, elements=99) == [(0, 10)]
        assert len(parallel.pieces(10, elements=100)) == 4


def test_map_and_sum_rows_equal_the_whole_array_operation():
    x = np.random.default_rng(0).standard_normal((37, 5, 3))
    out = np.empty_like(x)
    with parallel.configured(threads=3, min_elements=1):
        parallel.map_rows(np.multiply, (x, x), (out,))
        total = parallel.sum_rows(lambda a: a.sum(axis=0), (x,))
        product = parallel.multiply(x, np.full_like(x, 2.0))
    np.testing.assert_array_equal(out, x * x)
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(product, x * 2.0)


def test_an_error_in_a_worker_piece_is_raised_in_the_caller():
    def fail_late(a, b):
        if a > 0:
            raise ValueError("piece failed")
    with parallel.configured(threads=2, min_elements=1), pytest.raises(ValueError, match="piece failed"):
        parallel.for_rows(fail_late, 10, elements=10)


def test_multiply_refuses_arrays_of_different_shapes():
    with pytest.raises(ValueError, match="one shape"):
        parallel.multiply(np.ones((4, 3)), np.ones(3))


def _threaded_sum_in_child(queue):
    x = np.arange(12.0).reshape(6, 2)
    with parallel.configured(threads=2, min_elements=1):
        queue.put(float(parallel.sum_rows(lambda a: a.sum(axis=0), (x,)).sum()))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_child_builds_its_own_pool():
    """The child inherits the pool object but not its threads; it must not wait on them forever."""
    import multiprocessing
    with parallel.configured(threads=2, min_elements=1):
        parallel.for_rows(lambda a, b: None, 4, elements=4)             # the parent's pool exists
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_threaded_sum_in_child, args=(queue,))
        child.start()
        child.join(timeout=60)
        alive = child.is_alive()
        if alive:
            child.kill()
    assert not alive, "the forked child hung on the parent's pool"
    assert queue.get(timeout=5) == sum(range(12))


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_threads_rejects_non_positive_integers(bad):
    with pytest.raises(ValueError, match="positive integer"):
        parallel.set_threads(bad)


def channels_last(x):
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)).transpose(0, 3, 1, 2)


def pass_through(make, x, dy):
    layer = accel.apply(make())
    y = layer.forward(x)
    dx = layer.backward(dy)
    return [np.array(y), np.array(dx)] + [g.copy() for g in layer.grads.values()] + \
        [b.copy() for b in layer.buffers.values()]


LAYERS = {
    "conv": (lambda: Conv2d(3, 4, 4, stride=2, padding=1, rng=0, dtype="float64"), (7, 3, 10, 9), (7, 4, 5, 4)),
    "conv_transpose": (lambda: ConvTranspose2d(3, 4, 4, stride=2, padding=1, rng=0, dtype="float64"),
                       (7, 3, 5, 4), (7, 4, 10, 8)),
    "batchnorm": (lambda: BatchNorm2d(3, dtype="float64"), (7, 3, 5, 4), (7, 3, 5, 4)),
    "leaky_relu": (lambda: LeakyReLU(0.2), (7, 3, 5, 4), (7, 3, 5, 4)),
    "relu": (lambda: ReLU(), (7, 3, 5, 4), (7, 3, 5, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("layout", ["channels_first", "channels_last", "mixed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threaded_layers_equal_one_thread(name, layout, dtype):
    """Element-wise work must be bit-identical; sums of partial sums agree to rounding.
    mixed: x channels-first, dy channels-last."""
    make, x_shape, y_shape = LAYERS[name]
    rng = np.random.default_rng(1)
    x, dy = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(y_shape).astype(dtype)
    if layout != "channels_first":
        dy = channels_last(dy)
    if layout == "channels_last":
        x = channels_last(x)
    make = (lambda make=make: make().astype(dtype))
    with parallel.configured(threads=1):
        expected = pass_through(make, x, dy)
    with parallel.configured(threads=3, min_elements=1):
        got = pass_through(make, x, dy)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype == dtype
        if name == "batchnorm":
            tol = 1e-12 if dtype == np.float64 else 2e-5
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(a, b)
