"""The reference implementation's ES population sampling and update (Najarro & Risi,
evolution_strategy_hebb.py: _get_population + _update_coeffs), reduced to numpy, timed at the
car network's size (456,640 coefficients) and population 200 on one thread.

Run: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 benches/reference/es_update_numpy.py
"""
import time

import numpy as np

N_PARAMS, POP, SIGMA, LR = 456_640, 200, 0.1, 0.2


def get_population(coeffs):
    population = []
    for _ in range(POP // 2):
        j = np.random.randn(*coeffs.shape)
        population.append(j)
        population.append(-j)
    return np.array(population).astype(np.float32)


def update(coeffs, rewards, population):
    rewards = (rewards - np.mean(rewards)) / np.std(rewards)
    factor = LR / (POP * SIGMA)
    return coeffs + factor * np.dot(population.T, rewards).T


coeffs = np.random.randn(N_PARAMS).astype(np.float32)
rewards = np.random.randn(POP)
times = []
for _ in range(3):
    t0 = time.perf_counter()
    pop = get_population(coeffs)
    coeffs = update(coeffs, rewards, pop)
    times.append(time.perf_counter() - t0)
    del pop
print(f"numpy reference: population + update at {N_PARAMS} x {POP}: "
      f"best {min(times) * 1e3:.0f} ms, mean {np.mean(times) * 1e3:.0f} ms (numpy {np.__version__})")
