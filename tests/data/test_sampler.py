import numpy as np

from minigan.data.batches import EpochSampler


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
