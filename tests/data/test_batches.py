import numpy as np
import pytest

from minigan.backend import device_of, to_device, to_numpy
from minigan.data.batches import iterate_minibatches
from tests.fake_device import fake_cuda


def test_one_epoch_visits_each_item_once_in_shuffled_full_batches():
    x = np.arange(103)
    batches = list(iterate_minibatches(x, 10, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [10] * 10  # the last 3 are dropped
    seen = np.concatenate(batches)
    assert len(np.unique(seen)) == 100
    assert not np.array_equal(seen, np.sort(seen))  # shuffled


def test_keep_last_batch_and_paired_arrays_stay_aligned():
    x = np.arange(23) * 10
    y = np.arange(23)
    batches = list(iterate_minibatches((x, y), 5, np.random.default_rng(1), drop_last=False))
    assert [len(bx) for bx, _ in batches] == [5, 5, 5, 5, 3]
    for bx, by in batches:
        np.testing.assert_array_equal(bx, by * 10)
    assert sorted(np.concatenate([by for _, by in batches]).tolist()) == list(range(23))


def test_order_comes_from_the_generator_only():
    x = np.arange(50).reshape(25, 2)
    run = lambda seed: np.concatenate(list(iterate_minibatches(x, 4, np.random.default_rng(seed))))
    np.testing.assert_array_equal(run(7), run(7))
    assert not np.array_equal(run(7), run(8))
    rng = np.random.default_rng(7)
    first, second = (np.concatenate(list(iterate_minibatches(x, 4, rng))) for _ in range(2))
    assert not np.array_equal(first, second)  # the generator advances: each epoch differs


def test_bad_arguments_are_rejected():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="numpy Generator"):
        iterate_minibatches(np.arange(4), 2, 0)
    with pytest.raises(TypeError, match="numpy Generator"):
        iterate_minibatches(np.arange(4), 2, np.random)
    with pytest.raises(ValueError, match="batch_size"):
        iterate_minibatches(np.arange(4), 0, rng)
    with pytest.raises(ValueError, match="differ in length"):
        iterate_minibatches((np.arange(4), np.arange(5)), 2, rng)


def test_a_device_generator_is_refused_with_the_reason():
    with fake_cuda() as cupy:
        with pytest.raises(TypeError, match="on the host"):
            iterate_minibatches(np.arange(4), 2, cupy.random.default_rng(0))


def test_a_device_data_set_is_shuffled_on_the_host_and_batched_on_the_device():
    x = np.arange(40.0).reshape(20, 2)
    with fake_cuda() as cupy:
        batches = list(iterate_minibatches(to_device(x, "cuda"), 4, np.random.default_rng(3)))
        assert all(device_of(b) == "cuda" for b in batches)
        expected = list(iterate_minibatches(x, 4, np.random.default_rng(3)))
        for got, want in zip(batches, expected, strict=True):
            np.testing.assert_array_equal(to_numpy(got), want)
        assert cupy.host_reads == len(batches)                   # the to_numpy calls above, nothing else
