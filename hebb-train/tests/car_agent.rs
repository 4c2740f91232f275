//! The car agent end to end: the parameter layout (head | CNN | initial weights), a tiny
//! training run through the pixels → CNN → Hebbian head pipeline, the rule file carrying the
//! CNN weights, and `hebb render`'s GIF.

use hebb_core::rulefile::RuleFile;
use hebb_train::es::EsConfig;
use hebb_train::export::read_rule_file;
use hebb_train::policy::ActionMapping;
use hebb_train::run::files;
use hebb_train::setup::{car_preset, car_short_preset};
use hebb_train::train::{RunOptions, train_new};
use hebb_train::video::GifWriter;
use hebb_train::{Setup, TrainConfig, eval};

#[test]
fn parameter_layout() {
    let s = Setup::new(car_preset()).unwrap();
    assert_eq!(s.sizes, [648, 128, 64, 3]);
    assert_eq!(s.obs_dim, 3 * 84 * 84);
    assert_eq!((s.n_penalized, s.n_cnn, s.dim), (456_640, 1_362, 456_640 + 1_362));
    assert_eq!(s.mapping, ActionMapping::Car);
    assert!(s.normalize, "the car normalises its layers (docs/method.md, Rules)");
    assert_eq!((s.cfg.es.pop, s.cfg.generations), (200, 300));
    let st = Setup::new(TrainConfig { static_weights: true, ..car_preset() }).unwrap();
    assert_eq!((st.n_penalized, st.n_cnn, st.dim), (91_328, 1_362, 91_328 + 1_362));
    let co = Setup::new(TrainConfig { init: "coevolve".into(), ..car_preset() }).unwrap();
    assert_eq!(co.dim, 456_640 + 1_362 + 91_328);
    let params: Vec<f32> = (0..co.dim).map(|i| i as f32).collect();
    let p = co.split(&params).unwrap();
    assert_eq!((p.head.len(), p.cnn.len(), p.init.len()), (456_640, 1_362, 91_328));
    assert_eq!(p.cnn[0], 456_640.0);
    assert!(co.split(&params[1..]).is_err());
    // The car has no morphologies.
    let bad = TrainConfig { variants: vec!["standard".into()], ..car_preset() };
    assert!(Setup::new(bad).is_err());
}

#[test]
fn tiny_training_run_exports_cnn_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        es: EsConfig { pop: 4, ..car_short_preset().es },
        generations: 2,
        checkpoint_every: 1,
        ..car_short_preset()
    };
    let s = train_new(
        dir.path(),
        cfg.clone(),
        RunOptions { threads: 0, progress: false, stop_after: None, print_every: 0 },
    )
    .unwrap();
    assert_eq!(s.log.len(), 2);
    assert!(s.log.iter().all(|r| r.mean.is_finite()));
    // The rule file holds the coefficients and the evolved CNN weights, bit for bit.
    let bytes = read_rule_file(&dir.path().join(files::RULE)).unwrap();
    let rf = RuleFile::parse(bytes.bytes()).unwrap();
    let setup = Setup::new(cfg).unwrap();
    let parts = setup.split(&s.state.params).unwrap();
    assert_eq!(rf.header().n_cnn_weights, 1_362);
    assert_eq!(rf.cnn_weights().unwrap(), parts.cnn);
    assert_eq!(rf.header().sizes, [648, 128, 64, 3]);
    // A rendered episode: one frame per step (up to the limit), upscaled 2×.
    let mut gif = GifWriter::new(2, 2).unwrap();
    let ep = eval::render_episode(&setup, &s.state.params, 0, 5, 30, 1, &mut gif).unwrap();
    assert!(ep.steps >= 1);
    assert_eq!(gif.len(), ep.steps.min(30) as usize);
    let out = dir.path().join("car.gif");
    gif.write(&out).unwrap();
    let dec = gif::DecodeOptions::new().read_info(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!((dec.width(), dec.height()), (192, 192));
}

#[test]
fn render_draws_cartpole_too() {
    // Every built-in environment draws now (CartPole: a 240×160 side view); one frame per step.
    let setup = Setup::new(TrainConfig::default()).unwrap();
    let params = vec![0.0; setup.dim];
    let mut gif = GifWriter::new(1, 2).unwrap();
    let ep = eval::render_episode(&setup, &params, 0, 1, 10, 1, &mut gif).unwrap();
    assert!(ep.steps >= 1);
    assert_eq!(gif.len(), ep.steps.min(10) as usize);
}

#[test]
fn static_baseline_runs_through_the_cnn() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig {
        static_weights: true,
        es: EsConfig { pop: 2, ..car_short_preset().es },
        generations: 1,
        ..car_short_preset()
    };
    let s = train_new(
        dir.path(),
        cfg.clone(),
        RunOptions { threads: 1, progress: false, stop_after: None, print_every: 0 },
    )
    .unwrap();
    assert_eq!(s.state.params.len(), 91_328 + 1_362);
    assert!(s.log[0].mean.is_finite());
    let setup = Setup::new(cfg).unwrap();
    let mut gif = GifWriter::new(1, 2).unwrap();
    let ep = eval::render_episode(&setup, &s.state.params, 0, 9, 5, 1, &mut gif).unwrap();
    assert_eq!(gif.len(), ep.steps.min(5) as usize);
}
