"""hebb from Python in one script (no notebook needed):

1. train a Hebbian network on Gymnasium's own CartPole-v1 (environments step in worker
   processes, network and ES in Rust) into a `hebb train` run directory;
2. evaluate it over 20 episodes;
3. load the rule file it wrote and run the plastic network by hand on hebb's fast CartPole;
4. step 64 of hebb's cars at once in Rust.

Usage: python quickstart.py [OUT_DIR]   (about a minute on two cores)
"""

import sys
import time

import gymnasium
import numpy as np

import hebb

out = sys.argv[1] if len(sys.argv) > 1 else "runs/py-cartpole"

# 1. Training: any Gymnasium id (or a factory); hebb's own ids ("hebb/CartPole-v1") make a run
#    that `hebb eval` / `hebb render` accept too.
t = time.monotonic()
policy = hebb.train("CartPole-v1", rule="ABCD_lr", hidden=(32, 16), pop=64, gens=40, workers=2, out=out)
print(f"trained in {time.monotonic() - t:.0f} s; last generation's mean return {policy.log[-1]['mean']:.1f}")

# 2. Evaluation (the same episode seeds as `hebb eval`).
returns = hebb.evaluate(policy, episodes=20)
print(f"evaluation: {np.mean(returns):.1f} ± {np.std(returns):.1f} over 20 episodes")

# 3. The rule file and the plastic network: the weights start random and the rule moves them.
rule = hebb.load_rule(f"{out}/rule.hebb")
print(rule)
net = hebb.Network(rule.sizes, rule, seed=0)
env = gymnasium.make("hebb/CartPole-v1", render_mode="rgb_array")
obs, _ = env.reset(seed=0)
ret, done = 0.0, False
while not done:
    action = int(np.argmax(net.step(obs)))  # forward pass + Hebbian update
    obs, r, term, trunc, _ = env.step(action)
    ret, done = ret + r, term or trunc
print(f"hand-run episode on hebb's CartPole: return {ret:.0f}; first-layer |w| max "
      f"{np.abs(net.weights[0]).max():.3f}; frame {env.render().shape}")

# 4. A vector environment stepped inside Rust: 64 cars, one Python call per batch.
cars = hebb.make_vec("hebb/CarRacing-v0", 64)
obs, _ = cars.reset(seed=0)
t, steps = time.monotonic(), 0
while time.monotonic() - t < 2.0:
    obs, rew, term, trunc, _ = cars.step(np.tile(np.float32([0.0, 0.3, 0.0]), (64, 1)))
    steps += 64
print(f"64 cars: {steps / (time.monotonic() - t):,.0f} env steps/s, observations {obs.shape}")
