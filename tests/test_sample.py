"""python -m minigan sample: grids and arrays from a shipped generator or a checkpoint."""
import numpy as np
import pytest

from minigan.__main__ import main
from minigan.data.batches import EpochSampler
from minigan.gan import GANConfig, GANTrainer
from minigan.gan.conditional import ConditionalGANTrainer
from minigan.models.conditional import conditional_discriminator, conditional_generator
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.optim import Adam
from minigan.pretrained import path_of
from minigan.sample import draw


def checkpoint(tmp_path, conditional):
    rng = np.random.default_rng(0)
    if conditional:
        G, D, cls = conditional_generator(rng=rng), conditional_discriminator(rng=rng), ConditionalGANTrainer
    else:
        G, D, cls = dcgan_generator(rng=rng), dcgan_discriminator(rng=rng), GANTrainer
    x = rng.uniform(-1, 1, (8, 1, 28, 28)).astype(np.float32)
    trainer = cls(G, D, Adam(G), Adam(D), EpochSampler(x, np.arange(8)), GANConfig(batch_size=4, z_dim=100))
    path = tmp_path / f"checkpoint_{conditional}.npz"
    trainer.save(path)
    return path, G


@pytest.mark.parametrize("conditional", [False, True])
def test_writes_images_and_grids_of_the_promised_shape(tmp_path, conditional):
    path, _ = checkpoint(tmp_path, conditional)
    name = "fashion-cgan" if conditional else "fashion-dcgan"
    label = ["--label", "3"] if conditional else []
    assert main(["sample", name, "--n", "6", "--out", str(tmp_path / "x.npy"), "--checkpoint", str(path), *label]) == 0
    images = np.load(tmp_path / "x.npy")
    assert images.shape == (6, 28, 28) and images.dtype == np.float32 and np.abs(images).max() <= 1
    assert main(["sample", name, "--n", "4", "--out", str(tmp_path / "g.png"), "--checkpoint", str(path)]) == 0
    assert (tmp_path / "g.png").stat().st_size > 0


def test_checkpoint_weights_are_the_trained_generators(tmp_path):
    path, G = checkpoint(tmp_path, conditional=False)
    from minigan.gan.sampling import generate, latent_inputs
    expected = generate(G, latent_inputs(5, 100, np.random.default_rng(7)))
    np.testing.assert_array_equal(draw("fashion-dcgan", 5, seed=7, checkpoint=path), expected)
    assert not np.array_equal(draw("fashion-dcgan", 5, seed=8, checkpoint=path), expected)


def test_the_label_chooses_the_class(tmp_path):
    path, _ = checkpoint(tmp_path, conditional=True)
    a, b = (draw("fashion-cgan", 3, seed=0, label=k, checkpoint=path) for k in (1, 2))
    assert not np.allclose(a, b)


@pytest.mark.parametrize("argv", [["fashion-dcgan", "--label", "1"], ["fashion-cgan", "--label", "10"],
                                  ["fashion-dcgan", "--n", "0"], ["gan-of-my-own"]])
def test_bad_arguments_exit_two(tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", *argv, "--out", str(tmp_path / "x.npy")])
    assert exit_info.value.code == 2


def test_bad_suffix_exits_two(tmp_path):
    path, _ = checkpoint(tmp_path, conditional=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "fashion-dcgan", "--out", str(tmp_path / "x.jpg"), "--checkpoint", str(path)])
    assert exit_info.value.code == 2


@pytest.mark.skipif(not path_of("fashion-dcgan").exists(), reason="no shipped fashion-dcgan generator")
def test_shipped_generator_draws(tmp_path):
    assert main(["sample", "fashion-dcgan", "--n", "16", "--out", str(tmp_path / "s.npy"), "--seed", "3"]) == 0
    assert np.load(tmp_path / "s.npy").shape == (16, 28, 28)


@pytest.mark.skipif(not (path_of("fashion-cgan").exists() and path_of("fashion-classifier").exists()),
                    reason="no shipped fashion-cgan generator or classifier")
def test_shipped_conditional_generator_draws_the_class_asked_for(tmp_path):
    from minigan.models.classifier import predict_proba
    from minigan.pretrained import load_pretrained
    assert main(["sample", "fashion-cgan", "--n", "64", "--label", "7", "--out", str(tmp_path / "s.npy")]) == 0
    images = np.load(tmp_path / "s.npy")
    assert images.shape == (64, 28, 28) and images.min() >= -1 and images.max() <= 1
    predicted = predict_proba(load_pretrained("fashion-classifier"), images[:, None]).argmax(axis=1)
    assert (predicted == 7).mean() >= 0.7            # class 7, Sneaker


def test_a_loose_truncation_changes_nothing_and_a_tight_one_changes_the_images(tmp_path):
    path, _ = checkpoint(tmp_path, conditional=False)
    plain = draw("fashion-dcgan", 6, seed=2, checkpoint=path)
    np.testing.assert_array_equal(draw("fashion-dcgan", 6, seed=2, checkpoint=path, truncation=1e6), plain)
    assert not np.allclose(draw("fashion-dcgan", 6, seed=2, checkpoint=path, truncation=0.5), plain)
    assert main(["sample", "fashion-dcgan", "--n", "3", "--truncation", "0.7", "--out", str(tmp_path / "t.npy"),
                 "--checkpoint", str(path)]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"),
                                  draw("fashion-dcgan", 3, seed=0, checkpoint=path, truncation=0.7))


@pytest.mark.parametrize("value", ["0", "-1", "nan", "x", "0.001"])
def test_a_truncation_below_the_floor_exits_two(tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "fashion-dcgan", "--truncation", value, "--out", str(tmp_path / "x.npy")])
    assert exit_info.value.code == 2
    assert "at least 0.01" in capsys.readouterr().err


@pytest.mark.skipif(not path_of("fashion-cgan").exists(), reason="fashion-cgan is not shipped")
def test_truncation_makes_the_shipped_cgan_draw_its_hardest_classes_more_faithfully():
    """Shirt and Coat are the shipped conditional generator's weakest rows: truncating its
    codes at 1.5 must raise the share the classifier assigns to the class asked for."""
    from minigan.runs.image_run import class_accuracy
    from minigan.pretrained import load_pretrained
    classifier = load_pretrained("fashion-classifier")
    for label in (4, 6):                                            # Coat, Shirt
        plain, cut = (class_accuracy(classifier, draw("fashion-cgan", 300, seed=1, label=label, truncation=t),
                                     np.full(300, label))[label] for t in (None, 1.5))
        assert cut > plain + 0.03, (label, plain, cut)
