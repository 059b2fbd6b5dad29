import numpy as np
import pytest

from minigan.backend import device_of, to_device, to_numpy
from minigan.gan.stabilisers import (ReplayBuffer, add_instance_noise, clip_weights, feature_matching_loss,
                                     instance_noise_std)
from minigan.gradcheck import check_function
from minigan.nn import Dense
from tests.fake_device import fake_cuda
from tests.gan.helpers import toy_trainer


def test_replay_buffer_mixes_past_fakes_into_the_batch(rng):
    buffer = ReplayBuffer(100)
    old = np.full((8, 2), 7.0, np.float32)
    assert buffer.mix(old, 0.5, rng) is old                   # empty buffer: batch unchanged
    new = np.zeros((8, 2), np.float32)
    mixed = buffer.mix(new, 0.5, rng)
    assert mixed.shape == new.shape and mixed.dtype == np.float32
    np.testing.assert_array_equal(mixed[:4], 0.0)             # current fakes kept
    np.testing.assert_array_equal(mixed[4:], 7.0)             # past fakes drawn from the buffer
    assert buffer.count == 16


def test_replay_buffer_is_first_in_first_out():
    buffer = ReplayBuffer(5)
    buffer.push(np.arange(4.0).reshape(4, 1))
    buffer.push(np.arange(4.0, 7.0).reshape(3, 1))
    assert buffer.count == 5 and sorted(buffer.items.ravel()) == [2, 3, 4, 5, 6]


def test_trainer_with_replay_shows_d_old_fakes():
    trainer = toy_trainer(replay_size=64, replay_fraction=1.0)
    trainer.discriminator_step()
    first = trainer.replay.items[:64].copy()
    seen = []
    original = trainer.D.forward
    trainer.D.forward = lambda x: (seen.append(np.array(x)), original(x))[1]
    trainer.discriminator_step()
    fake_batch = seen[1]                                      # [0] is the real batch
    assert all(any(np.array_equal(row, old) for old in first) for row in fake_batch)


def test_one_sided_label_smoothing_changes_only_the_real_target():
    plain, smooth = toy_trainer(seed=1), toy_trainer(seed=1, label_smoothing=0.1)
    assert smooth.loss.real_label == pytest.approx(0.9) and plain.loss.real_label == 1.0
    assert smooth.generator_loss.real_label == 1.0            # G still aims for "real"


def test_instance_noise_anneals_and_perturbs_inputs(rng):
    assert instance_noise_std(0.2, 0, 100) == 0.2
    assert instance_noise_std(0.2, 50, 100) == pytest.approx(0.1)
    assert instance_noise_std(0.2, 150, 100) == 0.0
    x = np.zeros((2000, 2), np.float32)
    noisy = add_instance_noise(x, 0.3, rng)
    assert noisy.dtype == np.float32 and abs(noisy.std() - 0.3) < 0.02 and not x.any()


def test_trainer_instance_noise_reaches_the_discriminator():
    trainer = toy_trainer(instance_noise=0.5, instance_noise_steps=100)
    seen = []
    original = trainer.D.forward
    trainer.D.forward = lambda x: (seen.append(np.array(x)), original(x))[1]
    trainer.discriminator_step()
    real = seen[0]
    distances = np.linalg.norm(real[:, None, :] - trainer.data.modes[None], axis=-1).min(axis=1)
    assert distances.mean() > 0.2        # ring data alone lies within ~0.02 of a mode


def test_feature_matching_gradient_and_trainer_path(rng):
    real, fake = rng.standard_normal((6, 3)), rng.standard_normal((4, 3))
    value, dfake = feature_matching_loss(real, fake)
    assert value == pytest.approx(((real.mean(0) - fake.mean(0)) ** 2).sum())
    assert check_function(lambda f: feature_matching_loss(real, f)[0], lambda d: d * dfake, fake).ok
    trainer = toy_trainer(feature_matching=2)
    record = trainer.train_step()
    assert record["g_loss"] >= 0


def test_clip_weights_in_place():
    layer = Dense(3, 3, rng=0)
    layer.params["weight"] *= 100
    w = layer.params["weight"]
    clip_weights(layer, 0.05)
    assert layer.params["weight"] is w and np.abs(w).max() == pytest.approx(0.05)


def _fakes(value, n=8, dtype=np.float32):
    return np.full((n, 2), value, dtype)


def test_replay_buffer_keeps_device_fakes_on_the_device_without_reading_them_back(rng):
    with fake_cuda() as cupy:
        buffer = ReplayBuffer(16)
        buffer.mix(to_device(_fakes(7.0), "cuda"), 0.5, rng)
        mixed = buffer.mix(to_device(_fakes(0.0), "cuda"), 0.5, rng)
        assert device_of(mixed) == "cuda" and device_of(buffer.items) == "cuda"
        assert cupy.host_reads == 0                               # no round trip through the host
        np.testing.assert_array_equal(to_numpy(mixed), np.r_[_fakes(0.0, 4), _fakes(7.0, 4)])


@pytest.mark.parametrize("first, then", [("cpu", "cuda"), ("cuda", "cpu")])
def test_replay_buffer_follows_the_fakes_to_their_device(rng, first, then):
    with fake_cuda():
        buffer = ReplayBuffer(16)
        buffer.push(to_device(_fakes(7.0), first))
        mixed = buffer.mix(to_device(_fakes(0.0), then), 0.5, rng)
        assert device_of(mixed) == then and device_of(buffer.items) == then
        np.testing.assert_array_equal(to_numpy(mixed)[4:], 7.0)


def test_replay_buffer_follows_the_fakes_to_their_dtype(rng):
    buffer = ReplayBuffer(16)
    buffer.push(_fakes(7.0))
    mixed = buffer.mix(_fakes(1.0 / 3, dtype=np.float64), 0.5, rng)
    assert mixed.dtype == buffer.items.dtype == np.float64
    np.testing.assert_array_equal(buffer.items[8:16], 1.0 / 3)   # stored at full precision


def test_replay_buffer_checkpoints_host_arrays_and_resumes_on_the_device(rng):
    with fake_cuda():
        buffer = ReplayBuffer(16)
        buffer.push(to_device(_fakes(7.0), "cuda"))
        state = buffer.state_dict()
        assert isinstance(state["items"], np.ndarray)            # np.savez can write it
        resumed = ReplayBuffer(16)
        resumed.load_state_dict({k: np.asarray(v) for k, v in state.items()})
        mixed = resumed.mix(to_device(_fakes(0.0), "cuda"), 1.0, rng)
        assert device_of(mixed) == "cuda" and device_of(resumed.items) == "cuda"
        np.testing.assert_array_equal(to_numpy(mixed), 7.0)
