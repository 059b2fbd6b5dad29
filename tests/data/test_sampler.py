import numpy as np
import pytest

from minigan.backend import device_of, to_device, to_numpy
from minigan.data.batches import EpochSampler
from tests.fake_device import fake_cuda


def test_epoch_covers_every_item_once_then_reshuffles():
    sampler = EpochSampler(np.arange(10))
    rng = np.random.default_rng(0)
    first = np.concatenate([sampler.sample(3, rng) for _ in range(3)])
    assert len(set(first.tolist())) == 9 and sampler.epoch == 1
    sampler.sample(3, rng)                       # only 1 item left: a new epoch starts
    assert sampler.epoch == 2 and sampler.position == 3


def test_state_round_trip_continues_the_same_sequence():
    x = np.arange(20)
    a, rng_a = EpochSampler(x), np.random.default_rng(1)
    for _ in range(5):
        a.sample(4, rng_a)
    b = EpochSampler(x)
    b.load_state_dict(a.state_dict())
    rng_b = np.random.default_rng(1)
    rng_b.bit_generator.state = rng_a.bit_generator.state
    for _ in range(7):
        np.testing.assert_array_equal(a.sample(4, rng_a), b.sample(4, rng_b))


def test_labels_travel_with_items():
    x, labels = np.arange(10) * 10, np.arange(10)
    sampler = EpochSampler(x, labels)
    batch = sampler.sample(4, np.random.default_rng(0))
    np.testing.assert_array_equal(batch, sampler.last_labels * 10)


def test_a_device_generator_is_refused_with_the_reason():
    with fake_cuda() as cupy:
        with pytest.raises(TypeError, match="on the host"):
            EpochSampler(np.arange(10)).sample(3, cupy.random.default_rng(0))


def test_device_items_and_labels_come_back_on_the_device():
    x, labels = np.arange(10.0) * 10, np.arange(10)
    with fake_cuda():
        sampler = EpochSampler(to_device(x, "cuda"), to_device(labels, "cuda"))
        batch = sampler.sample(4, np.random.default_rng(0))
        assert device_of(batch) == device_of(sampler.last_labels) == "cuda"
        np.testing.assert_array_equal(to_numpy(batch), to_numpy(sampler.last_labels) * 10)
        np.testing.assert_array_equal(to_numpy(batch), EpochSampler(x).sample(4, np.random.default_rng(0)))
