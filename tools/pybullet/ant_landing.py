#!/usr/bin/env python3
"""Record the first steps of a gait in pybullet's AntBulletEnv-v0 from each seed's exact start.

Unlike ant_record.py (statistics over seeds), this keeps per-step trajectories together with the
initial joint angles pybullet drew, so that hebb can start from the very same state
(`cargo run --release -p hebb-train --example ant_landing -- OUT.json`). Over the first steps,
before contact chaos sets in, the two simulators can then be compared step by step: torso height
and orientation, joint angles, each foot's lowest point and the contact flags.

    python3 tools/pybullet/ant_landing.py --pattern trot --freq 2 --amp 1 --out /tmp/pb_trot.json
    # the test fixture:
    python3 tools/pybullet/ant_landing.py --seeds 4 --steps 40 --out hebb-train/tests/fixtures/pybullet_ant_landing.json
    python3 tools/pybullet/ant_landing.py ... --unit-axes      # ankle axes normalised, torque / sqrt 2

`--unit-axes` loads a copy of the MJCF ant whose ankle axes have unit length and scales the ankle
torques by 1/sqrt(2): pybullet without its raw-axis quirk (docs/quadruped-fidelity.md).
"""
import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ant_record import action, load_env_class  # noqa: E402

# Lower-leg capsule, half of its from-to vector in the link frame, per leg.
HALF = [(0.2, 0.2, 0.0), (-0.2, 0.2, 0.0), (-0.2, -0.2, 0.0), (0.2, -0.2, 0.0)]
FEET = ["front_left_foot", "front_right_foot", "left_back_foot", "right_back_foot"]
FOOT_RADIUS = 0.08


def unit_axes_data_dir():
    """A pybullet_data look-alike whose mjcf/ant.xml has unit ankle axes."""
    import pybullet_data

    src = pybullet_data.getDataPath()
    root = tempfile.mkdtemp(prefix="pbdata_unit_")
    for name in os.listdir(src):
        if name != "mjcf":
            os.symlink(os.path.join(src, name), os.path.join(root, name))
    os.mkdir(os.path.join(root, "mjcf"))
    for name in os.listdir(os.path.join(src, "mjcf")):
        if name != "ant.xml":
            os.symlink(os.path.join(src, "mjcf", name), os.path.join(root, "mjcf", name))
    xml = open(os.path.join(src, "mjcf", "ant.xml")).read()
    r = 1.0 / math.sqrt(2.0)
    xml = xml.replace('axis="-1 1 0"', f'axis="{-r} {r} 0"').replace('axis="1 1 0"', f'axis="{r} {r} 0"')
    open(os.path.join(root, "mjcf", "ant.xml"), "w").write(xml)
    pybullet_data.getDataPath = lambda: root
    return root


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pattern", default="trot")
    ap.add_argument("--freq", type=float, default=2.0)
    ap.add_argument("--amp", type=float, default=1.0)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--unit-axes", action="store_true")
    ap.add_argument("--solver-iterations", type=int, default=None, help="pybullet's numSolverIterations (env: 5)")
    ap.add_argument("--substeps", type=int, default=None, help="pybullet's numSubSteps per 16.5 ms step (env: 4)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.unit_axes:
        unit_axes_data_dir()
    env = load_env_class()()
    ep = {"family": "sine", "params": {"pattern": args.pattern, "freq": args.freq, "amp": args.amp}}
    ankle_scale = 1.0 / math.sqrt(2.0) if args.unit_axes else 1.0
    out = {"pattern": args.pattern, "freq": args.freq, "amp": args.amp, "unit_axes": args.unit_axes, "seeds": []}
    for seed in range(args.seeds):
        env.seed(seed)
        env.reset()
        r, c = env.robot, env._p
        if args.solver_iterations or args.substeps:
            c.setPhysicsEngineParameter(
                fixedTimeStep=0.0165,
                numSolverIterations=args.solver_iterations or 5,
                numSubSteps=args.substeps or 4,
            )
        rec = {"q0": [j.get_state()[0] for j in r.ordered_joints], "z": [], "rp": [], "q": [], "low": [], "contact": []}
        for t in range(args.steps):
            a = np.array(action(ep, t, None), dtype=float)
            a[1::2] *= ankle_scale
            _, _, done, _ = env.step(a)
            low = []
            for k, name in enumerate(FEET):
                part = r.parts[name]
                ls = c.getLinkState(part.bodies[part.bodyIndex], part.bodyPartIndex, computeForwardKinematics=1)
                # The capsule runs from the link frame's origin (the ankle) to 2 * HALF in it.
                rot = np.array(c.getMatrixFromQuaternion(ls[5])).reshape(3, 3)
                ankle_z = ls[4][2]
                tip_z = ankle_z + (rot @ (2.0 * np.array(HALF[k])))[2]
                low.append(float(min(ankle_z, tip_z) - FOOT_RADIUS))
            rec["z"].append(float(r.body_xyz[2]))
            rec["rp"].append([float(r.body_rpy[0]), float(r.body_rpy[1])])
            rec["q"].append([float(j.get_state()[0]) for j in r.ordered_joints])
            rec["low"].append(low)
            rec["contact"].append([float(x) for x in r.feet_contact])
            if done:
                break
        out["seeds"].append(rec)
    def rounded(v):
        if isinstance(v, float):
            return round(v, 5)
        if isinstance(v, list):
            return [rounded(x) for x in v]
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        return v

    with open(args.out, "w") as f:
        json.dump(rounded(out), f, separators=(",", ":"))
    print(f"wrote {args.out}: {args.seeds} seeds, {args.steps} steps", file=sys.stderr)


if __name__ == "__main__":
    main()
