#!/usr/bin/env python3
"""How much does Bullet's multibody damping shape the quadruped's motion?

hebb's `ant-bullet` applies Bullet's 0.04 linear/angular damping to the torso only and leaves out
its quadratic term and the per-link damping of the legs. This runs pybullet's AntBulletEnv-v0
under four open-loop action families (the formulas of ant_record.py) with the multibody damping
set to 0, 0.02, 0.04 (pybullet's default) and 0.08, eight start seeds each, and prints survival,
torso height at step 100, mean torso height and x displacement. Measured 2026-12-02: every
difference is within the seed-to-seed spread, so the damping model is not what separates hebb
from pybullet (docs/quadruped-fidelity.md).

    pip install pybullet==3.2.7 gym numpy
    python3 tools/pybullet/ant_damping.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ant_record as ar  # noqa: E402

FAMILIES = [
    ("trot 2 Hz, amplitude 1", {"family": "sine", "params": {"pattern": "trot", "freq": 2.0, "amp": 1.0}}),
    ("bound 2 Hz, amplitude 1", {"family": "sine", "params": {"pattern": "bound", "freq": 2.0, "amp": 1.0}}),
    ("random actions", {"family": "random", "params": {"action_seed": 1000}}),
    ("constant ankle torque 1", {"family": "const", "params": {"hips": 0.0, "ankles": 1.0}}),
]
DAMPING = [0.0, 0.02, 0.04, 0.08]
SEEDS = range(8)


def run(env, ep, damping):
    out = []
    for s in SEEDS:
        env.seed(s)
        env.reset()
        p = env._p
        bodies = env.robot.objects if isinstance(env.robot.objects, (list, tuple)) else [env.robot.objects]
        # Set explicitly every episode: pybullet keeps a body's dynamics across resets.
        for b in bodies:
            for link in range(-1, p.getNumJoints(b)):
                p.changeDynamics(b, link, linearDamping=damping, angularDamping=damping)
        robot = env.robot
        rng = ar.SplitMix64(ep["params"].get("action_seed", 0))
        x0, zs, steps = robot.body_xyz[0], [], 0
        for t in range(ar.MAX_STEPS):
            _, _, done, _ = env.step(ar.action(ep, t, rng))
            steps += 1
            zs.append(float(robot.body_xyz[2]))
            if done:
                break
        out.append((steps, zs[99] if len(zs) > 99 else np.nan, float(np.mean(zs)), robot.body_xyz[0] - x0))
    return np.array(out)


def main():
    env = ar.load_env_class()()
    for name, ep in FAMILIES:
        for d in DAMPING:
            a = run(env, ep, d)
            print(
                f"{name:26s} damping {d:4.2f}: alive {a[:, 0].mean():6.1f}  z@100 {np.nanmean(a[:, 1]):.3f} "
                f"± {np.nanstd(a[:, 1]):.3f}  z mean {a[:, 2].mean():.3f}  dx {a[:, 3].mean():+.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
