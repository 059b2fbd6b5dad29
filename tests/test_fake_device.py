"""The fake device refuses what CuPy refuses; otherwise the tests that use it could not fail."""
import sys

import numpy as np
import pytest

from minigan.backend import device_of, get_array_module, to_device, to_numpy
from tests.fake_device import fake_cuda


def test_the_backend_takes_it_for_cupy_and_moves_arrays_both_ways():
    with fake_cuda() as cupy:
        x = to_device(np.arange(6.0).reshape(2, 3), "cuda")
        assert device_of(x) == "cuda" and get_array_module(x) is cupy and not isinstance(x, np.ndarray)
        np.testing.assert_array_equal(to_numpy(x), np.arange(6.0).reshape(2, 3))
        assert device_of(to_device(x, "cpu")) == "cpu"
    assert "cupy" not in sys.modules or sys.modules["cupy"] is not cupy


def test_host_and_device_arrays_do_not_mix():
    with fake_cuda() as cupy:
        x, host = cupy.ones((2, 3)), np.ones((2, 3))
        for mix in (lambda: x + host, lambda: host * x, lambda: cupy.concatenate([x, host]),
                    lambda: x.__setitem__(0, host[0])):
            with pytest.raises(TypeError, match="Unsupported type"):
                mix()
        for implicit in (lambda: np.asarray(x), lambda: np.concatenate([x, x]), lambda: np.sqrt(host) + x):
            with pytest.raises(TypeError):
                implicit()
        assert device_of(x + 1.0) == device_of(x[np.array([1, 0])]) == device_of(cupy.asarray(host)) == "cuda"


def test_reads_back_to_the_host_are_counted_and_reductions_stay_on_the_device():
    with fake_cuda() as cupy:
        x = cupy.arange(4.0)
        total = x.sum()
        assert device_of(total) == device_of(x[0]) == "cuda" and cupy.host_reads == 0
        float(total), bool(x.all()), x.tolist(), to_numpy(x)
        assert cupy.host_reads == 4


def test_its_generator_cannot_permute():
    with fake_cuda() as cupy:
        rng = cupy.random.default_rng(0)
        assert device_of(rng.standard_normal((2, 2))) == "cuda" and not hasattr(rng, "permutation")
