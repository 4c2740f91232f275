import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import hebb
from hebb._hebb import RawEnv

IDS = list(hebb.ENV_IDS)


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_and_render(env_id):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    check_env(env.unwrapped, skip_render_check=False)
    obs, info = env.reset(seed=7)
    assert obs.dtype == np.float32 and obs.shape == env.observation_space.shape
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert frame.std() > 0, "the frame shows something"
    env.close()


def test_car_observation_is_the_paper_pixels():
    env = gymnasium.make("hebb/CarRacing-v0")
    obs, _ = env.reset(seed=1)
    assert obs.shape == (3, 84, 84) and 0.0 <= obs.min() and obs.max() <= 1.0
    assert env.action_space.shape == (3,)


def test_ant_morphology_keyword():
    std = gymnasium.make("hebb/AntBullet-v0")
    dmg = gymnasium.make("hebb/AntBullet-v0", morphology="damaged-right")
    check_env(dmg.unwrapped)
    a = np.full(8, 0.5, np.float32)
    std.reset(seed=3)
    dmg.reset(seed=3)
    for _ in range(30):
        o1, *_ = std.step(a)
        o2, *_ = dmg.step(a)
    assert not np.array_equal(o1, o2), "the damaged morphology walks differently"
    with pytest.raises(ValueError, match="morpholog|variant"):
        gymnasium.make("hebb/AntBullet-v0", morphology="no-such-leg")


def test_seeded_episodes_are_the_rust_episodes():
    env = gymnasium.make("hebb/CartPole-v1")
    raw = RawEnv("cartpole")
    o, _ = env.reset(seed=12)
    assert np.array_equal(o, raw.reset(12))
    for t in range(50):
        a = t % 2
        o, r, term, trunc, _ = env.step(a)
        o2, r2, term2, trunc2 = raw.step(a)
        assert np.array_equal(o, o2) and (r, term, trunc) == (r2, term2, trunc2)
        if term or trunc:
            break
    # Unseeded resets continue from the seeded generator (reproducible).
    e1, e2 = gymnasium.make("hebb/Pendulum-v1"), gymnasium.make("hebb/Pendulum-v1")
    e1.reset(seed=5), e2.reset(seed=5)
    assert np.array_equal(e1.reset()[0], e2.reset()[0])


def test_bad_actions_and_seeds_are_python_errors():
    env = gymnasium.make("hebb/Pendulum-v1").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        env.step(np.array([np.nan], np.float32))
    with pytest.raises((ValueError, gymnasium.error.Error)):
        env.reset(seed=-1)
    with pytest.raises((TypeError, gymnasium.error.Error)):
        env.reset(seed=1.5)
    cp = gymnasium.make("hebb/CartPole-v1").unwrapped
    cp.reset(seed=0)
    with pytest.raises(ValueError, match="outside"):
        cp.step(5)
    with pytest.raises(ValueError, match="integer"):
        cp.step("left")
    with pytest.raises(ValueError, match="render_mode"):
        hebb.HebbEnv("cartpole", render_mode="human")
    with pytest.raises(ValueError, match="unknown environment"):
        hebb.HebbEnv("no-such-env")


def test_continuous_actions_are_clipped_to_the_box():
    a, b = RawEnv("pendulum"), RawEnv("pendulum")
    a.reset(4), b.reset(4)
    oa, ra, *_ = a.step(np.array([100.0], np.float32))
    ob, rb, *_ = b.step(np.array([2.0], np.float32))
    assert np.array_equal(oa, ob) and ra == rb


def test_vector_env_matches_single_envs():
    n = 6
    vec = hebb.make_vec("hebb/CartPole-v1", n)
    singles = [hebb.HebbEnv("cartpole") for _ in range(n)]
    obs, _ = vec.reset(seed=40)
    assert obs.shape == (n, 4)
    for i, e in enumerate(singles):
        assert np.array_equal(obs[i], e.reset(seed=40 + i)[0])
    done = np.zeros(n, bool)
    for t in range(20):
        acts = np.array([(t + i) % 2 for i in range(n)])
        obs, rew, term, trunc, _ = vec.step(acts)
        for i, e in enumerate(singles):
            if done[i]:
                continue
            o, r, te, tr, _ = e.step(int(acts[i]))
            assert np.array_equal(obs[i], o) and rew[i] == r and term[i] == te and trunc[i] == tr
            done[i] = te or tr
    with pytest.raises(ValueError, match="shape"):
        vec.step(np.zeros(n + 1, np.int64))
    # The Gymnasium route to the same class.
    g = gymnasium.make_vec("hebb/Pendulum-v1", num_envs=3, vectorization_mode="vector_entry_point")
    o, _ = g.reset(seed=1)
    o, r, te, tr, _ = g.step(np.zeros((3, 1), np.float32))
    assert o.shape == (3, 3) and r.shape == (3,)


def test_vector_env_autoresets_on_the_next_step():
    vec = hebb.make_vec("hebb/CartPole-v1", 2, copy=False)
    vec.reset(seed=0)
    ended = None
    for _ in range(600):
        obs, rew, term, trunc, _ = vec.step(np.zeros(2, np.int64))
        if ended is not None:
            assert rew[ended] == 0.0 and not term[ended] and not trunc[ended]
            assert abs(obs[ended]).max() <= 0.05, "a fresh CartPole state"
            break
        if term.any() or trunc.any():
            ended = int(np.argmax(term | trunc))
    assert ended is not None
