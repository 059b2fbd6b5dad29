import subprocess
import sys

import numpy as np
import pytest

from minigan import backend


def test_numpy_arrays_pick_numpy():
    assert backend.get_array_module(np.zeros(2), 1.0) is np
    assert backend.device_of(np.zeros(2)) == "cpu"


def test_default_device_from_environment(monkeypatch):
    monkeypatch.setenv("MINIGAN_DEVICE", "cpu")
    assert backend.default_device() == "cpu"
    monkeypatch.setenv("MINIGAN_DEVICE", "gpu")
    with pytest.raises(backend.DeviceError, match="unknown device 'gpu'"):
        backend.default_device()


@pytest.mark.skipif(backend.cuda_available(), reason="checks the message shown when CUDA is missing")
def test_cuda_without_cupy_or_gpu_says_what_is_missing():
    with pytest.raises(backend.DeviceError, match="CuPy|GPU"):
        backend.check_device("cuda")


def test_import_does_not_import_cupy():
    code = "import sys, minigan, minigan.nn, minigan.optim, minigan.losses; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_to_device_and_back(device):
    x = np.arange(6.0).reshape(2, 3)
    moved = backend.to_device(x, device)
    assert backend.device_of(moved) == device
    np.testing.assert_array_equal(backend.to_numpy(moved), x)


@pytest.mark.parametrize("count", [1, 3, 12])
@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf])
def test_finite_flag_and_all_finite(device, count, bad):
    arrays = [backend.to_device(np.full((4, 3), float(i), dtype=np.float32), device) for i in range(count)]
    if bad is not None:
        arrays[-1][2, 1] = bad                     # in the last array: every one must be looked at
    flag = backend.finite_flag(arrays)
    assert flag.shape == () and flag.dtype == bool and backend.device_of(flag) == device
    assert bool(flag) == backend.all_finite(arrays) == (bad is None)
    assert backend.all_finite([])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_when_a_sum_of_finite_values_overflows(device, dtype):
    """Huge finite values whose sum is inf are finite; +inf and -inf whose sum is NaN are not."""
    big = backend.to_device(np.full(4, np.finfo(dtype).max, dtype=dtype), device)
    assert backend.all_finite([big]) and backend.all_finite([big, -big])
    both = backend.to_device(np.array([np.inf, -np.inf, 1.0], dtype=dtype), device)
    assert not backend.all_finite([big, both])


def test_all_finite_warns_about_nothing_when_a_sum_overflows_or_meets_inf_minus_inf():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not backend.all_finite([np.array([np.inf, -np.inf])])
        assert backend.all_finite([np.full(4, 3e38, np.float32)])
