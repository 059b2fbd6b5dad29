"""benchmarks/rescore_generators.py reads a PyTorch run's generator.pt and a minigan run's
checkpoint.npz into minigan's DCGAN generator: the images it draws are those of the network
that was saved (PyTorch's own eval-mode forward, or minigan's saved G)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from minigan.gan.checkpoint import model_arrays, save_checkpoint
from minigan.gan.sampling import generate
from minigan.models.dcgan import dcgan_generator

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def codes(n=16):
    return np.random.default_rng([7, 2]).standard_normal((n, 100)).astype(np.float32)


def test_reads_a_pytorch_generator(tmp_path):
    torch.manual_seed(3)
    G_t, _ = load_benchmark("torch_models").torch_dcgan(torch)
    with torch.no_grad():                                # batch-norm statistics away from 0 and 1
        for m in G_t.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    torch.save(G_t.state_dict(), tmp_path / "generator.pt")
    G = load_benchmark("rescore_generators").load_generator(tmp_path)
    G_t.eval()
    with torch.no_grad():
        expected = G_t(torch.from_numpy(codes()))[:, 0].numpy()
    np.testing.assert_allclose(generate(G, codes()), expected, atol=2e-5)


def test_reads_a_minigan_checkpoint(tmp_path):
    saved = dcgan_generator(z_dim=100, rng=np.random.default_rng(5))
    for layer in saved.modules():
        for name in layer.buffers:
            layer.buffers[name] = np.random.default_rng(6).uniform(0.5, 2.0, layer.buffers[name].shape).astype(
                layer.buffers[name].dtype)
    save_checkpoint(tmp_path / "checkpoint.npz", model_arrays(saved, "G"), {"step": 1})
    G = load_benchmark("rescore_generators").load_generator(tmp_path)
    np.testing.assert_array_equal(generate(G, codes()), generate(saved, codes()))


def test_refuses_a_run_that_drew_from_a_weight_average(tmp_path):
    G = dcgan_generator(z_dim=100, rng=np.random.default_rng(5))
    save_checkpoint(tmp_path / "checkpoint.npz", {**model_arrays(G, "G"), **model_arrays(G, "G_average")}, {})
    with pytest.raises(SystemExit, match="weight average"):
        load_benchmark("rescore_generators").load_generator(tmp_path)


def test_refuses_a_directory_without_a_generator(tmp_path):
    with pytest.raises(SystemExit, match="neither checkpoint.npz"):
        load_benchmark("rescore_generators").load_generator(tmp_path)
