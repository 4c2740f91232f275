"""Training through hebb.train: the run directory `hebb train` writes, bit for bit, and a
Gymnasium environment trained to the task's ceiling."""

import csv
import json
import time

import gymnasium
import numpy as np
import pytest

import hebb

SMALL = dict(pop=8, gens=3, hidden=(16, 8), seed=3)


def rows(run):
    with open(run / "log.csv") as f:
        return [{k: v for k, v in r.items() if k != "wall_s"} for r in csv.DictReader(f)]


def test_hebb_id_run_is_the_cli_run(tmp_path, hebb_cli):
    hebb_cli("train", "--env", "cartpole", "--pop", 8, "--gens", 3, "--hidden", "16,8", "--seed", 3,
             "--out", tmp_path / "cli", "--quiet")
    cli = tmp_path / "cli"
    for workers in (1, 2):
        out = tmp_path / f"py{workers}"
        p = hebb.train("hebb/CartPole-v1", out=out, workers=workers, progress=False, **SMALL)
        assert (out / "rule.hebb").read_bytes() == (cli / "rule.hebb").read_bytes(), f"workers={workers}"
        assert json.loads((out / "config.json").read_text()) == json.loads((cli / "config.json").read_text())
        assert rows(out) == rows(cli)
        for f in ("checkpoint.bin", "fitness.png", "fitness.svg"):
            assert (out / f).stat().st_size > 0
        assert p.log[-1]["generation"] == 2
    # The CLI's own tools accept the Python run: eval (same episode seeds as hebb.evaluate), export.
    text = hebb_cli("eval", tmp_path / "py1", "--episodes", 5, "--seed", 99)
    mean = float(np.mean(hebb.evaluate(tmp_path / "py1", episodes=5, seed=99)))
    assert f"{mean:.2f}" in text, text
    hebb_cli("export", tmp_path / "py1", "--out", tmp_path / "x.hebb")
    assert (tmp_path / "x.hebb").read_bytes() == (cli / "rule.hebb").read_bytes()
    # And render: a GIF of one evaluation episode of the Python run.
    hebb_cli("render", tmp_path / "py1", "--out", tmp_path / "ep.gif", "--steps", 60, "--scale", 1)
    assert (tmp_path / "ep.gif").read_bytes()[:6] in (b"GIF87a", b"GIF89a")


def test_stop_and_resume_give_the_uninterrupted_run(tmp_path):
    full = tmp_path / "full"
    hebb.train("hebb/Pendulum-v1", out=full, workers=1, progress=False, **{**SMALL, "gens": 4})
    part = tmp_path / "part"
    hebb.train("hebb/Pendulum-v1", out=part, workers=1, progress=False, stop_after=2, **{**SMALL, "gens": 4})
    assert not (part / "rule.hebb").exists()
    with pytest.raises(ValueError, match="already holds a run"):
        hebb.train("hebb/Pendulum-v1", out=part, workers=1, progress=False, **{**SMALL, "gens": 4})
    with pytest.raises(ValueError, match="another configuration"):
        hebb.train("hebb/Pendulum-v1", out=part, workers=1, progress=False, resume=True, **{**SMALL, "gens": 4, "seed": 4})
    hebb.train("hebb/Pendulum-v1", out=part, workers=2, progress=False, resume=True, **{**SMALL, "gens": 4})
    assert (part / "rule.hebb").read_bytes() == (full / "rule.hebb").read_bytes()
    assert rows(part) == rows(full)


def test_any_gymnasium_env_run_dir(tmp_path, hebb_cli):
    out = tmp_path / "lunar"
    # A factory with a continuous box: MountainCarContinuous (no Box2D needed).
    p = hebb.train(lambda: gymnasium.make("MountainCarContinuous-v0"), env_name="MountainCarContinuous-v0",
                   out=out, workers=2, progress=False, **SMALL)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["env"] == "MountainCarContinuous-v0"
    assert cfg["external"] == {"obs_dim": 2, "discrete": None, "low": [-1.0], "high": [1.0]}
    # inspect and export accept it; eval says why it cannot build the environment.
    text = hebb_cli("inspect", out)
    assert "MountainCarContinuous-v0" in text and "16" in text, text
    hebb_cli("export", out, "--out", tmp_path / "m.hebb")
    assert (tmp_path / "m.hebb").read_bytes() == (out / "rule.hebb").read_bytes()
    r = hebb.load_rule(out / "rule.hebb")
    assert r.sizes == [2, 16, 8, 1] and r.action_map == "direct" and r.output == "tanh"
    rets = hebb.evaluate(p, episodes=2)
    assert len(rets) == 2 and all(np.isfinite(rets))
    # Spaces hebb cannot train on are clear errors.
    with pytest.raises(TypeError, match="observation space"):
        hebb.train(lambda: gymnasium.make("FrozenLake-v1"), out=tmp_path / "f", workers=1, progress=False, **SMALL)
    with pytest.raises(ValueError, match="population"):
        hebb.train("CartPole-v1", out=tmp_path / "c", pop=3, workers=1, progress=False)


def test_gymnasium_cartpole_is_solved(tmp_path):
    """Gymnasium's own CartPole-v1 (not hebb's port), trained through hebb.train with the
    quickstart's ES settings and 32-16 hidden layers, reaches the ceiling over 20 evaluation
    episodes."""
    t0 = time.monotonic()
    p = hebb.train("CartPole-v1", out=tmp_path / "cp", hidden=(32, 16), pop=64, gens=40, seed=1, workers=2,
                   progress=False)
    t1 = time.monotonic()
    returns = hebb.evaluate(p, episodes=20)
    print(f"train {t1 - t0:.1f} s, evaluation {time.monotonic() - t1:.1f} s, "
          f"mean {np.mean(returns):.1f} over 20 episodes")
    assert np.mean(returns) >= 475, returns


class _Interrupting(gymnasium.Wrapper):
    """Gymnasium's CartPole that raises KeyboardInterrupt (as Ctrl-C does) at one step."""

    steps = 0
    at = None

    def step(self, action):
        _Interrupting.steps += 1
        if _Interrupting.steps == _Interrupting.at:
            raise KeyboardInterrupt
        return super().step(action)


def test_ctrl_c_writes_the_checkpoint_and_resume_finishes_the_same_run(tmp_path):
    def make():
        return _Interrupting(gymnasium.make("CartPole-v1"))

    kw = dict(env_name="CartPole-v1", workers=1, progress=False, checkpoint_every=1, **{**SMALL, "gens": 4})
    _Interrupting.steps, _Interrupting.at = 0, None
    hebb.train(make, out=tmp_path / "full", **kw)
    total = _Interrupting.steps
    _Interrupting.steps, _Interrupting.at = 0, total // 2
    with pytest.raises(KeyboardInterrupt, match="resume=True"):
        hebb.train(make, out=tmp_path / "cut", **kw)
    assert (tmp_path / "cut/checkpoint.bin").exists() and not (tmp_path / "cut/rule.hebb").exists()
    _Interrupting.at = None
    hebb.train(make, out=tmp_path / "cut", resume=True, **kw)
    assert (tmp_path / "cut/rule.hebb").read_bytes() == (tmp_path / "full/rule.hebb").read_bytes()
    assert rows(tmp_path / "cut") == rows(tmp_path / "full")


def test_quickstart_example_runs(tmp_path):
    """hebb-py/examples/quickstart.py, as the READMEs tell users to run it: it trains Gymnasium's
    CartPole, evaluates, runs the rule by hand and steps 64 cars, and prints what it measured."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "run")], capture_output=True, text=True,
                       cwd=tmp_path, timeout=600)
    assert r.returncode == 0, f"quickstart.py failed:\n{r.stdout}\n{r.stderr}"
    for line in ("trained in", "evaluation:", "hand-run episode", "steps/s"):
        assert line in r.stdout, f"{line!r} missing from:\n{r.stdout}"
    assert (tmp_path / "run" / "rule.hebb").stat().st_size > 0
