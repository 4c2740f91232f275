"""Environment throughput from Python, measured side by side in one run.

* ``hebb.make_vec("hebb/CarRacing-v0", 64)``: 64 cars stepped inside Rust across threads per
  call (observations include the rendered, preprocessed 3×84×84 state);
* Gymnasium's own ``CarRacing-v3`` (Box2D; needs ``pip install "gymnasium[box2d]"``, skipped
  with a note when it is not installed), one environment, the way Python code steps it;
* the Python overhead of one single-environment step: ``HebbEnv.step`` and the raw binding
  against the Rust step itself (hebb's CartPole, whose Rust step is tens of nanoseconds, and
  the car).

Usage: python bench_envs.py [--seconds 5] [--envs 64] [--threads 0]
"""

import argparse
import os
import time

import numpy as np

import hebb
from hebb._hebb import RawEnv


def rate(fn, seconds):
    """Calls ``fn`` (which returns how many env steps it took) for about ``seconds``."""
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        n += fn()
    return n / (time.perf_counter() - t0)


def bench_vec(n, threads, seconds):
    vec = hebb.make_vec("hebb/CarRacing-v0", n, threads=threads, copy=False)
    vec.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = rng.uniform([-1, 0, 0], [1, 1, 0.2], (64, n, 3)).astype(np.float32)
    k = [0]

    def step():
        vec.step(actions[k[0] % 64])
        k[0] += 1
        return n

    step()
    return rate(step, seconds)


def bench_gym_car(seconds):
    try:
        import gymnasium

        env = gymnasium.make("CarRacing-v3")
    except Exception as e:  # Box2D missing
        return None, f"{type(e).__name__}: {e}"
    env.reset(seed=0)
    a = np.array([0.0, 0.5, 0.0], np.float32)

    def step():
        _, _, te, tr, _ = env.step(a)
        if te or tr:
            env.reset()
        return 1

    step()
    return rate(step, seconds), None


def per_step_us(step, reps):
    t0 = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - t0) / reps * 1e6


def step_us(reset, step, reps, chunk=8):
    """µs per ``step()`` call, resets excluded: episodes are cut into runs of ``chunk`` steps
    timed as a whole (the reset before each run is not timed)."""
    total, n = 0.0, 0
    while n < reps:
        reset()
        t0 = time.perf_counter()
        for _ in range(chunk):
            n += 1
            if step():
                break
        total += time.perf_counter() - t0
    return total / n * 1e6


def bench_overhead(name, action, reps, chunk):
    """µs per step: the Gymnasium class, the raw binding, and the Rust step alone (timed inside
    Rust, no Python in the loop)."""
    env = hebb.HebbEnv(name)
    raw = RawEnv(name)

    def wrap():
        _, _, te, tr, _ = env.step(action)
        return te or tr

    def rawstep():
        _, _, te, tr = raw.step(action)
        return te or tr

    kw = {"action": action} if isinstance(action, int) else {"value": float(action[1])}
    # Interleaved, best of three: the machine is shared, and the least disturbed run is the
    # closest to the cost itself.
    w, r, s = [], [], []
    for _ in range(3):
        w.append(step_us(lambda: env.reset(seed=0), wrap, reps, chunk))
        r.append(step_us(lambda: raw.reset(0), rawstep, reps, chunk))
        s.append(RawEnv(name).rust_step_seconds(reps, **kw) * 1e6)
    return min(w), min(r), min(s)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--envs", type=int, default=64)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average at start: {load:.1f}, numpy {np.__version__}")
    one = 1 / RawEnv("car-racing").rust_step_seconds(2000, value=0.5)
    print(f"one car stepped inside Rust, one thread, no Python: {one:,.0f} env steps/s")
    v1 = bench_vec(a.envs, 1, a.seconds)
    print(f"hebb.make_vec('hebb/CarRacing-v0', {a.envs}, threads=1): {v1:,.0f} env steps/s")
    v = bench_vec(a.envs, a.threads, a.seconds)
    print(f"hebb.make_vec('hebb/CarRacing-v0', {a.envs}): {v:,.0f} env steps/s (all cores; observations included)")
    g, why = bench_gym_car(a.seconds)
    if g is None:
        print(f"gymnasium CarRacing-v3: not measured ({why})")
    else:
        print(f"gymnasium CarRacing-v3 (one env): {g:,.0f} env steps/s  → hebb vector env {v / g:,.0f}×")
    cases = (("cartpole", 0, 200_000, 8), ("car-racing", np.array([0.5, 0.5, 0.5], np.float32), 3000, 1000))
    for name, action, reps, chunk in cases:
        w, r, s = bench_overhead(name, action, reps, chunk)
        print(
            f"{name}: HebbEnv.step {w:.2f} µs, raw binding {r:.2f} µs, Rust step {s:.2f} µs "
            f"→ Python overhead {w - s:.2f} µs (binding alone {r - s:.2f} µs)"
        )


if __name__ == "__main__":
    main()
