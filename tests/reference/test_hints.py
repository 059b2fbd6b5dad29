"""Each hint fires on the mistake it names and stays silent on unrelated errors."""
import numpy as np
import pytest

from minigan.reference import PRESETS, adapters
from minigan.reference.cases import Case, all_cases
from minigan.reference.hints import distance, error_shape_hint, factor_hint, layout_hint, shape_hint, tensor_hint
from minigan.reference.inputs import inputs as inputs_of
from minigan.reference.probes import probes
from minigan.reference.protocol import run_all

RTOL, ATOL = 1e-9, 1e-12
CASES = {c.name: c for c in all_cases()}
rng = np.random.default_rng(0)


def noise(shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def test_a_batch_mean_where_a_sum_belongs():
    case, inputs = CASES["Dense/bias"], {"x": noise((6, 5))}
    expected = noise(4)
    assert "mean where the batch's sum belongs" in factor_hint(case, inputs, expected / 6, expected, RTOL, ATOL)
    assert "sign is flipped" in factor_hint(case, inputs, -expected, expected, RTOL, ATOL)
    assert factor_hint(case, inputs, expected + noise(4, 0.1), expected, RTOL, ATOL) == ""


def test_transposed_swapped_and_flipped_layouts():
    square, weight = noise((3, 3)), noise((3, 2, 4, 4))
    assert "transposed" in layout_hint(square.T, square, RTOL, ATOL)
    assert "axes 0 and 1 swapped and reshaped" in layout_hint(weight.transpose(1, 0, 2, 3).reshape(3, 2, 4, 4),
                                                                 weight, RTOL, ATOL)
    assert "flipped in both kernel axes" in layout_hint(weight[:, :, ::-1, ::-1], weight, RTOL, ATOL)
    assert layout_hint(weight + 1, weight, RTOL, ATOL) == ""


def test_an_error_constant_per_channel_and_one_constant_everywhere():
    case = CASES["BatchNorm2d/4d-train"]
    expected = noise((2, 3, 3, 4))
    per_channel = np.array([0.1, -0.2, 0.3]).reshape(1, 3, 1, 1)
    assert "same at every position of a channel" in error_shape_hint(case, {}, "y", expected + per_channel, expected,
                                                                      RTOL, ATOL)
    assert "same amount 0.5 everywhere" in error_shape_hint(case, {}, "y", expected + 0.5, expected, RTOL, ATOL)
    rough = expected + noise(expected.shape, 0.1)
    assert error_shape_hint(case, {}, "y", rough, expected, RTOL, ATOL) == ""
    one_position = noise((1, 4))                          # one value per channel: no such hint
    assert error_shape_hint(CASES["BatchNorm1d/2d-eval-batch1"], {}, "y", one_position + 1e-3 * np.arange(4),
                            one_position, RTOL, ATOL) == ""


def test_errors_only_at_the_kink_or_the_far_edge():
    case = CASES["LeakyReLU/slope0.2-kink"]
    x, expected = noise((4, 6)), noise((4, 6))
    x[0, :3] = 0
    wrong = expected.copy()
    wrong[0, 1] += 1
    assert "exactly 0" in error_shape_hint(case, {"x": x}, "dx", wrong, expected, RTOL, ATOL)
    wrong[1, 1] += 1                                     # also where x != 0: not the kink
    assert error_shape_hint(case, {"x": x}, "dx", wrong, expected, RTOL, ATOL) == ""
    y = noise((2, 2, 6, 6))
    edge = y.copy()
    edge[:, :, -1, :] += noise((2, 2, 6))
    assert "last row or column" in error_shape_hint(CASES["ConvTranspose2d/k3-s2-p0-op1"], {}, "y", edge, y, RTOL, ATOL)


def test_shape_hints():
    case = CASES["ConvTranspose2d/k3-s2-p1-op1"]
    assert "output_padding" in shape_hint(case, (2, 2, 5, 5), (2, 2, 6, 6))
    assert "transposed" in shape_hint(case, (4, 3), (3, 4))
    assert "output size formula" in shape_hint(CASES["Conv2d/k3-s2-p0"], (2, 3, 2, 2), (2, 3, 3, 2))


def test_non_finite_loss_values_point_at_the_stable_forms():
    case = CASES["loss/non-saturating/generator-tails"]
    assert "softplus" in tensor_hint(case, {}, "value", np.array(np.inf), np.array(95.8), RTOL, ATOL)


PINNED = [  # case, the wrong convention it must expose, in words of the probe
    ("optimizer/adam/small-gradients", "eps inside"), ("optimizer/adam/small-gradients", "before the bias correction"),
    ("optimizer/adam/eps1e-3", "eps inside"), ("optimizer/adam/default", "without the bias correction"),
    ("optimizer/adam/weight-decay", "decoupled"), ("optimizer/adam/weight-decay", "without weight decay"),
    ("optimizer/sgd/momentum-dampening-weight-decay", "dampening on the first step"),
    ("optimizer/sgd/momentum-dampening-weight-decay", "SGD without weight decay"),
    ("optimizer/rmsprop/small-gradients", "eps inside"),
]


@pytest.mark.parametrize("name, convention", PINNED)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_each_optimizer_convention_moves_its_case_far_beyond_the_float32_tolerance(name, convention, seed):
    case = CASES[name]
    inputs = inputs_of(case, seed, adapters.layer_shapes)
    correct = run_all(case, adapters.factory, inputs)
    variant = next(arrays for text, arrays in probes(case, inputs) if convention in text)
    rtol, atol = PRESETS["float32"]
    assert max(distance(variant[k], correct[k], rtol, atol) for k in correct) > 30


def test_probes_for_a_case_without_any_are_empty():
    assert probes(Case("Tanh/2d", "layer", "Tanh", {"args": {}, "training": True}), {}) == []
