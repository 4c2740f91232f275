//! The step-at-a-time agent and the callback-evaluated training loop give the trainer's own
//! bits: episodes, candidates and whole runs.

use _hebb::agent::{Act, Agent};
use _hebb::train::{CallbackEvaluator, candidate_result};
use _hebb::vecenv::{Actions, Out, VecEnv};
use hebb_train::env::{Action, Env};
use hebb_train::es::{EsConfig, EsState};
use hebb_train::run::RunDir;
use hebb_train::setup::{ExternalEnv, Setup, TrainConfig};
use hebb_train::train::{self, CandidateResult, RunOptions, episode_seed, evaluate_candidate};

/// One episode driven from outside, as the Python workers drive it.
fn drive(agent: &mut Agent, env: &mut dyn Env, seed: u64) -> (f64, u64, bool) {
    let mut obs = vec![0.0f32; env.obs_dim()];
    agent.begin(seed).unwrap();
    env.reset(seed, &mut obs);
    let (mut ret, mut steps) = (0.0f64, 0u64);
    loop {
        let a = match agent.act(&obs).unwrap() {
            Act::Discrete(a) => Action::Discrete(a),
            Act::Continuous(a) => Action::Continuous(a),
            Act::Aborted => return (ret, steps, true),
        };
        let s = env.step(a, &mut obs);
        ret += s.reward as f64;
        steps += 1;
        if s.done() {
            return (ret, steps, false);
        }
    }
}

fn cfg(env: &str, hidden: Vec<usize>) -> TrainConfig {
    TrainConfig {
        env: env.into(),
        hidden,
        generations: 3,
        es: EsConfig { pop: 6, ..TrainConfig::default().es },
        seed: 5,
        ..TrainConfig::default()
    }
}

#[test]
fn driven_candidates_match_evaluate_candidate() {
    for (env, hidden) in [("cartpole", vec![8, 4]), ("pendulum", vec![6])] {
        let c = cfg(env, hidden);
        let setup = Setup::new(c.clone()).unwrap();
        let state = EsState::new(setup.dim, setup.n_penalized, &c.es, c.seed);
        let mut worker = hebb_train::episode::Worker::new(&setup).unwrap();
        let mut agent = Agent::new(c.clone()).unwrap();
        let mut e = setup.make_env(None).unwrap();
        for i in 0..c.es.pop {
            let want = evaluate_candidate(&setup, &state, &mut worker, i).unwrap();
            let penalty = agent.set_candidate(&state, i).unwrap();
            let (ret, steps, aborted) = drive(&mut agent, e.as_mut(), episode_seed(c.seed, 0, i / 2, 0, 0));
            let got = candidate_result(&setup, ret, steps, aborted as u32, penalty);
            assert_eq!(got, want, "{env} candidate {i}");
        }
    }
}

#[test]
fn callback_training_writes_the_run_hebb_train_writes() {
    let d = tempfile::tempdir().unwrap();
    let c = cfg("cartpole", vec![8, 4]);
    let opts = RunOptions { threads: 1, ..RunOptions::default() };
    let want = train::train_new(&d.path().join("rust"), c.clone(), opts).unwrap();
    let mut agent = Agent::new(c.clone()).unwrap();
    let mut e = hebb_train::env::make("cartpole", None).unwrap();
    let mut ev = CallbackEvaluator::new(1, |setup: &Setup, state: &EsState, out: &mut [CandidateResult]| {
        for (i, o) in out.iter_mut().enumerate() {
            let penalty = agent.set_candidate(state, i)?;
            let seed = episode_seed(state.seed, state.generation, i / 2, 0, 0);
            let (ret, steps, aborted) = drive(&mut agent, e.as_mut(), seed);
            *o = candidate_result(setup, ret, steps, aborted as u32, penalty);
        }
        Ok(())
    })
    .unwrap();
    let got = _hebb::train::run(&d.path().join("cb"), c, false, None, &mut ev).unwrap();
    assert_eq!(got.state, want.state);
    let strip = |mut rows: Vec<hebb_train::run::LogRow>| {
        rows.iter_mut().for_each(|r| r.wall_s = 0.0);
        rows
    };
    assert_eq!(strip(got.log), strip(want.log));
    let read = |p: &str| std::fs::read(d.path().join(p)).unwrap();
    assert_eq!(read("cb/rule.hebb"), read("rust/rule.hebb"));
    assert_eq!(read("cb/config.json"), read("rust/config.json"));
}

#[test]
fn external_runs_have_a_layout_and_refuse_the_builtin_tools() {
    let d = tempfile::tempdir().unwrap();
    let mut c = cfg("LunarLander-v3", vec![8]);
    c.external = Some(ExternalEnv { obs_dim: 8, discrete: Some(4), low: vec![], high: vec![] });
    let setup = Setup::new(c.clone()).unwrap();
    assert_eq!(setup.sizes.iter().copied().collect::<Vec<_>>(), [8, 8, 4]);
    let e = setup.make_env(None).err().unwrap().to_string();
    assert!(e.contains("not built into hebb"), "{e}");
    // The run directory round-trips its config (external block included).
    let mut ev = CallbackEvaluator::new(1, |setup: &Setup, _: &EsState, out: &mut [CandidateResult]| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = candidate_result(setup, i as f64, 1, 0, 0.0);
        }
        Ok(())
    })
    .unwrap();
    let s = _hebb::train::run(d.path(), c.clone(), false, Some(2), &mut ev).unwrap();
    assert_eq!(s.generations, 2);
    let run = RunDir::open(d.path()).unwrap();
    assert_eq!(run.load_config().unwrap(), c);
    // Resuming with another configuration is refused; with the same one it finishes.
    let mut other = c.clone();
    other.seed = 6;
    assert!(_hebb::train::run(d.path(), other, true, None, &mut ev).is_err());
    let s = _hebb::train::run(d.path(), c.clone(), true, None, &mut ev).unwrap();
    assert_eq!(s.generations, 3);
    assert!(d.path().join("rule.hebb").exists());
    // Bad external spaces are clear errors.
    for (x, msg) in [
        (ExternalEnv { obs_dim: 8, discrete: Some(0), low: vec![], high: vec![] }, "at least one action"),
        (ExternalEnv { obs_dim: 8, discrete: None, low: vec![-1.0], high: vec![] }, "as many lower"),
        (ExternalEnv { obs_dim: 8, discrete: None, low: vec![1.0], high: vec![-1.0] }, "low ≤ high"),
    ] {
        let mut c = c.clone();
        c.external = Some(x);
        let e = Setup::new(c).err().unwrap().to_string();
        assert!(e.contains(msg), "{e}");
    }
    let mut c2 = c.clone();
    c2.env = "cartpole".into();
    assert!(Setup::new(c2).is_err(), "an external env may not take a built-in name");
}

#[test]
fn vector_env_steps_like_single_envs_and_autoresets() {
    let n = 5;
    let mut v = VecEnv::new("cartpole", None, false, n, 2).unwrap();
    let d = v.obs_dim();
    let mut singles: Vec<_> = (0..n).map(|_| hebb_train::env::make("cartpole", None).unwrap()).collect();
    let mut obs = vec![0.0f32; n * d];
    v.reset(100, &mut obs).unwrap();
    let mut want = vec![0.0f32; n * d];
    for (i, (e, o)) in singles.iter_mut().zip(want.chunks_mut(d)).enumerate() {
        e.reset(100 + i as u64, o);
    }
    assert_eq!(obs, want);
    let (mut r, mut te, mut tr) = (vec![0.0; n], vec![false; n], vec![false; n]);
    let mut done = [false; 5];
    let mut resets = 0;
    for t in 0..300 {
        let actions: Vec<i64> = (0..n as i64).map(|i| (t + i) % 2).collect();
        let was_done = done;
        v.step(
            Actions::Discrete(&actions),
            Out { obs: &mut obs, reward: &mut r, terminated: &mut te, truncated: &mut tr },
        )
        .unwrap();
        for i in 0..n {
            if was_done[i] {
                // The step after an episode's end resets that environment.
                assert_eq!((r[i], te[i], tr[i]), (0.0, false, false));
                resets += 1;
                done[i] = false;
                continue;
            }
            if resets == 0 {
                let mut o = vec![0.0f32; d];
                let s = singles[i].step(Action::Discrete(actions[i] as usize), &mut o);
                assert_eq!(&obs[i * d..(i + 1) * d], &o[..]);
                assert_eq!((r[i], te[i], tr[i]), (s.reward as f64, s.terminated, s.truncated));
            }
            done[i] = te[i] || tr[i];
        }
    }
    assert!(resets > 0, "alternating actions end CartPole episodes within 300 steps");
    // Wrong lengths and out-of-range actions are errors, not panics.
    assert!(
        v.step(
            Actions::Discrete(&[0; 4]),
            Out { obs: &mut obs, reward: &mut r, terminated: &mut te, truncated: &mut tr }
        )
        .is_err()
    );
    assert!(
        v.step(
            Actions::Discrete(&[0, 1, 2, 0, 1]),
            Out { obs: &mut obs, reward: &mut r, terminated: &mut te, truncated: &mut tr }
        )
        .is_err()
    );
    assert!(
        v.step(
            Actions::Continuous(&[0.0; 5]),
            Out { obs: &mut obs, reward: &mut r, terminated: &mut te, truncated: &mut tr }
        )
        .is_err()
    );
}
