#!/usr/bin/env python3
"""Records gym's Box2D car under scripted inputs, for the side-by-side with hebb's rapier2d car.

For each track seed, Gymnasium's CarRacing-v3 (Box2D; its car model, `car_dynamics.py`, is
gym 0.17's CarRacing-v0 car) is reset, its track points are saved, and each family of scripted
inputs (steer, gas, brake) is replayed from the start line; every step the hull's position,
heading, velocity, the tiles visited, the number of wheels on a road tile and the front-left wheel's steering angle are recorded (every STRIDE-th step kept).
`cargo run --release -p hebb-train --example car_box2d` replays the same inputs on the same
tracks in hebb's `car-racing` and compares (docs/car-fidelity.md).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install swig && /tmp/v/bin/pip install "gymnasium[box2d]"
    /tmp/v/bin/python tools/car_box2d/record.py --out hebb-train/tests/fixtures/box2d_car.json
"""
import argparse
import json
import math

import gymnasium as gym
import numpy as np

STRIDE = 5


def families():
    """name -> list of (steer, gas, brake) per step."""
    f = {}
    f["straight-gas"] = [(0.0, 1.0, 0.0)] * 150
    f["half-gas"] = [(0.0, 0.5, 0.0)] * 150
    f["gas-then-brake"] = [(0.0, 1.0, 0.0)] * 80 + [(0.0, 0.0, 0.8)] * 70
    for v in (30, 60, 90):
        for side, s in (("left", -1.0), ("right", 1.0)):
            f[f"corner-{side}-after-{v}"] = [(0.0, 1.0, 0.0)] * v + [(s * 0.6, 0.0, 0.0)] * 80
    f["corner-under-gas"] = [(0.0, 1.0, 0.0)] * 40 + [(-0.4, 0.4, 0.0)] * 120
    f["slalom"] = [(math.sin(2 * math.pi * t / 50), 0.4, 0.0) for t in range(200)]
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seeds", type=int, default=8)
    a = ap.parse_args()
    fams = families()
    out = {"gymnasium": gym.__version__, "stride": STRIDE, "families": {}, "tracks": []}
    for name, acts in fams.items():
        out["families"][name] = [[round(x, 6) for x in act] for act in acts]
    env = gym.make("CarRacing-v3")
    for seed in range(a.seeds):
        env.reset(seed=seed)
        u = env.unwrapped
        track = [[float(v) for v in p] for p in u.track]
        runs = {}
        for name, acts in fams.items():
            env.reset(seed=seed)
            u = env.unwrapped
            rec = []
            for t, act in enumerate(acts):
                _, r, term, trunc, _ = env.step(np.array(act, dtype=np.float32))
                h = u.car.hull
                if t % STRIDE == STRIDE - 1 or term or trunc:
                    rec.append([t + 1, round(h.position[0], 4), round(h.position[1], 4), round(h.angle, 5),
                                round(h.linearVelocity[0], 4), round(h.linearVelocity[1], 4),
                                int(u.tile_visited_count), sum(1 for w in u.car.wheels if w.tiles),
                                round(u.car.wheels[0].joint.angle, 4)])
                if term or trunc:
                    break
            runs[name] = rec
        out["tracks"].append({"seed": seed, "points": track, "runs": runs})
        print(f"seed {seed}: {len(track)} track points", flush=True)
    with open(a.out, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
