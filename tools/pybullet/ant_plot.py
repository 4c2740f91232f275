#!/usr/bin/env python3
"""Plot pybullet's ant beside hebb's under the same action sequences.

    cargo run --release -p hebb-train --example ant_vs_pybullet -- --json /tmp/hebb_ant.json
    python3 tools/pybullet/ant_plot.py hebb-train/tests/fixtures/pybullet_ant.json /tmp/hebb_ant.json docs/img/ant-vs-pybullet.png

Top row: torso height over time (mean and ±1 std over seeds) for four groups of episodes;
bottom row: the fraction of episodes still alive over time, per action family.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

# Okabe–Ito
PB, HB = "#0072B2", "#D55E00"
GROUPS = [
    ("random", lambda e: e["family"] == "random"),
    ("trot 2 Hz, amplitude 1", lambda e: e["family"] == "sine" and e["params"] == {"pattern": "trot", "freq": 2.0, "amp": 1.0}),
    ("pronk 1 Hz, amplitude 1", lambda e: e["family"] == "sine" and e["params"] == {"pattern": "pronk", "freq": 1.0, "amp": 1.0}),
    ("constant: ankles −1", lambda e: e["family"] == "const" and e["params"] == {"hips": 0.0, "ankles": -1.0}),
]
FAMILIES = ["random", "sine", "const", "pulse"]


def series(eps, every, n=100):
    m = np.full((len(eps), n), np.nan)
    for i, e in enumerate(eps):
        s = e["result"]["z_series"][:n]
        m[i, : len(s)] = s
    return np.arange(1, n + 1) * every, m


def main():
    pb, hb, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
    every = pb.get("series_every", 10)
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    for ax, (title, keep) in zip(axes[0], GROUPS):
        for data, colour, label in [(pb, PB, "pybullet"), (hb, HB, "hebb")]:
            eps = [e for e in data["episodes"] if keep(e)]
            t, m = series(eps, every)
            with np.errstate(all="ignore"):
                mu, sd = np.nanmean(m, axis=0), np.nanstd(m, axis=0)
            ax.plot(t, mu, color=colour, label=f"{label} ({len(eps)} episodes)")
            ax.fill_between(t, mu - sd, mu + sd, color=colour, alpha=0.2, linewidth=0)
        ax.set_title(title)
        ax.set_xlabel("env step")
        ax.set_ylabel("torso height (m)")
        ax.set_ylim(0.2, 0.8)
        ax.legend(loc="upper right", fontsize=8)
    steps = np.arange(0, 1001)
    for ax, fam in zip(axes[1], FAMILIES):
        for data, colour, label in [(pb, PB, "pybullet"), (hb, HB, "hebb")]:
            alive = np.array([e["result"]["alive"] for e in data["episodes"] if e["family"] == fam])
            ax.plot(steps, [(alive >= s).mean() for s in steps], color=colour, label=label)
        ax.set_title(f"{fam}: episodes alive")
        ax.set_xlabel("env step")
        ax.set_ylabel("fraction alive")
        ax.set_ylim(0, 1.05)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle("ant-bullet (hebb) vs AntBulletEnv-v0 (pybullet 3.2.7), same open-loop actions, distributions over start seeds")
    fig.savefig(out, dpi=80)
    print("wrote", out)


if __name__ == "__main__":
    main()
