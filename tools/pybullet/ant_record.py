#!/usr/bin/env python3
"""Record how pybullet's AntBulletEnv-v0 moves under fixed action sequences.

The fixture this writes (hebb-train/tests/fixtures/pybullet_ant.json) holds, for every episode of
the plan below, the statistics that `hebb-train/tests/ant_pybullet.rs` and the `ant_vs_pybullet`
example compute for hebb's `ant-bullet` under the very same actions. Actions are given by
formulas (see `action`) that the Rust side implements identically; the start seed only draws the
initial joint angles, with each simulator's own generator, so the comparison is between
distributions over seeds, never between single trajectories.

Usage (pybullet 3.2.7 and gym from PyPI; pybullet_envs' package __init__ needs the old gym
registry API, so the environment module is loaded directly):

    pip install pybullet==3.2.7 gym numpy
    python3 tools/pybullet/ant_record.py --out hebb-train/tests/fixtures/pybullet_ant.json
"""
import argparse
import importlib.util
import json
import math
import os
import sys
import time
import types

import numpy as np

DT = 0.0165
MAX_STEPS = 1000
Z_AT = [10, 50, 100, 200, 500]
SERIES_EVERY = 10
MASK64 = (1 << 64) - 1


def load_env_class():
    spec = importlib.util.find_spec("pybullet_envs")
    if spec is None:
        sys.exit("pybullet is not installed: pip install pybullet==3.2.7 gym numpy")
    pkg = types.ModuleType("pybullet_envs")
    pkg.__path__ = [os.path.dirname(spec.origin)]
    sys.modules["pybullet_envs"] = pkg
    from pybullet_envs.gym_locomotion_envs import AntBulletEnv

    return AntBulletEnv


class SplitMix64:
    """The random-action stream (identical in the Rust test)."""

    def __init__(self, seed):
        self.s = seed & MASK64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (1.0 / (1 << 53)) * 2.0 - 1.0


# Phase of each leg (legs 1..4 = hip/ankle pairs 0..3) in the gait patterns; the ankle of a leg
# runs a quarter period behind its hip.
PATTERNS = {
    "trot": [0.0, math.pi, 0.0, math.pi],
    "bound": [0.0, math.pi, math.pi, 0.0],
    "pronk": [0.0, 0.0, 0.0, 0.0],
    "walk": [0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi],
}


def gait_phases(pattern):
    ph = []
    for leg in PATTERNS[pattern]:
        ph += [leg, leg - 0.5 * math.pi]
    return ph


def plan():
    """The episodes: (family, parameters, start seeds)."""
    eps = []

    def add(family, params, seeds):
        for s in seeds:
            eps.append({"family": family, "params": params, "seed": s})

    add("zero", {}, range(10))
    for a in range(6):
        add("random", {"action_seed": 1000 + a}, range(4))
    for pattern in ["trot", "bound", "pronk", "walk"]:
        for freq in [0.5, 1.0, 2.0, 4.0]:
            for amp in [0.5, 1.0]:
                add("sine", {"pattern": pattern, "freq": freq, "amp": amp}, range(4))
    for j in range(8):
        for v in [-1.0, 1.0]:
            add("pulse", {"joint": j, "value": v, "len": 10}, range(2))
            add("pulse", {"joint": j, "value": v, "len": MAX_STEPS}, range(2))
    for c in [-1.0, -0.5, 0.5, 1.0]:
        add("const", {"hips": c, "ankles": c}, range(3))
        add("const", {"hips": 0.0, "ankles": c}, range(3))
        add("const", {"hips": c, "ankles": 0.0}, range(3))
    return eps


def action(ep, t, rng):
    f, p = ep["family"], ep["params"]
    if f == "zero":
        return np.zeros(8)
    if f == "random":
        return np.array([rng.uniform() for _ in range(8)])
    if f == "sine":
        ph = gait_phases(p["pattern"])
        w = 2.0 * math.pi * p["freq"] * DT * t
        return np.clip([p["amp"] * math.sin(w + ph[j]) for j in range(8)], -1.0, 1.0)
    if f == "pulse":
        a = np.zeros(8)
        if t < p["len"]:
            a[p["joint"]] = p["value"]
        return a
    if f == "const":
        return np.array([p["hips"] if j % 2 == 0 else p["ankles"] for j in range(8)])
    raise ValueError(f)


def run_episode(env, ep):
    env.seed(ep["seed"])
    env.reset()
    robot = env.robot
    x0, y0 = robot.body_xyz[0], robot.body_xyz[1]
    rng = SplitMix64(ep["params"].get("action_seed", 0))
    zs, rolls, pitches, series = [], [], [], []
    qs, qds, contacts = [], [], []
    terms = np.zeros(4)
    z_at = {}
    steps = 0
    for t in range(MAX_STEPS):
        a = action(ep, t, rng)
        _, _, done, _ = env.step(a)
        steps += 1
        z = float(robot.body_xyz[2])
        zs.append(z)
        rolls.append(abs(float(robot.body_rpy[0])))
        pitches.append(abs(float(robot.body_rpy[1])))
        st = np.array([j.get_state() for j in robot.ordered_joints])
        qs.append(st[:, 0])
        qds.append(np.abs(st[:, 1]))
        contacts.append(np.array(robot.feet_contact, dtype=float))
        r = env.rewards
        terms += [r[0], r[1], r[2], r[3]]
        if steps in Z_AT:
            z_at[str(steps)] = z
        if steps % SERIES_EVERY == 0:
            series.append(round(z, 4))
        if done:
            break
    qs, qds, contacts = np.array(qs), np.array(qds), np.array(contacts)
    dx, dy = robot.body_xyz[0] - x0, robot.body_xyz[1] - y0
    r4 = lambda v: [round(float(x), 4) for x in v]
    return {
        "alive": steps,
        "z_at": {k: round(v, 4) for k, v in z_at.items()},
        "z_mean": round(float(np.mean(zs)), 4),
        "roll": round(float(np.mean(rolls)), 4),
        "pitch": round(float(np.mean(pitches)), 4),
        "dx": round(float(dx), 4),
        "dy": round(float(dy), 4),
        "q_mean": r4(qs.mean(axis=0)),
        "q_std": r4(qs.std(axis=0)),
        "qd_abs": r4(qds.mean(axis=0)),
        "contact": r4(contacts.mean(axis=0)),
        "terms": r4(terms),
        "z_series": series,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import pybullet

    env = load_env_class()()
    episodes = plan()
    t0 = time.time()
    total = 0
    for i, ep in enumerate(episodes):
        ep["result"] = run_episode(env, ep)
        total += ep["result"]["alive"]
        if i % 20 == 0:
            print(f"{i}/{len(episodes)} episodes, {total} steps, {total / (time.time() - t0):.0f} steps/s", file=sys.stderr)
    fixture = {
        "source": "pybullet AntBulletEnv-v0 (pybullet_envs.gym_locomotion_envs), recorded by tools/pybullet/ant_record.py",
        "pybullet_version": getattr(pybullet, "__version__", "3.2.7"),
        "dt": DT,
        "max_steps": MAX_STEPS,
        "z_at": Z_AT,
        "series_every": SERIES_EVERY,
        "episodes": episodes,
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    os.replace(tmp, args.out)
    print(f"wrote {len(episodes)} episodes ({total} steps) to {args.out} in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
