"""How one fixture case is driven through an adapter: the adapter protocol, as code.

``run_case`` is used twice: ``export`` runs minigan's adapter and records what comes out,
``check`` runs another implementation's adapter and compares. What goes in and what comes
out, per group (keys as in the .npz file, outputs under "expected/"):

  layer      adapter = factory(kind, config)
             adapter.set_params({name: array})   parameters, buffers and Dropout's "mask"
             y = adapter.forward(x)
             adapter.buffers() -> {name: array}  only asked when the case records buffers
             dx, grads = adapter.backward(dy)
             -> y, dx, grad/<name>, buffer/<name> (buffers after forward)
  loss       adapter = factory("loss", config)
             value, dreal, dfake = adapter.discriminator(real_logits, fake_logits)
             value, dfake = adapter.generator(fake_logits)
             -> value, dreal, dfake
  optimizer  adapter = factory("optimizer", config)
             adapter.set_params({name: array}); then per step t: params = adapter.step({name: grad})
             -> step/<t>/<name>  (the parameters after step t)
  gan_step   adapter = factory("gan_step", config)
             after_d, after_g = adapter.run(weights, noise, real)
             -> after_d/<name>, after_g/<name>

Every array handed to an adapter is a fresh float64 copy, so an adapter may keep or modify it.
"""
import numpy as np

LAYER_STATE = ("param/", "buffer/")


def _strip(arrays, prefix):
    return {k[len(prefix):]: np.array(v, dtype=np.float64) for k, v in arrays.items() if k.startswith(prefix)}


def run_layer(adapter, case, arrays, wants_buffers):
    state = {}
    for prefix in LAYER_STATE:
        state.update(_strip(arrays, prefix))
    if "mask" in arrays:
        state["mask"] = np.array(arrays["mask"], dtype=np.float64)
    adapter.set_params(state)
    out = {"y": adapter.forward(np.array(arrays["x"], dtype=np.float64))}
    if wants_buffers:
        out.update({f"buffer/{k}": v for k, v in adapter.buffers().items()})
    dx, grads = adapter.backward(np.array(arrays["dy"], dtype=np.float64))
    out["dx"] = dx
    out.update({f"grad/{k}": v for k, v in grads.items()})
    return out


def run_loss(adapter, case, arrays):
    fake = np.array(arrays["fake_logits"], dtype=np.float64)
    if case.config["side"] == "discriminator":
        value, dreal, dfake = adapter.discriminator(np.array(arrays["real_logits"], dtype=np.float64), fake)
        return {"value": value, "dreal": dreal, "dfake": dfake}
    value, dfake = adapter.generator(fake)
    return {"value": value, "dfake": dfake}


def run_optimizer(adapter, case, arrays):
    adapter.set_params(_strip(arrays, "param/"))
    out = {}
    for t in range(case.config["steps"]):
        params = adapter.step(_strip(arrays, f"grad/{t}/"))
        out.update({f"step/{t}/{k}": v for k, v in params.items()})
    return out


def run_gan_step(adapter, case, arrays):
    noise, real = (np.array(arrays[k], dtype=np.float64) for k in ("noise", "real"))
    after_d, after_g = adapter.run(_strip(arrays, "weights/"), noise, real)
    return {**{f"after_d/{k}": v for k, v in after_d.items()}, **{f"after_g/{k}": v for k, v in after_g.items()}}


def run_case(case, factory, arrays, wants_buffers=None):
    """Build the adapter for ``case`` and return its outputs, name -> array (unchecked).

    wants_buffers: layers only; ask ``adapter.buffers()`` after forward (default: for layers
    in training mode that have buffers, i.e. batch norm)."""
    adapter = factory(case.kind, case.config)
    if case.group == "layer":
        if wants_buffers is None:
            wants_buffers = case.config["training"] and any(k.startswith("buffer/") for k in arrays)
        return run_layer(adapter, case, arrays, wants_buffers)
    runner = {"loss": run_loss, "optimizer": run_optimizer, "gan_step": run_gan_step}[case.group]
    return runner(adapter, case, arrays)
