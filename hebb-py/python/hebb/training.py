"""Training on any Gymnasium environment: the environments step in Python worker processes,
the network and the evolution strategy run in Rust, and the run directory is the one
``hebb train`` writes (``config.json``, ``log.csv``, ``checkpoint.bin``, ``fitness.png/svg``,
``rule.hebb``), written by hebb-train's own code."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence, Union

import gymnasium
import numpy as np
from gymnasium import spaces

from . import _hebb
from .envs import ENV_IDS, HebbEnv

#: The trainer's hard cap on an episode's length.
MAX_EPISODE_STEPS = 100_000

EnvSpec = Union[str, Callable[[], gymnasium.Env]]


# -------------------------------------------------------------------------------------------
# Environments and actions


class _EnvMaker:
    """Builds the environment of variant ``v``: a hebb built-in, a Gymnasium id or a factory."""

    def __init__(self, env: EnvSpec, builtin: str | None, paper_fitness: bool, env_kwargs: dict):
        self.env, self.builtin, self.paper_fitness, self.kwargs = env, builtin, paper_fitness, env_kwargs

    def __call__(self, variant: str | None) -> gymnasium.Env:
        if self.builtin is not None:
            return HebbEnv(self.builtin, variant=variant, paper_fitness=self.paper_fitness, **self.kwargs)
        if isinstance(self.env, str):
            return gymnasium.make(self.env, **self.kwargs)
        return self.env(**self.kwargs)


def _external_spaces(env: gymnasium.Env) -> dict:
    """The ``external`` block of a run configuration: observation length and action space."""
    obs = env.observation_space
    if not isinstance(obs, spaces.Box):
        raise TypeError(
            f"hebb.train needs a Box observation space (flattened into the network's input), got {obs}"
        )
    act = env.action_space
    if isinstance(act, spaces.Discrete):
        return {"obs_dim": int(np.prod(obs.shape)), "discrete": int(act.n), "low": [], "high": []}
    if isinstance(act, spaces.Box):
        low, high = act.low.astype(np.float64).ravel(), act.high.astype(np.float64).ravel()
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError(f"hebb.train needs finite action bounds, got {act}")
        return {"obs_dim": int(np.prod(obs.shape)), "discrete": None, "low": low.tolist(), "high": high.tolist()}
    raise TypeError(f"hebb.train needs a Discrete or Box action space, got {act}")


class _ActionAdapter:
    """Turns the network's action into the environment's: Discrete(start=…) offsets, box shape
    and dtype."""

    def __init__(self, space: spaces.Space):
        if isinstance(space, spaces.Discrete):
            self.start = int(space.start)
            self.box = None
        else:
            self.start = 0
            self.box = (space.shape, space.dtype)

    def __call__(self, a):
        if self.box is None:
            return a + self.start if self.start else a
        shape, dtype = self.box
        return a.reshape(shape).astype(dtype, copy=False)


def _obs(o) -> np.ndarray:
    return np.ascontiguousarray(o, dtype=np.float32).reshape(-1)


def run_episode(agent, env: gymnasium.Env, seed: int, adapt: _ActionAdapter | None = None):
    """One episode as the trainer runs it: initial weights from ``seed``, ``env.reset(seed=seed)``,
    network step, action, environment step, until the episode ends (or 100,000 steps).
    Returns ``(return, steps, aborted)``; ``aborted``: an observation was not finite."""
    adapt = adapt or _ActionAdapter(env.action_space)
    agent.begin(seed)
    obs, _ = env.reset(seed=seed)
    ret, steps = 0.0, 0
    while steps < MAX_EPISODE_STEPS:
        a = agent.act(_obs(obs))
        if a is None:
            return ret, steps, True
        obs, r, terminated, truncated, _ = env.step(adapt(a))
        ret += float(r)
        steps += 1
        if terminated or truncated:
            break
    return ret, steps, False


# -------------------------------------------------------------------------------------------
# Worker processes

_W: dict[str, Any] = {}


def _init_worker(config_json: str, maker: _EnvMaker, variants: list):
    # Keep Ctrl-C for the main process, which saves the checkpoint.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _setup_worker(config_json, maker, variants)


def _setup_worker(config_json: str, maker: _EnvMaker, variants: list):
    _W["agent"] = _hebb.Agent(config_json)
    _W["envs"] = [maker(v) for v in variants]
    _W["adapt"] = [_ActionAdapter(e.action_space) for e in _W["envs"]]
    _W["episodes"] = json.loads(config_json)["episodes"]


def _eval_chunk(args) -> list:
    state, indices = args
    agent, envs, adapts, episodes = _W["agent"], _W["envs"], _W["adapt"], _W["episodes"]
    agent.load_state(state)
    out = []
    for i in indices:
        penalty = agent.set_candidate(i)
        total, steps, aborted = 0.0, 0, 0
        for v, (env, adapt) in enumerate(zip(envs, adapts)):
            for e in range(episodes):
                r, s, a = run_episode(agent, env, agent.episode_seed(i, v, e), adapt)
                total += r
                steps += s
                aborted += int(a)
        out.append((total, steps, aborted, penalty))
    return out


# -------------------------------------------------------------------------------------------
# Progress


class _Progress:
    def __init__(self, total: int, start: int, title: str, enabled: bool):
        self.bar = None
        self.enabled = enabled
        self.total = total
        self.t0 = time.monotonic()
        self.start = start
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=start, desc=title, unit="gen")
        except ImportError:
            self.every = max(1, total // 20)

    def update(self, gen: int, returns: list):
        if not self.enabled:
            return
        mean, best = sum(returns) / len(returns), max(returns)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(mean=f"{mean:.1f}", max=f"{best:.1f}")
        elif (gen + 1) % self.every == 0 or gen + 1 == self.total:
            done = gen + 1 - self.start
            eta = (time.monotonic() - self.t0) / max(done, 1) * (self.total - gen - 1)
            print(f"gen {gen + 1}/{self.total}  mean {mean:9.2f}  max {best:9.2f}  ETA {eta:.0f}s", flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# -------------------------------------------------------------------------------------------
# train / evaluate


def _config(
    env_name: str,
    external: dict | None,
    variants: list,
    *,
    rule,
    hidden,
    pop,
    gens,
    lr,
    sigma,
    seed,
    episodes,
    init,
    static,
    normalize,
    paper_fitness,
    checkpoint_every,
    es_options,
) -> dict:
    cfg = json.loads(_hebb.default_config())
    cfg["env"] = env_name
    cfg["variants"] = list(variants)
    cfg["paper_fitness"] = bool(paper_fitness)
    cfg["rule"] = rule
    cfg["init"] = init
    cfg["static_weights"] = bool(static)
    cfg["normalize"] = normalize
    cfg["hidden"] = [int(h) for h in hidden]
    cfg["generations"] = int(gens)
    cfg["episodes"] = int(episodes)
    cfg["seed"] = int(seed)
    cfg["checkpoint_every"] = int(checkpoint_every)
    es = cfg["es"]
    if pop is not None:
        es["pop"] = int(pop)
    if lr is not None:
        es["lr"] = float(lr)
    if sigma is not None:
        es["sigma"] = float(sigma)
    for k, v in es_options.items():
        if k not in es:
            raise TypeError(f"unknown ES option {k!r} (one of: {', '.join(es)})")
        es[k] = v if k == "init" else float(v)
    if external is not None:
        cfg["external"] = external
    return cfg


def train(
    env: EnvSpec,
    *,
    out: Union[str, os.PathLike],
    rule: str = "ABCD_lr",
    hidden: Sequence[int] = (128, 64),
    pop: int | None = None,
    gens: int = 40,
    lr: float | None = None,
    sigma: float | None = None,
    seed: int = 1,
    episodes: int = 1,
    init: str = "uni",
    static: bool = False,
    normalize: bool | None = None,
    variants: Sequence[str] = (),
    paper_fitness: bool = False,
    workers: int | None = None,
    resume: bool = False,
    checkpoint_every: int = 10,
    stop_after: int | None = None,
    progress: bool = True,
    env_name: str | None = None,
    env_kwargs: dict | None = None,
    mp_context: str | None = None,
    **es_options,
) -> "Policy":
    """Trains a Hebbian (or ``static=True``: static-weight) network on ``env`` with hebb's ES
    and writes a ``hebb train`` run directory to ``out``.

    ``env``: a hebb id (``"hebb/CartPole-v1"``: the run is a built-in one, so ``hebb eval``,
    ``hebb render`` and ``hebb export`` accept it), any Gymnasium id (``"LunarLander-v3"``), or
    a factory returning an environment (give ``env_name`` to name it in the run). Observations
    must be a Box (flattened), actions Discrete (argmax over the outputs) or a finite Box (tanh
    outputs clipped to it). Defaults are ``hebb train``'s quickstart (population 64, lr 0.05,
    σ 0.1, 40 generations); ``es_options`` sets the other ES fields (``lr_decay``,
    ``sigma_decay``, ``weight_decay``, ``lr_floor``, ``sigma_floor``, ``init``).

    ``workers`` processes step the environments (default: all cores; 0 or 1: this process).
    Results are bit-identical for any worker count, and, on a hebb id, to ``hebb train`` with
    the same settings. Ctrl-C writes the checkpoint; ``resume=True`` continues a run (only
    ``gens`` may differ). Returns the trained :class:`Policy`.
    """
    out = Path(out)
    env_kwargs = dict(env_kwargs or {})
    builtin = ENV_IDS.get(env) if isinstance(env, str) else None
    if isinstance(env, str) and builtin is None and env in dict(_hebb.builtin_envs()):
        builtin = env
    if builtin is not None:
        name, external = builtin, None
    else:
        if variants:
            raise ValueError("variants are for hebb's own environments (morphologies)")
        if paper_fitness:
            raise ValueError("paper_fitness is for hebb's quadruped and car")
        maker0 = _EnvMaker(env, None, False, env_kwargs)
        probe = maker0(None)
        try:
            external = _external_spaces(probe)
            spec = getattr(probe, "spec", None)
        finally:
            probe.close()
        if env_name is not None:
            name = env_name
        elif isinstance(env, str):
            name = env
        elif spec is not None and spec.id:
            name = spec.id
        else:
            name = getattr(env, "__name__", "custom")
    cfg = _config(
        name,
        external,
        variants,
        rule=rule,
        hidden=hidden,
        pop=pop,
        gens=gens,
        lr=lr,
        sigma=sigma,
        seed=seed,
        episodes=episodes,
        init=init,
        static=static,
        normalize=normalize,
        paper_fitness=paper_fitness,
        checkpoint_every=checkpoint_every,
        es_options=es_options,
    )
    config_json = json.dumps(cfg)
    _hebb.check_config(config_json)  # every value checked before a process starts
    maker = _EnvMaker(env, builtin, paper_fitness, env_kwargs)
    var_list = list(variants) if variants else [None]
    pop_n = cfg["es"]["pop"]
    n_variants, n_eps = len(var_list), cfg["episodes"]

    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an int ≥ 0, got {workers!r}")
    pool = None
    if workers > 1:
        if mp_context is None:
            mp_context = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(mp_context)
        pool = ctx.Pool(workers, initializer=_init_worker, initargs=(config_json, maker, var_list))
    else:
        saved = _W.copy()
        _setup_worker(config_json, maker, var_list)

    start_gen = _hebb.Agent.from_run(out).generation if resume else 0
    bar = _Progress(int(gens), start_gen, _hebb.run_title(config_json), progress)

    def evaluate_generation(state: bytes, generation: int):
        idx = list(range(pop_n))
        if pool is None:
            rows = _eval_chunk((state, idx))
        else:
            n_chunks = min(pop_n, workers * 4)
            chunks = [idx[c::n_chunks] for c in range(n_chunks)]
            parts = pool.map(_eval_chunk, [(state, c) for c in chunks])
            rows = [None] * pop_n
            for c, part in zip(chunks, parts):
                for i, r in zip(c, part):
                    rows[i] = r
        bar.update(generation, [r[0] / (n_variants * n_eps) for r in rows])
        return rows

    try:
        _hebb.train_run(out, config_json, resume, evaluate_generation, stop_after)
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
            pool.join()
        else:
            _W.clear()
            _W.update(saved)
    return Policy.from_run(out, env=env, env_kwargs=env_kwargs)


class Policy:
    """A trained agent: a run's configuration and parameters (the ES mean), stepped from
    Python on any environment with the run's spaces."""

    def __init__(self, agent, env: EnvSpec | None = None, env_kwargs: dict | None = None, run_dir=None):
        self.agent = agent
        self.config = json.loads(agent.config_json)
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self._env = env
        self._env_kwargs = env_kwargs or {}

    @classmethod
    def from_run(cls, run_dir, env: EnvSpec | None = None, env_kwargs: dict | None = None) -> "Policy":
        """The ES mean of a run directory's checkpoint."""
        return cls(_hebb.Agent.from_run(Path(run_dir)), env, env_kwargs, run_dir)

    @property
    def log(self) -> list[dict]:
        """The run's ``log.csv`` rows."""
        import csv

        if self.run_dir is None:
            return []
        with open(self.run_dir / "log.csv") as f:
            return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]

    def make_env(self, variant: str | None = None) -> gymnasium.Env:
        """The environment the run trained on (its hebb built-in, or the id/factory given)."""
        name = self.config["env"]
        if self.config.get("external") is None:
            return HebbEnv(name, variant=variant, paper_fitness=self.config["paper_fitness"])
        env = self._env if self._env is not None else name
        return _EnvMaker(env, None, False, self._env_kwargs)(None)

    def reset(self, seed: int):
        """Starts an episode: the initial weights from ``seed`` as the trainer draws them."""
        self.agent.begin(seed)

    def act(self, obs):
        """One network step; the action (or None for a non-finite observation)."""
        return self.agent.act(_obs(obs))

    def episode(self, env: gymnasium.Env, seed: int):
        """One episode: ``(return, steps, aborted)``."""
        return run_episode(self.agent, env, seed)


def evaluate(
    policy: Union["Policy", str, os.PathLike],
    env: EnvSpec | None = None,
    *,
    episodes: int = 100,
    seed: int = 12345,
    env_kwargs: dict | None = None,
) -> list[float]:
    """Returns of ``episodes`` episodes of a run's ES mean, with ``hebb eval``'s episode seeds
    (episode *e* of the first variant: ``derive_seed(seed, [7, 0, e])``), so on a built-in
    environment the returns are those ``hebb eval --seed SEED`` reports."""
    if not isinstance(policy, Policy):
        policy = Policy.from_run(policy, env, env_kwargs)
    if env is None:
        e = policy.make_env()
    elif isinstance(env, str) and env in ENV_IDS:
        e = HebbEnv(ENV_IDS[env])
    else:
        e = _EnvMaker(env, None, False, env_kwargs or {})(None)
    try:
        adapt = _ActionAdapter(e.action_space)
        out = []
        for k in range(int(episodes)):
            r, _, _ = run_episode(policy.agent, e, _hebb.derive_seed(seed, [7, 0, k]), adapt)
            out.append(r)
        return out
    finally:
        e.close()
