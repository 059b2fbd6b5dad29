import numpy as np
import pytest

from minigan import nn
from minigan.gan.averaging import WeightAverage, recalibrate_batch_norm
from tests.gan.helpers import snapshot, toy_trainer


def test_average_follows_the_formula_over_a_sequence_of_weights():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Dense(3, 4, rng=1, dtype="float64"), nn.ReLU(), nn.Dense(4, 2, rng=2, dtype="float64"))
    average = WeightAverage(model, decay=0.9)
    expected = {k: v.copy() for k, v in model.params.items()}
    for t in range(30):
        for name, p in model.params.items():
            p += rng.standard_normal(p.shape)                    # the "training" moves the weights
        beta = min(0.9, (1 + t) / (10 + t))                      # warm-up, then the decay
        expected = {k: beta * expected[k] + (1 - beta) * model.params[k] for k in expected}
        average.update(model)
        for name in expected:
            np.testing.assert_allclose(average.average.params[name], expected[name], rtol=1e-12, err_msg=name)
    assert average.updates == 30


def test_average_is_its_own_network_and_copies_buffers():
    model = nn.Sequential(nn.Dense(3, 4, rng=1), nn.BatchNorm1d(4))
    model.forward(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))
    average = WeightAverage(model, decay=0.999)
    before = {k: v.copy() for k, v in model.params.items()}
    average.update(model)
    for name in before:                                          # averaging never touches the model
        np.testing.assert_array_equal(model.params[name], before[name])
        assert average.average.params[name] is not model.params[name]
    model.forward(np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32) + 5)
    average.update(model)
    np.testing.assert_array_equal(average.average.buffers["1.running_mean"], model.buffers["1.running_mean"])
    assert not average.average.training


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5])
def test_decay_outside_the_open_interval_is_refused(decay):
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(nn.Dense(2, 2), decay)


def test_averaging_does_not_change_the_game():
    plain, averaged = toy_trainer(seed=3), toy_trainer(seed=3, g_average=0.99)
    plain.fit(15, progress=False)
    averaged.fit(15, progress=False)
    assert plain.history.records == averaged.history.records
    expected = snapshot(plain)
    for key, value in snapshot(averaged).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)
    assert plain.sampler is plain.G and averaged.sampler is averaged.G_average.average
    moved = [k for k in averaged.G.params if not np.allclose(averaged.sampler.params[k], averaged.G.params[k])]
    assert moved                                                  # the average lags behind G


def test_average_resumes_exactly(tmp_path):
    straight = toy_trainer(seed=5, g_average=0.95)
    straight.fit(12, progress=False)
    first = toy_trainer(seed=5, g_average=0.95)
    first.fit(5, progress=False, checkpoint_path=tmp_path / "c.npz")
    resumed = toy_trainer(seed=5, g_average=0.95)
    resumed.load(tmp_path / "c.npz")
    resumed.fit(12, progress=False)
    assert resumed.G_average.updates == straight.G_average.updates == 12
    for name, value in straight.sampler.state_dict().items():
        np.testing.assert_array_equal(resumed.sampler.state_dict()[name], value, err_msg=name)


def test_recalibrated_statistics_are_the_average_of_the_batches_own():
    from minigan.nn import BatchNorm1d, Dense, ReLU, Sequential
    model = Sequential(Dense(4, 3, rng=0, dtype="float64"), BatchNorm1d(3, momentum=0.1, dtype="float64"), ReLU())
    rng = np.random.default_rng(1)
    batches = [rng.standard_normal((8, 4)) + k for k in range(5)]
    assert recalibrate_batch_norm(model, batches) == 1
    h = [x @ model.params["0.weight"].T + model.params["0.bias"] for x in batches]     # what BN sees
    np.testing.assert_allclose(model.buffers["1.running_mean"], np.mean([b.mean(axis=0) for b in h], axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(model.buffers["1.running_var"], np.mean([b.var(axis=0, ddof=1) for b in h], axis=0),
                               rtol=1e-12)
    assert not model.training and model.layers[1].momentum == 0.1


def test_recalibration_leaves_a_model_without_batch_norm_alone():
    from minigan.nn import Dense
    model = Dense(3, 2, rng=0)
    before = {k: v.copy() for k, v in model.params.items()}
    assert recalibrate_batch_norm(model, [np.ones((4, 3), np.float32)]) == 0
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])
