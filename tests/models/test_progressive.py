import numpy as np
import pytest

from minigan.gradcheck import check_layer
from minigan.models.dcgan import dcgan_discriminator, dcgan_generator
from minigan.models.progressive import GrowthSchedule, ProgressiveGAN
from minigan.nn import AvgPool2d, FadeIn, MinibatchStdDev, PixelNorm, Scale, Sequential, Upsample2d


def tiny(dtype="float64", style="karras"):
    return ProgressiveGAN(z_dim=3, widths=(4, 3, 2) if style == "karras" else (4, 3, 1), rng=0, dtype=dtype,
                          style=style)


@pytest.mark.parametrize("style", ["karras", "dcgan"])
def test_every_phase_maps_noise_to_its_size_and_back_to_a_logit(rng, style):
    growth = ProgressiveGAN(z_dim=128, widths=(64, 32, 16) if style == "karras" else (64, 32, 1), rng=0, style=style)
    z = rng.standard_normal((8, 128)).astype(np.float32)
    for level, alpha in ((0, None), (1, 0.5), (1, None), (2, 0.25), (2, None)):
        G, D = growth.generator(level, alpha), growth.discriminator(level, alpha)
        x = G.forward(z)
        assert x.shape == (8, 1, 7 * 2 ** level, 7 * 2 ** level) and x.dtype == np.float32
        assert np.abs(x).max() <= 1
        assert D.forward(x).shape == (8, 1)
        assert (alpha is not None) == any(isinstance(m, FadeIn) for m in G.modules())


@pytest.mark.parametrize("style", ["karras", "dcgan"])
def test_fade_ends_are_the_old_and_the_new_networks(rng, style):
    growth = tiny(style=style)
    z, x = rng.standard_normal((4, 3)), rng.standard_normal((4, 1, 28, 28))
    for level in (1, 2):
        old_G, new_G = growth.generator(level - 1), growth.generator(level)
        old_D, new_D = growth.discriminator(level - 1), growth.discriminator(level)
        size = 7 * 2 ** level
        x_level = AvgPool2d(28 // size).forward(x)
        np.testing.assert_allclose(growth.generator(level, 0.0).forward(z),
                                   Upsample2d(2).forward(old_G.forward(z)), rtol=1e-12)
        np.testing.assert_allclose(growth.generator(level, 1.0).forward(z), new_G.forward(z), rtol=1e-12)
        np.testing.assert_allclose(growth.discriminator(level, 0.0).forward(x_level),
                                   old_D.forward(AvgPool2d(2).forward(x_level)), rtol=1e-12)
        np.testing.assert_allclose(growth.discriminator(level, 1.0).forward(x_level), new_D.forward(x_level),
                                   rtol=1e-12)


@pytest.mark.parametrize("style", ["karras", "dcgan"])
def test_phases_share_the_blocks_weights(style):
    """Each phase's networks hold the very arrays of the shared blocks: training one phase trains them."""
    growth = tiny(style=style)
    ids = lambda *nets: {id(p) for net in nets for p in net.params.values()}  # noqa: E731
    for level in (1, 2):
        kept = ids(*growth.g_blocks[:level])
        for G in (growth.generator(level, 0.3), growth.generator(level)):
            assert kept < ids(G)
        both_rgb = growth.to_rgb[level - 1:level + 1]
        assert ids(growth.generator(level, 0.3)) == kept | ids(growth.g_blocks[level], *both_rgb)
        assert ids(growth.generator(level)) == kept | ids(growth.g_blocks[level], growth.to_rgb[level])
        lower = ids(*growth.d_blocks[:level])
        assert ids(growth.discriminator(level, 0.3)) == lower | ids(growth.d_blocks[level],
                                                                     *growth.from_rgb[level - 1:level + 1])
        assert ids(growth.discriminator(level)) == lower | ids(growth.d_blocks[level], growth.from_rgb[level])


@pytest.mark.parametrize("style", ["karras", "dcgan"])
@pytest.mark.parametrize("level,alpha", [(0, None), (1, 0.4), (2, 0.7), (2, None)])
def test_generator_into_discriminator_gradients(level, alpha, style):
    """A whole phase, G then D, against finite differences for z and a sample of every parameter
    (batch norm in training mode: each output depends on the whole batch)."""
    growth = tiny(style=style)
    model = Sequential(*growth.generator(level, alpha).layers, *growth.discriminator(level, alpha).layers)
    if style == "dcgan":       # N(0, 0.02) weights keep pre-activations within a difference step of the kinks
        draw = np.random.default_rng(1)
        for name, p in list(model.params.items()):
            model.params[name] = draw.normal(0.0, 0.5, p.shape)
    z = np.random.default_rng(level).standard_normal((4, 3))
    report = check_layer(model, z, max_elements=6, rtol=1e-5, atol=1e-8)
    assert report.ok, str(report)


def test_equalised_weights_everywhere():
    growth = ProgressiveGAN(rng=0)
    for part in growth.parts().values():
        for m in part.modules():
            if "weight" in m.params:
                w = m.params["weight"]
                if w.size >= 100:
                    assert abs(float(w.std()) - 1) < 0.2, (m, w.std())     # stored N(0, 1)
                assert not m.params["bias"].any()


def test_dcgan_style_grows_into_the_dcgan(rng):
    """At 28 x 28 the dcgan style is minigan.models.dcgan's G, and its D with the minibatch
    standard deviation before the last layer: with the same weights, the same images, and the
    same features in front of the standard deviation and D's last layer."""
    growth = ProgressiveGAN(z_dim=100, widths=(128, 64, 1), rng=0, style="dcgan", dtype="float64")
    G, D = growth.generator(2), growth.discriminator(2)
    G_ref, D_ref = dcgan_generator(rng=1, dtype="float64"), dcgan_discriminator(rng=1, dtype="float64")
    assert [p.shape for p in G.params.values()] == [p.shape for p in G_ref.params.values()]
    for name, p in zip(list(G_ref.params), G.params.values()):
        G_ref.params[name] = p
    z = rng.standard_normal((8, 100))
    x = G.forward(z)
    np.testing.assert_allclose(x, G_ref.forward(z), rtol=1e-12)
    body, last_block = Sequential(*D.layers[:-1]), D.layers[-1]
    assert isinstance(last_block.layers[0], MinibatchStdDev)
    assert last_block.layers[-1].params["weight"].shape == (1, 129 * 49)     # 128 channels and the std-dev
    assert [p.shape for p in body.params.values()] == [p.shape for p in D_ref.params.values()][:-2]
    for name, p in zip(list(D_ref.params)[:-2], body.params.values()):
        D_ref.params[name] = p
    np.testing.assert_allclose(body.forward(x), Sequential(*D_ref.layers[:-2]).forward(x), rtol=1e-12)
    assert not any(isinstance(m, (PixelNorm, Scale)) for part in growth.parts().values() for m in part.modules())


def test_schedule_splits_the_images_and_gives_alpha():
    schedule = GrowthSchedule.from_total(600_000, 64)
    names = [p.name for p in schedule.phases]
    assert names == ["stable_7", "fade_14", "stable_14", "fade_28", "stable_28"]
    assert [p.level for p in schedule.phases] == [0, 1, 1, 2, 2]
    assert sum(p.images for p in schedule.phases) == 600_000
    assert schedule.total_steps == sum(p.images // 64 for p in schedule.phases)
    fade = schedule.phases[1]
    alphas = [fade.alpha(s) for s in range(fade.start + 1, fade.end + 1)]
    assert alphas[-1] == 1 and 0 < alphas[0] <= 1 / fade.steps + 1e-12 and np.all(np.diff(alphas) > 0)
    assert schedule.phases[0].alpha(5) is None
    assert schedule.phase_at(0) is schedule.phases[0] and schedule.phase_at(fade.end) is fade
    assert schedule.phase_at(fade.end + 1) is schedule.phases[2]
    assert schedule.phase_at(10 ** 9) is schedule.phases[-1]


def test_bad_styles_and_widths_are_refused():
    with pytest.raises(ValueError, match="style"):
        ProgressiveGAN(style="stylegan")
    with pytest.raises(ValueError, match="last width"):
        ProgressiveGAN(widths=(128, 64, 32), style="dcgan")


def test_bad_levels_are_refused():
    growth = tiny()
    with pytest.raises(ValueError):
        growth.generator(3)
    with pytest.raises(ValueError):
        growth.discriminator(0, 0.5)
