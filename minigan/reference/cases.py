"""The fixture cases: which configurations are recorded, and which convention each one pins.

Every case is a ``Case(name, group, kind, config)``; inputs.py draws its arrays. ``pins`` says
in one line the convention an implementation is most likely to get wrong in that case; the
report prints it beside a failure. Groups:

  layer       one layer's forward, backward and (batch norm) running statistics
  loss        one GAN loss, the discriminator's or the generator's side
  optimizer   five steps of one optimizer from given gradients
  gan_step    one discriminator step and one generator step of a small GAN
"""
import inspect
from dataclasses import dataclass

from ..losses import LOSSES
from ..optim import OPTIMIZERS


@dataclass
class Case:
    name: str
    group: str          # layer | loss | optimizer | gan_step
    kind: str           # the layer class name, or "loss", "optimizer", "gan_step"
    config: dict        # JSON-able; what the factory is given
    shape: tuple = ()   # layers: the input's shape
    scale: float = 1.0  # layers: the input's standard deviation; optimizers: the gradients'
    special: str = ""   # how inputs.py departs from plain normal draws (kink zeros, tails, ...)
    pins: str = ""      # the convention this case pins, printed beside a failure

    @property
    def file(self):
        return self.name.replace("/", "-") + ".npz"


def _pair(v):
    return [v, v] if isinstance(v, int) else list(v)


def _conv(kind, label, cin, cout, k, s, p, hw, op=None, bias=True, pins=""):
    args = dict(in_channels=cin, out_channels=cout, kernel_size=_pair(k), stride=_pair(s),
                padding=_pair(p), bias=bias)
    if op is not None:
        args["output_padding"] = _pair(op)
    return Case(f"{kind}/{label}", "layer", kind, {"args": args, "training": True}, (2, cin) + hw, pins=pins)


def _layer(kind, label, args, shape, training=True, scale=1.0, special="", pins=""):
    return Case(f"{kind}/{label}", "layer", kind, {"args": args, "training": training}, shape, scale, special, pins)


RECTANGULAR = "height and width kept apart: kernel, stride and padding differ per axis"
KINK = {"ReLU": "the derivative at x = 0 exactly is 0 (dx = dy [x > 0])",
        "LeakyReLU": "the derivative at x = 0 exactly is the negative slope (dx = dy if x > 0 else a dy)"}
RUNNING = "running_var takes the unbiased batch variance (times m / (m - 1), m values per channel)"


def conv_cases():
    op = "output_padding adds rows/columns at the bottom/right only, after the padding is cut"
    return [
        _conv("Conv2d", "k3-s1-p1", 2, 3, 3, 1, 1, (5, 5)),
        _conv("Conv2d", "k4-s2-p1", 2, 3, 4, 2, 1, (8, 8), pins="DCGAN's down-sampling convolution"),
        _conv("Conv2d", "k4-s2-p1-no-bias", 2, 3, 4, 2, 1, (8, 8), bias=False),
        _conv("Conv2d", "k1-s1-p0", 2, 3, 1, 1, 0, (5, 4)),
        _conv("Conv2d", "k3-s2-p0", 2, 3, 3, 2, 0, (7, 6), pins="an input the stride does not divide: the last "
                                                                 "column is read by no window (floor division)"),
        _conv("Conv2d", "k3x2-s2x1-p1x0", 2, 3, (3, 2), (2, 1), (1, 0), (6, 5), pins=RECTANGULAR),
        _conv("Conv2d", "k2x3-s1x2-p0x1", 2, 3, (2, 3), (1, 2), (0, 1), (5, 7), pins=RECTANGULAR),
        _conv("Conv2d", "k5-s3-p2", 2, 3, 5, 3, 2, (7, 7)),
        _conv("Conv2d", "k2-s1-p1", 2, 3, 2, 1, 1, (4, 5), pins="padding on both sides of an even kernel: "
                                                                 "the output is one larger than the input"),
        _conv("Conv2d", "k3-s2-p1-even", 2, 3, 3, 2, 1, (6, 6), pins="the last padded row and column are read "
                                                                      "by no window"),
        _conv("ConvTranspose2d", "k4-s2-p1", 3, 2, 4, 2, 1, (3, 3), op=0, pins="DCGAN's up-sampling convolution"),
        _conv("ConvTranspose2d", "k4-s2-p1-no-bias", 3, 2, 4, 2, 1, (3, 3), op=0, bias=False),
        _conv("ConvTranspose2d", "k3-s1-p1", 3, 2, 3, 1, 1, (4, 3), op=0),
        _conv("ConvTranspose2d", "k3-s2-p1-op1", 3, 2, 3, 2, 1, (3, 3), op=1, pins=op),
        _conv("ConvTranspose2d", "k2-s2-p0", 3, 2, 2, 2, 0, (3, 3), op=0),
        _conv("ConvTranspose2d", "k5-s3-p2-op2", 3, 2, 5, 3, 2, (2, 2), op=2, pins=op),
        _conv("ConvTranspose2d", "k3x2-s2x1-p1x0-op1x0", 3, 2, (3, 2), (2, 1), (1, 0), (3, 4), op=(1, 0),
              pins=RECTANGULAR),
        _conv("ConvTranspose2d", "k2x4-s1x2-p0x1-op0x1", 3, 2, (2, 4), (1, 2), (0, 1), (3, 2), op=(0, 1),
              pins=RECTANGULAR),
        _conv("ConvTranspose2d", "k3-s2-p0-op1", 3, 2, 3, 2, 0, (3, 3), op=1,
              pins="output_padding without padding: the last row and column receive only the bias"),
        _conv("ConvTranspose2d", "k1-s2-p0-op1", 3, 2, 1, 2, 0, (3, 3), op=1,
              pins="a kernel smaller than the stride: pixels between the input's get only the bias"),
    ]


def batch_norm_cases():
    bn, other = dict(eps=1e-5, momentum=0.1), dict(eps=1e-3, momentum=0.5)
    cases = []
    for kind, label, shape in (("BatchNorm1d", "2d", (6, 4)), ("BatchNorm1d", "3d", (3, 2, 4)),
                               ("BatchNorm2d", "4d", (2, 3, 3, 4))):
        cases.append(_layer(kind, f"{label}-train", dict(num_features=shape[1], **bn), shape, pins=RUNNING))
        cases.append(_layer(kind, f"{label}-eval", dict(num_features=shape[1], **bn), shape, training=False,
                            pins="eval mode normalises with the running statistics, and dx = dy gamma / "
                                 "sqrt(running_var + eps)"))
    momentum = "momentum weights the new batch statistic: r <- (1 - momentum) r + momentum s"
    cases += [
        _layer("BatchNorm1d", "2d-train-momentum0.5-eps1e-3", dict(num_features=4, **other), (6, 4), pins=momentum),
        _layer("BatchNorm2d", "4d-train-momentum0.5-eps1e-3", dict(num_features=3, **other), (2, 3, 3, 4),
               pins=momentum),
        _layer("BatchNorm1d", "2d-train-batch2", dict(num_features=4, **other), (2, 4),
               pins="two values per channel: the unbiased running variance is twice the biased one"),
        _layer("BatchNorm2d", "4d-train-batch1", dict(num_features=3, **bn), (1, 3, 3, 4),
               pins="a batch of one image: statistics over the m = H*W values of each channel, not over N"),
        _layer("BatchNorm1d", "3d-train-batch1", dict(num_features=2, **bn), (1, 2, 5),
               pins="a batch of one sequence: statistics over the m = L values of each channel, not over N"),
        _layer("BatchNorm1d", "2d-eval-batch1", dict(num_features=4, **bn), (1, 4), training=False,
               pins="one sample in eval mode is defined: the running statistics normalise it"),
        _layer("BatchNorm1d", "2d-train-constant-channel", dict(num_features=4, **bn), (6, 4), special="constant",
               pins="a channel of equal values has variance 0: eps alone keeps 1 / sqrt(var + eps) finite"),
    ]
    return cases


def layer_cases():
    cases = [
        _layer("Dense", "bias", dict(in_features=5, out_features=4, bias=True), (6, 5),
               pins="weight (out, in); the bias gradient sums over the batch"),
        _layer("Dense", "no-bias", dict(in_features=5, out_features=3, bias=False), (6, 5)),
        _layer("Dense", "batch-1", dict(in_features=3, out_features=2, bias=True), (1, 3)),
    ]
    cases += conv_cases() + batch_norm_cases()
    cases += [
        _layer("ReLU", "2d", {}, (4, 5)),
        _layer("ReLU", "4d", {}, (2, 2, 3, 3)),
        _layer("ReLU", "kink", {}, (4, 6), special="kink", pins=KINK["ReLU"]),
    ]
    cases += [_layer("LeakyReLU", f"slope{a}", dict(negative_slope=a), (4, 5)) for a in (0.01, 0.2, 0.5)]
    cases += [
        _layer("LeakyReLU", "slope0.2-kink", dict(negative_slope=0.2), (4, 6), special="kink", pins=KINK["LeakyReLU"]),
        _layer("Tanh", "2d", {}, (4, 5), scale=2.0, pins="dx = dy (1 - y^2), with y the output"),
        _layer("Sigmoid", "2d", {}, (4, 5), scale=3.0),
        _layer("Flatten", "4d", {}, (2, 3, 2, 2)),
        _layer("Reshape", "to-3x2x2", dict(shape=[3, 2, 2]), (3, 12)),
        _layer("MinibatchDiscrimination", "a4-b3-c2", dict(in_features=4, num_kernels=3, kernel_dim=2), (5, 4)),
        _layer("MinibatchDiscrimination", "a3-b2-c4", dict(in_features=3, num_kernels=2, kernel_dim=4), (4, 3)),
        _layer("MinibatchDiscrimination", "kink", dict(in_features=3, num_kernels=2, kernel_dim=3), (5, 3),
               special="kink", pins="two equal samples sit on the kink of the L1 norm: sign(0) = 0"),
        _layer("Dropout", "p0.5-eval", dict(p=0.5), (4, 5), training=False),
        _layer("Dropout", "p0.5-train-mask", dict(p=0.5), (4, 5),
               pins="inverted dropout: y = x * mask with mask 0 or 1/(1-p), given in config['mask']"),
        _layer("Dropout", "p0.2-train-mask", dict(p=0.2), (2, 3, 4)),
    ]
    return cases


TAILS = "logits far in both tails (+-40, +-800) and at 0 and +-1: the stable forms (softplus) stay finite"


def loss_cases():
    cases = []
    for name, cls in LOSSES.items():
        smoothable = "real_label" in inspect.signature(cls).parameters
        for side in ("discriminator", "generator"):
            config = {"name": name, "side": side}
            if smoothable:
                config["real_label"] = 1.0
            cases.append(Case(f"loss/{name}/{side}", "loss", "loss", config,
                              pins="the value is the mean over the batch; inputs are logits"))
            pins = TAILS + ("; at the hinge's kink (margin 0) the gradient is 0" if name == "hinge" else "")
            cases.append(Case(f"loss/{name}/{side}-tails", "loss", "loss", dict(config), special="tails", pins=pins))
        if smoothable:
            config = {"name": name, "side": "discriminator", "real_label": 0.9}
            cases.append(Case(f"loss/{name}/discriminator-real-label-0.9", "loss", "loss", config,
                              pins="one-sided label smoothing: only the real target moves to 0.9"))
    return cases


EPS = "eps is added to sqrt(v_hat), outside the square root, after the bias correction"
OPTIMIZER_SETTINGS = [   # name, label, hyper-parameters, the gradients' scale, what it pins
    ("sgd", "plain", dict(lr=0.1), 1.0, ""),
    ("sgd", "momentum", dict(lr=0.1, momentum=0.9), 1.0, "the first step sets the buffer to g itself"),
    ("sgd", "momentum-dampening-weight-decay", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.1), 1.0,
     "dampening is not applied on the first step; weight decay adds wd * p to g before the momentum"),
    ("sgd", "nesterov", dict(lr=0.1, momentum=0.9, nesterov=True), 1.0, "Nesterov steps along g + momentum v"),
    ("adam", "default", dict(lr=1e-3), 1.0, "m and v are divided by (1 - b^t): the bias correction"),
    ("adam", "dcgan-weight-decay", dict(lr=2e-4, betas=[0.5, 0.999], weight_decay=0.01), 1.0, ""),
    ("adam", "small-gradients", dict(lr=1e-2), 1e-6, EPS),
    ("adam", "eps1e-3", dict(lr=1e-2, betas=[0.5, 0.9], eps=1e-3), 1e-3, EPS),
    ("adam", "weight-decay", dict(lr=1e-2, betas=[0.5, 0.999], weight_decay=0.5), 0.1,
     "weight decay adds wd * p to the gradient before the moments (Adam's L2), not to the step (AdamW)"),
    ("rmsprop", "default", dict(lr=1e-2), 1.0, ""),
    ("rmsprop", "momentum-weight-decay", dict(lr=5e-3, alpha=0.9, momentum=0.5, weight_decay=0.1), 1.0, ""),
    ("rmsprop", "small-gradients", dict(lr=1e-2), 1e-6, "eps is added to sqrt(v), outside the square root"),
]
OPTIMIZER_STEPS = 5


def optimizer_cases():
    cases = []
    for name, label, hyper, scale, pins in OPTIMIZER_SETTINGS:
        full = {k: list(v) if isinstance(v, tuple) else v for k, v in OPTIMIZERS[name].defaults.items()}
        full.update(hyper)
        config = {"name": name, "hyper": full, "steps": OPTIMIZER_STEPS}
        cases.append(Case(f"optimizer/{name}/{label}", "optimizer", "optimizer", config, scale=scale, pins=pins))
    return cases


ADAM = {"name": "adam", "hyper": dict(lr=2e-4, betas=[0.5, 0.999], eps=1e-8, weight_decay=0.0)}
STEP = ("one D step on real and fake as two batches (gradients summed), then one G step through the updated D "
        "on the same fake; G runs forward once, so its running statistics move once; D's move in both steps")


def gan_step_cases():
    """Two small GANs, one discriminator step then one generator step each, with Adam.

    A layer followed by batch norm has no bias: batch norm removes the mean, so that bias's
    gradient would be zero up to rounding, and Adam turns rounding noise into full-size steps
    of random sign."""
    bn = dict(eps=1e-5, momentum=0.1)
    mlp_G = [["Dense", dict(in_features=4, out_features=8, bias=False)], ["BatchNorm1d", dict(num_features=8, **bn)],
             ["ReLU", {}], ["Dense", dict(in_features=8, out_features=2, bias=True)], ["Tanh", {}]]
    mlp_D = [["Dense", dict(in_features=2, out_features=8, bias=True)], ["LeakyReLU", dict(negative_slope=0.2)],
             ["Dense", dict(in_features=8, out_features=1, bias=True)]]

    def conv(kind, cin, cout, bias, **extra):
        return [kind, dict(in_channels=cin, out_channels=cout, kernel_size=[4, 4], stride=[2, 2], padding=[1, 1],
                           bias=bias, **extra)]
    dcgan_G = [["Dense", dict(in_features=4, out_features=32, bias=False)],
               ["BatchNorm1d", dict(num_features=32, **bn)],
               ["ReLU", {}], ["Reshape", dict(shape=[8, 2, 2])],
               conv("ConvTranspose2d", 8, 4, False, output_padding=[0, 0]), ["BatchNorm2d", dict(num_features=4, **bn)],
               ["ReLU", {}], conv("ConvTranspose2d", 4, 1, True, output_padding=[0, 0]), ["Tanh", {}]]
    dcgan_D = [conv("Conv2d", 1, 4, True), ["LeakyReLU", dict(negative_slope=0.2)], conv("Conv2d", 4, 8, False),
               ["BatchNorm2d", dict(num_features=8, **bn)], ["LeakyReLU", dict(negative_slope=0.2)],
               ["Flatten", {}], ["Dense", dict(in_features=32, out_features=1, bias=True)]]
    cases = []
    for label, G, D, batch, data_shape in (
            ("mlp-batchnorm-non-saturating-adam", mlp_G, mlp_D, 8, [2]),
            ("dcgan-conv-batchnorm-non-saturating-adam", dcgan_G, dcgan_D, 4, [1, 8, 8])):
        config = {"G": G, "D": D, "loss": "non-saturating", "optimizer": ADAM, "batch_size": batch, "z_dim": 4,
                  "data_shape": data_shape}
        cases.append(Case(f"gan_step/{label}", "gan_step", "gan_step", config, pins=STEP))
    return cases


def all_cases():
    return layer_cases() + loss_cases() + optimizer_cases() + gan_step_cases()
