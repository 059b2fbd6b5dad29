"""Kill a training process at arbitrary moments (mid-step, mid-checkpoint-write), resume it,
and require the very parameters an uninterrupted run reaches."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minigan.gan import load_checkpoint
from tests.gan.helpers import snapshot, toy_trainer

ROOT = Path(__file__).resolve().parents[2]
STEPS = 600
WORKER = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.gan.helpers import toy_trainer
path = sys.argv[1]
trainer = toy_trainer(seed=11, replay_size=64, dropout=True)
if os.path.exists(path):
    trainer.load(path)
trainer.fit({STEPS}, progress=False, checkpoint_path=path, checkpoint_every=1)
"""


def run_worker(path, kill_after=None):
    """Run the worker to the end, or SIGKILL it ``kill_after`` seconds after it has written a
    checkpoint newer than the one it started from (so every kill lands mid-training)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    start_mtime = path.stat().st_mtime_ns if path.exists() else None
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(path)], env=env)
    if kill_after is None:
        assert proc.wait(timeout=300) == 0
        return True
    while proc.poll() is None and (not path.exists() or path.stat().st_mtime_ns == start_mtime):
        time.sleep(0.002)
    deadline = time.monotonic() + kill_after
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.002)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@pytest.mark.slow
def test_killed_runs_resume_to_the_uninterrupted_parameters(tmp_path):
    path = tmp_path / "run.npz"
    rng = np.random.default_rng(0)
    kills = 0
    steps_seen = []
    # Writing a checkpoint every step, a kill lands mid-write often; the last one must stay readable.
    for _ in range(4):
        if not run_worker(path, kill_after=rng.uniform(0.0, 0.3)):
            break
        kills += 1
        if path.exists():
            _, meta = load_checkpoint(path)            # never half-written
            steps_seen.append(meta["step"])
    assert kills >= 1 and steps_seen, "the worker finished before it could be killed"
    assert steps_seen == sorted(steps_seen) and steps_seen[-1] < STEPS
    assert all(name == "run.npz" or name.startswith(".tmp-") for name in os.listdir(tmp_path))  # kills may leave temp files
    run_worker(path)

    # The uninterrupted run in a process of its own too: same BLAS threading, same arithmetic.
    run_worker(tmp_path / "straight.npz")
    straight = toy_trainer(seed=11, replay_size=64, dropout=True)
    straight.load(tmp_path / "straight.npz")
    resumed = toy_trainer(seed=11, replay_size=64, dropout=True)
    resumed.load(path)
    assert resumed.step == STEPS and resumed.history.records == straight.history.records
    expected = snapshot(straight)
    for key, value in snapshot(resumed).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)
