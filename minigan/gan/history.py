"""What happened at every step of a run, in memory and on disk, and a progress line for long runs."""
import csv
import json
import math
import sys
import time


class History:
    """A list of per-step records (dicts of plain Python numbers), written as JSON or CSV.

    The trainer records per generator step: ``step``, ``d_loss``, ``g_loss``, ``d_real``
    (mean D(x) = sigmoid(logit) on real data), ``d_fake`` (mean D(G(z)) in the D step),
    ``d_accuracy`` (fraction of real and fake classified right at logit 0), and the mean
    raw logits ``real_logit``, ``fake_logit`` (their difference is the critic's Wasserstein
    estimate under the wasserstein loss).
    """

    def __init__(self, records=None):
        self.records = []
        for record in records or []:        # records read back from an older file get the same types
            self.append(record)

    def append(self, record):
        # Plain numbers for json and csv: device and NumPy scalars become floats; a count
        # (the step) stays an int, so it reads 1200 in the files, not 1200.0.
        self.records.append({k: int(v) if k == "step" else float(v) for k, v in record.items()})

    def __len__(self):
        return len(self.records)

    def __getitem__(self, key):
        """history["d_loss"] is the list of that value over steps; history[3] the 4th record."""
        if isinstance(key, str):
            return [r[key] for r in self.records]
        return self.records[key]

    def mean(self, key, last=None):
        values = self[key][-last:] if last else self[key]
        return sum(values) / len(values) if values else math.nan

    def save_json(self, path):
        with open(path, "w") as f:
            json.dump(self.records, f)

    def save_csv(self, path):
        if not self.records:
            open(path, "w").close()
            return
        # Every key of every record, in order of first appearance: records of a run resumed
        # under a newer minigan may carry columns the first ones lack (left empty there).
        fieldnames = list(dict.fromkeys(k for r in self.records for k in r))
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(self.records)

    @classmethod
    def load_json(cls, path):
        with open(path) as f:
            return cls(json.load(f))


class Progress:
    """One line on stderr, rewritten in place at most every ``interval`` seconds:

        step 1200/5000  d_loss 1.31  g_loss 0.79  D(x) 0.52  D(G(z)) 0.46  410 it/s  eta 9s

    With ``critic=True`` (the Wasserstein loss) D's outputs are not probabilities (their sigmoid
    sits at 0 or 1), so the line shows the critic's estimate W = mean D(x) - mean D(G(z)) instead.
    """

    def __init__(self, total, interval=None, stream=None, enabled=True, critic=False):
        self.total, self.enabled, self.critic = total, enabled, critic
        self.stream = stream or sys.stderr
        # A terminal gets a line rewritten twice a second; a log file one line every 10 s.
        self.interval = interval if interval is not None else (0.5 if self.stream.isatty() else 10.0)
        self.start = self.last = time.perf_counter()
        self.done = 0

    def update(self, step, record):
        self.done += 1
        now = time.perf_counter()
        if not self.enabled or (now - self.last < self.interval and step < self.total):
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        eta = (self.total - step) / rate if rate else math.inf
        fields = [f"step {step}/{self.total}"]
        shown = (("d_loss", "d_loss"), ("g_loss", "g_loss"))
        shown += ((("wasserstein_estimate", "W"),) if self.critic else (("d_real", "D(x)"), ("d_fake", "D(G(z))")))
        for key, label in shown:
            if key in record:
                fields.append(f"{label} {record[key]:.3f}")
        fields.append(f"{rate:.0f} it/s" if rate >= 10 else f"{rate:.2f} it/s")
        fields.append(f"eta {eta:.0f}s")
        end = "\n" if step >= self.total or not self.stream.isatty() else ""
        self.stream.write("\r" + "  ".join(fields) + end)
        self.stream.flush()
