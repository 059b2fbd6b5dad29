"""Shared fixtures: the backend parametrisation and the hypothesis profiles.

Profiles: "dev" (default, more examples), "ci" (chosen when $CI is set; keeps the whole
suite within minutes on 2 cores). Override with HYPOTHESIS_PROFILE=name.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from minigan.backend import cuda_available

# ``device`` is a plain string chosen per test, so reusing it across examples is safe.
SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile("dev", max_examples=40, deadline=None,
                          suppress_health_check=SUPPRESSED)
settings.register_profile("ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=SUPPRESSED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

_CUDA = cuda_available()


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request):
    """Each test that takes ``device`` runs on NumPy, and on CuPy when a GPU is present."""
    if request.param == "cuda" and not _CUDA:
        pytest.skip("CuPy with a working GPU is not available")
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: runs on CuPy and a GPU (skipped without one)")
    config.addinivalue_line("markers", "torch: cross-check against PyTorch (skipped without it)")
    config.addinivalue_line("markers", "slow: longer training runs")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _real_fashion_dir():
    """The official Fashion-MNIST files: $MINIGAN_DATA, or ../shared/data/fashion-mnist beside the repo."""
    from pathlib import Path
    candidates = [os.environ.get("MINIGAN_DATA"), Path(__file__).resolve().parents[1].parent / "shared/data/fashion-mnist",
                  "/usr/share/datasets/fashion-mnist"]
    for c in candidates:
        if c and (Path(c) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def fashion_root():
    """Directory of the real data set; tests that need it skip, with the reason, where it is absent."""
    root = _real_fashion_dir()
    if root is None:
        pytest.skip("real Fashion-MNIST not found: set MINIGAN_DATA or apt-get install dataset-fashion-mnist")
    return root
