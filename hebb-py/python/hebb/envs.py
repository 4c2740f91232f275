"""hebb's built-in environments as Gymnasium environments, and a vector environment that
steps *n* of them inside Rust across threads."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ._hebb import RawEnv, RawVecEnv

#: Gymnasium id → hebb's built-in environment name.
ENV_IDS = {
    "hebb/CarRacing-v0": "car-racing",
    "hebb/AntBullet-v0": "ant-bullet",
    "hebb/Ant-v0": "ant",
    "hebb/CartPole-v1": "cartpole",
    "hebb/Pendulum-v1": "pendulum",
}

_FPS = 50

# Observation bounds where the task has them (Gymnasium's own): CartPole's cart position and
# pole angle (twice the termination thresholds), Pendulum's cos, sin and angular velocity.
_OBS_HIGH = {
    "cartpole": np.array([4.8, np.inf, 2 * 12 * 2 * np.pi / 360, np.inf], np.float32),
    "pendulum": np.array([1.0, 1.0, 8.0], np.float32),
}


def _spaces(raw, name: str | None = None) -> tuple[spaces.Box, spaces.Space]:
    shape = tuple(raw.obs_shape)
    if len(shape) == 3:  # the car's 3×84×84 pixels, scaled to [0, 1]
        obs = spaces.Box(0.0, 1.0, shape, np.float32)
    elif name in _OBS_HIGH:
        obs = spaces.Box(-_OBS_HIGH[name], _OBS_HIGH[name], dtype=np.float32)
    else:
        obs = spaces.Box(-np.inf, np.inf, shape, np.float32)
    if raw.n_actions is not None:
        act: spaces.Space = spaces.Discrete(raw.n_actions)
    else:
        low, high = raw.action_bounds
        act = spaces.Box(np.array(low, np.float32), np.array(high, np.float32), dtype=np.float32)
    return obs, act


def _variant(morphology: str | None, variant: str | None) -> str | None:
    if morphology is not None and variant is not None and morphology != variant:
        raise ValueError("give morphology= or variant=, not both")
    return morphology if morphology is not None else variant


def _u64_seed(seed: Any) -> int:
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return int(seed)


class HebbEnv(gymnasium.Env):
    """One of hebb's built-in environments (``hebb_train::env``) with the Gymnasium API.

    Observations are float32 arrays the Rust environment writes into directly; ``reset(seed=s)``
    seeds the Rust environment with ``s`` itself, so an episode here is the episode ``hebb``
    runs for that seed. Continuous actions are clipped to the action box; NaN actions are a
    ``ValueError``. The environments end their episodes themselves (``truncated`` at the time
    limit), so no ``TimeLimit`` wrapper is registered.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": _FPS}

    def __init__(
        self,
        name: str,
        render_mode: str | None = None,
        morphology: str | None = None,
        variant: str | None = None,
        paper_fitness: bool = False,
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.name = name
        self.variant = _variant(morphology, variant)
        self.render_mode = render_mode
        self._raw = RawEnv(name, self.variant, paper_fitness)
        self.observation_space, self.action_space = _spaces(self._raw, name)
        self._discrete = isinstance(self.action_space, spaces.Discrete)
        self._raw_step = self._raw.step
        self._act_shape = self.action_space.shape

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        s = _u64_seed(seed) if seed is not None else int(self.np_random.integers(0, 2**63))
        return self._raw.reset(s), {}

    def step(self, action):
        if not self._discrete:
            action = np.asarray(action, dtype=np.float32)
            if action.shape != self._act_shape:
                raise ValueError(f"action of shape {action.shape}, expected {self._act_shape}")
        obs, reward, terminated, truncated = self._raw_step(action)
        return obs, reward, terminated, truncated, {}

    def render(self):
        if self.render_mode == "rgb_array":
            return self._raw.render()
        return None

    def body_position(self):
        """World position of the body the task moves (the quadruped's torso), or None."""
        return self._raw.body_position()


class HebbVecEnv(VectorEnv):
    """*n* copies of a built-in environment stepped together inside Rust, across threads: one
    Python crossing per batch. Finished environments are reset on the following ``step``
    (Gymnasium's ``AutoresetMode.NEXT_STEP``). ``reset(seed=s)`` seeds environment *i* with
    ``s + i``.

    With ``copy=False`` the arrays returned by ``reset``/``step`` are reused by the next call
    (no allocation per step); with ``copy=True`` (the default) every call returns new arrays.
    """

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        name: str,
        num_envs: int,
        morphology: str | None = None,
        variant: str | None = None,
        paper_fitness: bool = False,
        threads: int = 0,
        copy: bool = True,
    ):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
        self.name = name
        self.num_envs = int(num_envs)
        self._raw = RawVecEnv(name, self.num_envs, _variant(morphology, variant), paper_fitness, threads)
        self.single_observation_space, self.single_action_space = _spaces(self._raw, name)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._discrete = isinstance(self.single_action_space, spaces.Discrete)
        self._copy = copy
        self._bufs = None
        self._seeded = False

    def _buffers(self):
        if self._copy or self._bufs is None:
            n = self.num_envs
            self._bufs = (
                np.zeros((n, *self.single_observation_space.shape), np.float32),
                np.zeros(n, np.float64),
                np.zeros(n, np.bool_),
                np.zeros(n, np.bool_),
            )
        return self._bufs

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._np_random, _ = gymnasium.utils.seeding.np_random(_u64_seed(seed) % 2**63)
            s = _u64_seed(seed)
        else:
            s = int(self.np_random.integers(0, 2**63))
        obs = self._buffers()[0]
        self._raw.reset(s, obs)
        self._seeded = True
        return obs, {}

    def step(self, actions):
        if not self._seeded:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        if self._discrete:
            a = np.ascontiguousarray(actions, dtype=np.int64)
            if a.shape != (self.num_envs,):
                raise ValueError(f"actions of shape {a.shape}, expected ({self.num_envs},)")
        else:
            a = np.ascontiguousarray(actions, dtype=np.float32)
            if a.shape != self.action_space.shape:
                raise ValueError(f"actions of shape {a.shape}, expected {self.action_space.shape}")
        obs, rew, term, trunc = self._buffers()
        self._raw.step(a, obs, rew, term, trunc)
        return obs, rew, term, trunc, {}


def make_vec(env_id: str, num_envs: int, **kwargs) -> HebbVecEnv:
    """``num_envs`` copies of a hebb environment (``hebb/CarRacing-v0``, …) stepped in Rust."""
    if env_id not in ENV_IDS:
        raise ValueError(f"unknown hebb environment {env_id!r} (one of: {', '.join(ENV_IDS)})")
    return HebbVecEnv(ENV_IDS[env_id], num_envs, **kwargs)


def register_envs() -> None:
    """Registers the hebb ids with Gymnasium (done by ``import hebb``)."""
    for env_id, name in ENV_IDS.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point="hebb.envs:HebbEnv",
            vector_entry_point="hebb.envs:HebbVecEnv",
            kwargs={"name": name},
        )
