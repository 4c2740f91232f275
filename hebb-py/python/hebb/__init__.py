"""hebb for Python: evolved Hebbian plasticity with a Rust core.

* Gymnasium environments: ``import hebb`` registers ``hebb/CarRacing-v0``,
  ``hebb/AntBullet-v0``, ``hebb/Ant-v0``, ``hebb/CartPole-v1`` and ``hebb/Pendulum-v1``;
  :func:`make_vec` steps *n* of them inside Rust across threads.
* :class:`Network` — the plastic network; :func:`load_rule` / :class:`Rule` — ``.hebb`` files.
* :class:`ES` — the evolution strategy with seed-regenerated noise.
* :func:`train` — training on any Gymnasium environment, writing a ``hebb train`` run
  directory; :func:`evaluate` — evaluating one.
* :func:`import_reference` — the reference implementation's saved coefficients as a rule file.
"""

from ._hebb import ES, Network, Rule, builtin_envs, derive_seed, load_rule, n_coefficients
from .envs import ENV_IDS, HebbEnv, HebbVecEnv, make_vec, register_envs
from .reference import import_reference, load_reference_coefficients
from .training import Policy, evaluate, train

__all__ = [
    "ENV_IDS",
    "ES",
    "HebbEnv",
    "HebbVecEnv",
    "Network",
    "Policy",
    "Rule",
    "builtin_envs",
    "derive_seed",
    "evaluate",
    "import_reference",
    "load_reference_coefficients",
    "load_rule",
    "make_vec",
    "n_coefficients",
    "register_envs",
    "train",
]

register_envs()
