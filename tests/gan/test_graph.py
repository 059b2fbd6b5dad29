"""The captured training step (gan/graph.py) against the eager one.

On NumPy the "graph" runs the body itself, so these tests check what makes a replay equal to
the eager step, each in its own test: the same numbers step by step, no host read inside the
body, every lasting array updated in place, and no per-step Python value read by the body.
On a GPU the same tests replay a real CUDA graph."""
import numpy as np
import pytest

from minigan import nn, optim
from minigan.backend import to_numpy
from minigan.gan.guards import NonFiniteError
from minigan.nn import fast
from tests.gan.helpers import snapshot, toy_trainer


def on(device, trainer):
    trainer.G.to(device)
    trainer.D.to(device)
    return trainer


def lasting_arrays(trainer):
    """Every array that outlives a step, by a name: weights, gradients, running statistics,
    optimizer moments, scratch and constants, and the body's fixed inputs."""
    arrays = {}
    for net_name, net in (("G", trainer.G), ("D", trainer.D)):
        for store in ("params", "grads", "buffers"):
            for k, v in getattr(net, store).items():
                arrays[f"{net_name}.{store}.{k}"] = v
    for opt_name, opt in (("g_opt", trainer.g_optimizer), ("d_opt", trainer.d_optimizer)):
        for name, slot in opt.state.items():
            for k, v in slot.items():
                arrays[f"{opt_name}.{name}.{k}"] = v
        for name, v in opt.scratch.items():
            arrays[f"{opt_name}.scratch.{name}"] = v
        arrays[f"{opt_name}.constants"] = opt.device_constants
    arrays["real"], arrays["z"] = trainer.captured.real, trainer.captured.z
    return arrays


def assert_same_state(a, b, exact):
    sa, sb = snapshot(a), snapshot(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        if exact:
            np.testing.assert_array_equal(to_numpy(sa[k]), to_numpy(sb[k]), err_msg=k)
        else:
            np.testing.assert_allclose(to_numpy(sa[k]), to_numpy(sb[k]), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("fast_paths, average", [(True, 0.0), (False, 0.0), (True, 0.9)])
def test_captured_steps_equal_eager_steps(device, fast_paths, average):
    with (fast.enabled() if fast_paths else fast.disabled()):
        eager = on(device, toy_trainer(g_average=average))
        captured = on(device, toy_trainer(cuda_graph=True, g_average=average))
        for _ in range(5):
            record_eager, record_captured = eager.train_step(), captured.train_step()
            assert record_eager.keys() == record_captured.keys()
            for k in record_eager:
                assert record_captured[k] == pytest.approx(record_eager[k], rel=1e-6, abs=1e-7), k
        assert captured.captured.steps == 5
        assert captured.g_optimizer.step_count == eager.g_optimizer.step_count == 5
        assert_same_state(eager, captured, exact=device == "cpu")
    if average:                                            # the average took the same five steps
        assert captured.G_average.updates == 5
        for k, v in eager.G_average.average.state_dict().items():
            np.testing.assert_allclose(to_numpy(captured.G_average.average.state_dict()[k]), to_numpy(v),
                                       rtol=0 if device == "cpu" else 1e-5, atol=0 if device == "cpu" else 1e-6)


class HostRead(AssertionError):
    pass


class DeviceLike(np.ndarray):
    """A NumPy array that refuses to be read by the host, as a CuPy array does while a CUDA
    graph is being captured: float(), bool(), int(), .item() and .tolist() raise, and so does
    any of them on what operations and indexing make from it (results stay DeviceLike, 0-d
    ones too)."""

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return np.asarray(array).view(DeviceLike)

    def __array_function__(self, func, types, args, kwargs):          # np.stack, np.concatenate, ...
        return _device_like(super().__array_function__(func, types, args, kwargs))

    def __getitem__(self, index):                                      # x[0] of a 1-d array too
        return _device_like(super().__getitem__(index))

    def _refuse(self, *args, **kwargs):
        raise HostRead("the captured body read a device value on the host")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = item = tolist = _refuse


def _device_like(result):
    if isinstance(result, (np.ndarray, np.generic)):
        return np.asarray(result).view(DeviceLike)
    if isinstance(result, (tuple, list)):
        return type(result)(_device_like(r) for r in result)
    return result


def refuse_to_numpy(*args):
    raise HostRead("the captured body copied a device array to the host")


@pytest.mark.parametrize("model, fast_paths", [("toy", True), ("toy", False), ("dcgan", True)])
def test_the_body_reads_nothing_back_to_the_host(monkeypatch, model, fast_paths):
    import minigan.backend
    import minigan.gan.graph
    trainer = toy_trainer(cuda_graph=True) if model == "toy" else dcgan_trainer("cpu", True)
    with (fast.enabled() if fast_paths else fast.disabled()):
        trainer.train_step()                               # the eager first step makes every array
        step = trainer.captured
        for net in (trainer.G, trainer.D):
            for store in (net.params, net.grads, net.buffers):
                for key in list(store):
                    store[key] = store[key].view(DeviceLike)
        for opt in step.optimizers:
            for slot in opt.state.values():
                for key in slot:
                    slot[key] = slot[key].view(DeviceLike)
            for key in opt.scratch:
                opt.scratch[key] = opt.scratch[key].view(DeviceLike)
            opt.device_constants = opt.device_constants.view(DeviceLike)
        step.real, step.z = step.real.view(DeviceLike), step.z.view(DeviceLike)
        for probe in (lambda: float(step.z.sum()), lambda: bool(np.stack([step.z.all()]).all())):
            with pytest.raises(HostRead):
                probe()                                    # the probe catches host reads
        for module in (minigan.backend, minigan.gan.graph, minigan.gan.trainer):
            monkeypatch.setattr(module, "to_numpy", refuse_to_numpy)
        report = step.body()
    n = trainer.config.batch_size
    assert isinstance(report, DeviceLike) and report.shape == (2 * n + 3,)   # logits, losses, finite flag


@pytest.mark.parametrize("model", ["toy", "dcgan"])
def test_every_lasting_array_is_updated_in_place(device, model):
    trainer = on(device, toy_trainer(cuda_graph=True)) if model == "toy" else dcgan_trainer(device, True)
    trainer.train_step()
    before = lasting_arrays(trainer)
    values = {k: to_numpy(v).copy() for k, v in before.items()}
    for _ in range(3):
        trainer.train_step()
    after = lasting_arrays(trainer)
    replaced = [k for k in before if after[k] is not before[k]]
    assert not replaced, f"a replay would not update these: {replaced}"
    changed = [k for k in before if not np.array_equal(to_numpy(after[k]), values[k])]
    assert any(".running_mean" in k for k in changed) and any("exp_avg" in k for k in changed)


def test_the_body_reads_no_step_counter(monkeypatch):
    """A graph replays the Python values of the step it was captured at. Freeze the
    optimizers' step counts inside the body at that step: the run must not change."""
    eager, captured = toy_trainer(), toy_trainer(cuda_graph=True)
    captured.train_step()
    step = captured.captured
    body = step.body

    def frozen_body():
        counts = [opt.step_count for opt in step.optimizers]
        for opt in step.optimizers:
            opt.step_count = 1
        try:
            return body()
        finally:
            for opt, count in zip(step.optimizers, counts):
                opt.step_count = count
    monkeypatch.setattr(step, "body", frozen_body)
    for _ in range(4):
        captured.train_step()
    for _ in range(5):
        eager.train_step()
    assert_same_state(eager, captured, exact=True)


def test_checkpoint_resume_drops_the_graph_and_continues_exactly(tmp_path):
    eager, first = toy_trainer(), toy_trainer(cuda_graph=True)
    for _ in range(3):
        first.train_step()
    first.save(tmp_path / "run.npz")
    resumed = toy_trainer(cuda_graph=True)
    resumed.train_step()                                   # a graph that loading must drop
    resumed.load(tmp_path / "run.npz")
    assert resumed.captured is None
    for _ in range(2):
        resumed.train_step()
    for _ in range(5):
        eager.train_step()
    assert_same_state(eager, resumed, exact=True)


def test_a_non_finite_gradient_with_finite_losses_stops_training():
    """Only the in-graph flag can see this one: G's first layer puts inf into its own weight
    gradient, after both losses were computed (the last thing the step does before Adam)."""
    trainer = toy_trainer(cuda_graph=True)
    trainer.train_step()
    first = trainer.G.layers[0]
    backward = first.backward

    def poisoned_backward(dy):
        dx = backward(dy)
        first.grads["weight"][0, 0] = np.inf
        return dx
    first.backward = poisoned_backward
    with pytest.raises(NonFiniteError, match=r"step 2: the G loss is [0-9.]+; .*G\[0\] Dense 'weight'.*were updated"):
        trainer.train_step()


def test_refuses_debug_mode(monkeypatch):
    from minigan.nn import validation
    monkeypatch.setattr(validation, "_DEBUG", [True])
    with pytest.raises(ValueError, match="MINIGAN_DEBUG"):
        toy_trainer(cuda_graph=True).train_step()


def test_a_nan_still_stops_training():
    trainer = toy_trainer(cuda_graph=True)
    trainer.train_step()
    trainer.train_step()
    trainer.G.params["0.weight"][0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="step 3"):
        trainer.train_step()


@pytest.mark.parametrize("option", [{"d_steps": 2}, {"penalty": "r1"}, {"instance_noise": 0.1},
                                    {"replay_size": 64}, {"g_fresh_noise": True},
                                    {"feature_matching": 1}, {"clip": 0.1}])
def test_refuses_what_it_cannot_capture(option):
    trainer = toy_trainer(cuda_graph=True, **option)
    with pytest.raises(ValueError, match=next(iter(option))):
        trainer.train_step()


def test_refuses_layers_that_draw_on_the_host():
    trainer = toy_trainer(cuda_graph=True, dropout=True)
    with pytest.raises(ValueError, match="Dropout"):
        trainer.train_step()


@pytest.mark.parametrize("fast_paths", [True, False])
def test_adam_with_device_constants_equals_host_constants(fast_paths):
    rng = np.random.default_rng(0)
    layers = [nn.Dense(70_000, 3, rng=1), nn.Dense(70_000, 3, rng=1)]     # > one Adam piece
    opts = [optim.Adam(layer, lr=1e-2, betas=(0.5, 0.999)) for layer in layers]
    opts[1].constants_on_device()
    with (fast.enabled() if fast_paths else fast.disabled()):
        for _ in range(4):
            grads = {k: rng.standard_normal(p.shape).astype(p.dtype) for k, p in layers[0].params.items()}
            for layer, opt in zip(layers, opts):
                layer.grads = {k: g.copy() for k, g in grads.items()}
                opt.step()
    for k in layers[0].params:
        np.testing.assert_array_equal(layers[0].params[k], layers[1].params[k])
    assert opts[1].device_constants[0] == np.float32(opts[0].host_constants(4)[0])


class NoiseImages:
    """Stand-in image data: uniform noise in [-1, 1], shaped like Fashion-MNIST."""

    def sample(self, n, rng):
        return rng.uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)


def dcgan_trainer(device, graph):
    from minigan.gan import GANConfig, GANTrainer
    from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
    G, D = dcgan_generator(rng=0).to(device), dcgan_discriminator(rng=1).to(device)
    adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
    config = GANConfig(batch_size=32, z_dim=100, seed=0, cuda_graph=graph)
    return GANTrainer(G, D, optim.Adam(G, **adam), optim.Adam(D, **adam), NoiseImages(), config)


@pytest.mark.parametrize("device, fused", [("cpu", False), pytest.param("cuda", False, marks=pytest.mark.cuda),
                                           pytest.param("cuda", True, marks=pytest.mark.cuda)])
def test_dcgan_replays_equal_eager_steps(device, fused):
    """Convolutions, transposed convolutions and 2-D batch norm too; on a GPU with and
    without the fused kernels."""
    from minigan.backend import cuda_available
    if device == "cuda" and not cuda_available():
        pytest.skip("CuPy with a working GPU is not available")
    with fast.cuda_fused(fused):
        eager, captured = dcgan_trainer(device, False), dcgan_trainer(device, True)
        for _ in range(3):
            record_eager, record_captured = eager.train_step(), captured.train_step()
            assert record_captured["g_loss"] == pytest.approx(record_eager["g_loss"], rel=1e-5)
    assert_same_state(eager, captured, exact=device == "cpu")


def test_many_parameter_arrays(device):
    """Ten parameter arrays per network: past the 8 arrays up to which CuPy stacks without a
    host-side pointer table (what the finiteness flag must not use inside a capture)."""
    from minigan.data.toy import get_toy
    from minigan.gan import GANConfig, GANTrainer

    def trainer(graph):
        def mlp(n_in, n_out, seed):
            layers, width = [], n_in
            for i in range(4):
                layers += [nn.Dense(width, 16, rng=seed + i), nn.LeakyReLU(0.2)]
                width = 16
            return nn.Sequential(*layers, nn.Dense(16, n_out, rng=seed + 9)).to(device)
        G, D = mlp(4, 2, 0), mlp(2, 1, 20)
        adam = {"lr": 1e-3, "betas": (0.5, 0.999)}
        config = GANConfig(z_dim=4, batch_size=32, cuda_graph=graph)
        return GANTrainer(G, D, optim.Adam(G, **adam), optim.Adam(D, **adam), get_toy("ring"), config)
    eager, captured = trainer(False), trainer(True)
    assert len(captured.G.params) == len(captured.D.params) == 10
    for _ in range(3):
        eager.train_step(), captured.train_step()
    assert_same_state(eager, captured, exact=device == "cpu")


def test_device_constants_follow_a_model_cast_to_float64():
    layer = nn.Dense(4, 3, rng=0)
    opt = optim.Adam(layer)
    opt.constants_on_device()
    layer.astype("float64")
    layer.grads = {k: np.ones_like(p) for k, p in layer.params.items()}
    opt.step()
    assert opt.device_constants.dtype == np.float64
    assert opt.device_constants[1] == opt.host_constants(1)[1]      # not rounded to float32
