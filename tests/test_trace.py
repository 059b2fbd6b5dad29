import numpy as np
import pytest

from minigan.__main__ import main
from minigan.reference.replay import read_trace, replay
from minigan.trace import Tracer, build_trainer, leaf_layers, trace_step
from tests.fake_device import fake_cuda

D_STEP = [("G", "forward"), ("D", "forward"), ("D", "backward"), ("D", "forward"), ("D", "backward")]
G_STEP = [("D", "forward"), ("D", "backward"), ("G", "backward")]


def toy_trainer(seed=0):
    return build_trainer("toy", batch_size=6, seed=seed)


def patched(*models):
    return [(path, name) for m in models for path, layer in leaf_layers(m, "M") for name in ("forward", "backward")
            if name in vars(layer)]


@pytest.mark.parametrize("fresh", [False, True])
def test_one_step_runs_g_forward_d_forward_d_backward_then_g_backward(fresh):
    trainer = toy_trainer()
    trainer.config.g_fresh_noise = fresh          # G's step reuses the D step's fake, or runs G again
    tracer = trace_step(trainer)
    assert tracer.phases() == D_STEP + [("G", "forward")] * fresh + G_STEP
    assert tracer.order().startswith("G forward -> D forward -> D backward")
    n_G, n_D = len(trainer.G.layers), len(trainer.D.layers)
    assert len(tracer.events) == (1 + fresh) * n_G + 3 * 2 * n_D + n_G
    # within a run, forward goes up the layers and backward comes down
    g_forward = [e.layer for e in tracer.events[:n_G]]
    g_backward = [e.layer for e in tracer.events[-n_G:]]
    assert g_forward == [f"G.{i}" for i in range(n_G)] and g_backward == g_forward[::-1]
    sections = [e.section for e in tracer.events]
    assert sections[0] == "step 1: discriminator step" and sections[-1] == "step 1: generator step"


def test_modules_and_trainer_are_restored_and_numbers_unchanged():
    traced, plain = toy_trainer(), toy_trainer()
    trace_step(traced)
    plain.train_step()
    assert patched(traced.G, traced.D) == []
    assert not {"discriminator_step", "generator_step"} & set(vars(traced))
    for a, b in ((traced.G, plain.G), (traced.D, plain.D)):
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
    # nothing is recorded once the block is left
    tracer = Tracer({"G": traced.G})
    with tracer:
        pass
    traced.G.forward(traced.noise(3))
    assert tracer.events == []


def test_restored_after_an_exception_and_an_instance_override_survives():
    trainer = toy_trainer()
    first = trainer.G.layers[0]
    own = first.forward
    first.forward = lambda x: own(x)                    # someone's own instance patch
    mine = first.forward
    with pytest.raises(RuntimeError):
        with Tracer({"G": trainer.G, "D": trainer.D}):
            assert first.forward is not mine
            raise RuntimeError("stop")
    assert first.forward is mine and "backward" not in vars(first)
    assert patched(trainer.D) == []


def test_events_chain_and_parameter_gradients_add_up():
    trainer = toy_trainer()
    tracer = trace_step(trainer)
    events = tracer.events
    chained = 0
    for prev, e in zip(events, events[1:]):
        for role, earlier in (("x", "y"), ("dy", "dx")):
            if e.lines.get(role) == f"= {earlier} of #{prev.index}":
                np.testing.assert_array_equal(dict(e.tensors)[role], dict(prev.tensors)[earlier])
                chained += 1
    assert chained > len(events) / 2
    d_step = [e for e in events
              if e.section.endswith("discriminator step") and e.model == "D" and e.phase == "backward"]
    g_step = [e for e in events if e.section.endswith("generator step") and e.model == "D" and e.phase == "backward"]
    # D's own step: its first layer's input gradient is not computed; its weights get gradients
    first = [e for e in d_step if e.layer == "D.0"]
    assert len(first) == 2 and all(dict(e.tensors)["dx"] is None for e in first)
    summed = sum(dict(e.tensors)["dweight"] for e in first)
    np.testing.assert_allclose(summed, trainer.D.layers[0].grads["weight"], rtol=1e-6)
    # the G step goes through D without touching D's weights: no d<param> recorded there
    assert all(len(e.tensors) == 2 and dict(e.tensors)["dx"] is not None for e in g_step)


def test_save_writes_a_readable_report_and_the_arrays(tmp_path):
    tracer = trace_step(toy_trainer(), tmp_path / "trace", values=3)
    text = (tmp_path / "trace" / "trace.txt").read_text()
    assert "order: G forward -> D forward" in text and "== step 1: generator step ==" in text
    assert "dweight" in text and "= y of #1" in text and "None (not computed" in text
    with np.load(tmp_path / "trace" / "trace.npz") as npz:
        keys = set(npz.files)
        assert "001.G.0.forward.x" in keys and keys == set(tracer.arrays()) | set(tracer.extra) | {"meta"}
        np.testing.assert_array_equal(npz["001.G.0.forward.y"], dict(tracer.events[0].tensors)["y"])


def test_the_trace_command_on_a_small_dcgan(tmp_path, capsys):
    status = main(["trace", "--model", "dcgan", "--data", "noise", "--width", "4", "--batch-size", "4",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0 and "G forward -> D forward -> D backward" in out
    text = (tmp_path / "trace.txt").read_text()
    assert "ConvTranspose2d(8, 4" in text and "(4, 1, 28, 28)" in text


def test_without_arrays_only_the_summaries_are_kept(tmp_path):
    tracer = trace_step(toy_trainer(), keep_arrays=False)
    assert all(a is None for e in tracer.events for _, a in e.tensors)
    assert tracer.arrays() == {}
    assert [p.name for p in tracer.save(tmp_path)] == ["trace.txt"]
    assert "norm" in (tmp_path / "trace.txt").read_text() and not (tmp_path / "trace.npz").exists()


def test_events_chain_on_a_device_too():
    from minigan.nn import Dense, ReLU, Sequential
    with fake_cuda() as cupy:
        model = Sequential(Dense(3, 4, rng=0), ReLU(), Dense(4, 2, rng=1)).to("cuda")
        with Tracer({"M": model}) as tracer:
            model.forward(cupy.ones((5, 3), dtype=np.float32))
            model.backward(cupy.ones((5, 2), dtype=np.float32))
    lines = [e.lines for e in tracer.events]
    assert [line.get("x") for line in lines[1:3]] == ["= y of #1", "= y of #2"]
    assert [line.get("dy") for line in lines[4:6]] == ["= dx of #4", "= dx of #5"]
    assert all(isinstance(a, np.ndarray) for e in tracer.events for _, a in e.tensors if a is not None)


@pytest.fixture(scope="module")
def dcgan_trace(tmp_path_factory):
    out = tmp_path_factory.mktemp("trace")
    status = main(["trace", "--model", "dcgan", "--data", "noise", "--width", "4", "--batch-size", "4",
                   "--dtype", "float64", "--out", str(out)])
    assert status == 0
    return out / "trace.npz"


def test_the_trace_file_holds_state_batches_and_settings(dcgan_trace):
    meta, arrays = read_trace(dcgan_trace)
    assert meta["dtype"] == "float64" and meta["builder"]["dtype"] == "float64" and meta["steps"] == 1
    assert [kind for kind, _ in meta["networks"]["G"]][:4] == ["Dense", "BatchNorm1d", "ReLU", "Reshape"]
    assert meta["optimizers"]["D"]["name"] == "adam" and meta["optimizers"]["D"]["hyper"]["betas"] == [0.5, 0.999]
    assert {"input/noise/0", "input/real/0"} <= set(arrays) and "input/noise/1" not in arrays
    for when in ("before", "after"):
        assert arrays[f"state/{when}/G.0.weight"].dtype == np.float64
        assert f"state/{when}/D.3.running_var" in arrays
    assert "optimizer/after/G/0.weight/exp_avg_sq" in arrays
    assert not any(k.startswith("optimizer/before") for k in arrays)             # Adam's state starts at step 1
    np.testing.assert_array_equal(arrays["input/noise/0"], arrays["001.G.0.forward.x"])


def test_a_trace_replays_from_the_file_alone(dcgan_trace, tmp_path):
    result = replay(dcgan_trace)
    assert result.status == "passed" and len(result.tensors) > 30 and result.max_abs_error == 0.0
    with np.load(dcgan_trace) as npz:                       # a changed after-state is found
        arrays = dict(npz)
    arrays["state/after/D.0.weight"] = arrays["state/after/D.0.weight"] + 1e-6
    np.savez(tmp_path / "t.npz", **arrays)
    failed = replay(tmp_path / "t.npz")
    assert failed.status == "failed" and [t.name for t in failed.failing] == ["state/after/D.0.weight"]


def test_a_later_step_replays_with_the_optimizer_state_before_it(tmp_path):
    trainer = build_trainer("toy", batch_size=6, seed=3, dtype="float64")
    trainer.train_step()
    trace_step(trainer, tmp_path, steps=2)
    meta, arrays = read_trace(tmp_path / "trace.npz")
    assert meta["optimizers"]["G"]["step_count"] == 1 and "optimizer/before/G/0.weight/exp_avg" in arrays
    assert replay(tmp_path / "trace.npz").status == "passed"


def test_another_implementation_replays_the_trace_from_the_file(dcgan_trace):
    """The independent NumPy implementation builds the networks from meta, runs one step on the
    recorded batches and lands on the recorded state after it."""
    from minigan.reference import PRESETS
    from tests.reference.independent import build
    from tests.reference.independent.training import TrainStep
    meta, arrays = read_trace(dcgan_trace)
    config = {**meta["networks"], "optimizer": meta["optimizers"]["G"]}
    weights = {k[len("state/before/"):]: v for k, v in arrays.items() if k.startswith("state/before/")}
    _, after = TrainStep(build, config).run(weights, arrays["input/noise/0"], arrays["input/real/0"])
    rtol, atol = PRESETS["float64"]
    for name, value in after.items():
        np.testing.assert_allclose(value, arrays[f"state/after/{name}"], rtol=rtol, atol=atol, err_msg=name)
