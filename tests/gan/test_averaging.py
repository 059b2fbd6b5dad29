import numpy as np
import pytest

from minigan import nn
from minigan.backend import device_of, to_numpy
from minigan.gan.averaging import WeightAverage, recalibrate_batch_norm
from tests.fake_device import fake_cuda
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


def _average_arrays(average):
    """Every array the average owns: its twin's parameters, gradients and buffers."""
    twin = average.average
    return {f"{kind}/{k}": v for kind, store in (("params", twin.params), ("grads", twin.grads),
                                                  ("buffers", twin.buffers)) for k, v in store.items()}


def _moved_model():
    model = nn.Sequential(nn.Dense(3, 4, rng=1), nn.BatchNorm1d(4), nn.ReLU(), nn.Dense(4, 2, rng=2))
    model.forward(np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32))
    return model


@pytest.mark.parametrize("order", ["build, then move", "move, then build", "move there and back"])
def test_average_follows_the_model_to_its_device_in_any_order(order):
    with fake_cuda():
        model = _moved_model()
        if order == "move, then build":
            model.to("cuda")
        average = WeightAverage(model, decay=0.9)
        if order == "build, then move":
            model.to("cuda")
        old = {k: to_numpy(v).astype(np.float64) for k, v in model.params.items()}
        for p in model.params.values():
            p += 1                                               # G's step moved the weights
        if order == "move there and back":
            model.to("cuda")
            average.update(model)
            old = {k: to_numpy(v).astype(np.float64) for k, v in average.average.params.items()}
            model.to("cpu")
        beta = average.beta()
        average.update(model)
        device = "cpu" if order == "move there and back" else "cuda"
        for name, a in _average_arrays(average).items():
            assert device_of(a) == device and a.dtype == np.float32, name
        for name, p in model.params.items():
            expected = beta * old[name] + (1 - beta) * to_numpy(p)
            np.testing.assert_allclose(to_numpy(average.average.params[name]), expected, rtol=1e-6, err_msg=name)
        np.testing.assert_array_equal(to_numpy(average.average.buffers["1.running_mean"]),
                                      to_numpy(model.buffers["1.running_mean"]))


def test_average_follows_the_model_to_its_dtype():
    model = _moved_model()
    average = WeightAverage(model, decay=0.9)
    model.astype("float64")
    for p in model.params.values():
        p += 1.0 / 3                                             # not representable in float32
    old = {k: v.astype(np.float64) for k, v in average.average.params.items()}
    beta = average.beta()
    average.update(model)
    for name, a in _average_arrays(average).items():
        assert a.dtype == np.float64, name
    for name, p in model.params.items():
        np.testing.assert_allclose(average.average.params[name], beta * old[name] + (1 - beta) * p, rtol=1e-14)


def test_averaging_reads_nothing_back_from_the_device():
    with fake_cuda() as cupy:
        model = _moved_model().to("cuda")
        average = WeightAverage(model, decay=0.999)
        for _ in range(3):
            average.update(model)
        assert cupy.host_reads == 0


def test_a_trainer_built_on_the_host_then_moved_keeps_its_average_and_replay_with_the_networks():
    trainer = toy_trainer(seed=2, g_average=0.99, replay_size=64, replay_fraction=0.5)
    with fake_cuda():
        trainer.G.to("cuda")
        trainer.D.to("cuda")
        for _ in range(3):
            trainer.train_step()
        owned = {**_average_arrays(trainer.G_average), "replay/items": trainer.replay.items}
        assert {name: device_of(a) for name, a in owned.items()} == {name: "cuda" for name in owned}
        arrays, _ = trainer.state()                               # a checkpoint takes host copies
        assert device_of(arrays["replay/items"]) == "cpu"
