//! Run directories: `config.json`, `log.csv`, `checkpoint.bin`, `fitness.{png,svg}`,
//! `rule.hebb`. Every file is written atomically (temporary file in the same directory,
//! flushed, then renamed), so an interrupted write never leaves a half-written file.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::env::EnvFactory;
use crate::error::{Error, Result};
use crate::es::EsState;
use crate::setup::{Setup, SharedRules, TrainConfig};

/// File names inside a run directory.
pub mod files {
    /// The configuration.
    pub const CONFIG: &str = "config.json";
    /// Per-generation statistics.
    pub const LOG: &str = "log.csv";
    /// The latest ES state.
    pub const CHECKPOINT: &str = "checkpoint.bin";
    /// Fitness curve (raster).
    pub const PLOT_PNG: &str = "fitness.png";
    /// Fitness curve (vector).
    pub const PLOT_SVG: &str = "fitness.svg";
    /// The final rule.
    pub const RULE: &str = "rule.hebb";
}

const CKPT_MAGIC: &[u8; 8] = b"HEBBCKPT";
/// Version 1: no shared rules (written whenever a run has none, so earlier builds read it);
/// version 2 adds the shared rules of a merged run.
const CKPT_VERSION: u32 = 2;
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// What a checkpoint holds: the ES state and the run's running totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The ES state after `state.generation` generations.
    pub state: EsState,
    /// Environment steps taken so far.
    pub env_steps: u64,
    /// Wall-clock seconds spent so far (across resumes).
    pub wall_s: f64,
    /// The rules after a merge (Evolve & Merge); `None` before any.
    pub shared: Option<SharedRules>,
}

/// A version 1 checkpoint (no shared rules), as it is read.
#[derive(Deserialize)]
struct CheckpointV1 {
    state: EsState,
    env_steps: u64,
    wall_s: f64,
}

impl Checkpoint {
    /// A checkpoint without shared rules.
    pub fn new(state: EsState, env_steps: u64, wall_s: f64) -> Self {
        Checkpoint { state, env_steps, wall_s, shared: None }
    }

    /// The file's bytes: magic, version, postcard body, CRC-32 of everything before it.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let enc = |e: postcard::Error| Error::Encode { what: "checkpoint", msg: e.to_string() };
        let (version, body) = match self.shared {
            // Version 1's body: `CheckpointV1`'s fields in order (postcard writes a struct as
            // its fields), borrowed rather than copied.
            None => (1u32, postcard::to_stdvec(&(&self.state, self.env_steps, self.wall_s)).map_err(enc)?),
            Some(_) => (CKPT_VERSION, postcard::to_stdvec(self).map_err(enc)?),
        };
        let mut bytes = Vec::with_capacity(body.len() + 16);
        bytes.extend_from_slice(CKPT_MAGIC);
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&body);
        let crc = CRC.checksum(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        Ok(bytes)
    }

    /// Decodes a checkpoint file and validates every field that can be checked without the
    /// run's configuration ([`Checkpoint::validate`]); the error says what is wrong. Never
    /// panics, whatever the bytes.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Checkpoint, String> {
        if bytes.len() < 16 || &bytes[..8] != CKPT_MAGIC {
            return Err("not a hebb checkpoint".into());
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if CRC.checksum(body).to_le_bytes() != crc {
            return Err("CRC mismatch (corrupt or truncated checkpoint)".into());
        }
        let version = u32::from_le_bytes([body[8], body[9], body[10], body[11]]);
        let (ck, rest) = match version {
            1 => {
                let (v1, rest): (CheckpointV1, _) =
                    postcard::take_from_bytes(&body[12..]).map_err(|e| e.to_string())?;
                (Checkpoint::new(v1.state, v1.env_steps, v1.wall_s), rest)
            }
            CKPT_VERSION => {
                postcard::take_from_bytes::<Checkpoint>(&body[12..]).map_err(|e| e.to_string())?
            }
            _ => return Err(format!("unsupported checkpoint version {version}")),
        };
        if !rest.is_empty() {
            return Err(format!("{} unexpected bytes after the checkpoint's content", rest.len()));
        }
        ck.validate()?;
        Ok(ck)
    }

    /// Checks the fields on their own: a non-empty, all-finite parameter vector, a penalised
    /// block within it, finite positive `lr` and `σ`, finite non-negative wall time.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let s = &self.state;
        if s.params.is_empty() {
            return Err("holds no parameters".into());
        }
        let bad = s.params.iter().filter(|v| !v.is_finite()).count();
        if bad > 0 {
            return Err(format!("{bad} of {} parameters are not finite (NaN or infinite)", s.params.len()));
        }
        if s.n_penalized > s.params.len() {
            return Err(format!(
                "penalised block of {} values is longer than the {} parameters",
                s.n_penalized,
                s.params.len()
            ));
        }
        for (name, v) in [("learning rate", s.lr), ("σ", s.sigma)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} {v} is not a finite positive number"));
            }
        }
        if !(self.wall_s.is_finite() && self.wall_s >= 0.0) {
            return Err(format!("wall time {} s is not a finite non-negative number", self.wall_s));
        }
        Ok(())
    }

    /// Turns a run's setup, built from its configuration, into the one this checkpoint was
    /// written under (the merged rules, if any).
    pub fn apply_to(&self, setup: &mut Setup) -> Result<()> {
        if let Some(r) = &self.shared
            && setup.shared.as_ref() != Some(r)
        {
            *setup = setup.with_shared(r.clone())?;
        }
        Ok(())
    }

    /// Checks the checkpoint against the run it belongs to: `setup`'s parameter layout and
    /// seed, and at most `budget` generations done.
    pub fn check_against(&self, setup: &Setup, budget: u32) -> std::result::Result<(), String> {
        if self.shared != setup.shared {
            return Err(match &self.shared {
                Some(r) => format!("holds {} merged rules, the setup has none (apply them first)", r.n_rules),
                None => "holds no merged rules, the setup has some".into(),
            });
        }
        let s = &self.state;
        if s.params.len() != setup.dim {
            return Err(format!("holds {} parameters, the config needs {}", s.params.len(), setup.dim));
        }
        if s.n_penalized != setup.n_penalized {
            return Err(format!(
                "penalised block of {} values, the config needs {}",
                s.n_penalized, setup.n_penalized
            ));
        }
        if s.seed != setup.cfg.seed {
            return Err(format!("seed {} differs from the config's {}", s.seed, setup.cfg.seed));
        }
        if s.generation > budget {
            return Err(format!("{} generations done, more than the budget of {budget}", s.generation));
        }
        Ok(())
    }
}

/// One row of `log.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    /// Generation index (from 0).
    pub generation: u32,
    /// Mean episode return over the population (no penalty).
    pub mean: f64,
    /// Best candidate's return.
    pub max: f64,
    /// Worst candidate's return.
    pub min: f64,
    /// Standard deviation of returns.
    pub std: f64,
    /// Learning rate used this generation.
    pub lr: f64,
    /// σ used this generation.
    pub sigma: f64,
    /// Cumulative environment steps.
    pub env_steps: u64,
    /// Cumulative wall-clock seconds.
    pub wall_s: f64,
    /// Episodes of this generation cut short because the environment produced a non-finite
    /// observation (absent in logs of older versions: 0).
    #[serde(default)]
    pub aborted: u64,
}

pub use crate::fsio::write_atomic;

/// A run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// Its path.
    pub path: PathBuf,
}

impl RunDir {
    /// Creates a new run directory; refuses one that already holds a run. A run exists once
    /// both its config and its checkpoint do (a new run writes its config last); a directory
    /// holding only one of them is what a start interrupted before its first checkpoint
    /// leaves, and counts as empty.
    pub fn create(path: &Path) -> Result<Self> {
        if path.join(files::CONFIG).exists() && path.join(files::CHECKPOINT).exists() {
            return Err(Error::RunExists { dir: path.to_path_buf() });
        }
        fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        Ok(RunDir { path: path.to_path_buf() })
    }

    /// Opens an existing run directory (it must have a config).
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_dir() {
            return Err(Error::NotARunDir { path: path.to_path_buf() });
        }
        if !path.join(files::CONFIG).is_file() {
            return Err(Error::Corrupt {
                path: path.join(files::CONFIG),
                msg: "missing: not a run directory".into(),
            });
        }
        Ok(RunDir { path: path.to_path_buf() })
    }

    /// Path of a file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Saves the configuration.
    pub fn save_config(&self, cfg: &TrainConfig) -> Result<()> {
        let json = serde_json::to_vec_pretty(cfg)
            .map_err(|e| Error::Encode { what: "configuration", msg: e.to_string() })?;
        write_atomic(&self.file(files::CONFIG), &json)
    }

    /// Loads the configuration and validates it (every value in range, names known); errors
    /// name the file.
    pub fn load_config(&self) -> Result<TrainConfig> {
        self.load_config_with(None)
    }

    /// [`RunDir::load_config`] for a run of the environments `env` builds (`None`: the built-in
    /// the configuration names); the configuration must name `env`.
    pub fn load_config_with(&self, env: Option<&EnvFactory>) -> Result<TrainConfig> {
        let p = self.file(files::CONFIG);
        let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
        let cfg: TrainConfig = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Corrupt { path: p.clone(), msg: e.to_string() })?;
        let checked = match env {
            None => Setup::new(cfg.clone()),
            Some(f) if f.name() == cfg.env => Setup::with_env(cfg.clone(), f.clone()),
            Some(f) => Err(Error::Config(format!(
                "a run of environment `{}`, not of `{}` (the factory's name)",
                cfg.env,
                f.name()
            ))),
        };
        checked.map_err(|e| Error::Corrupt { path: p, msg: e.to_string() })?;
        Ok(cfg)
    }

    /// Saves a checkpoint atomically (magic, version, postcard body, CRC-32).
    pub fn save_checkpoint(&self, ck: &Checkpoint) -> Result<()> {
        write_atomic(&self.file(files::CHECKPOINT), &ck.encode()?)
    }

    /// Loads the checkpoint and checks every field that can be checked on its own
    /// ([`Checkpoint::decode`]).
    pub fn load_checkpoint(&self) -> Result<Checkpoint> {
        let p = self.file(files::CHECKPOINT);
        let bytes = fs::read(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Corrupt {
                path: p.clone(),
                msg: format!(
                    "missing: the run never wrote its first checkpoint; `hebb train --out {}` starts \
                     it afresh",
                    self.path.display()
                ),
            },
            _ => Error::io(&p, e),
        })?;
        Checkpoint::decode(&bytes).map_err(|msg| Error::Corrupt { path: p, msg })
    }

    /// Loads the checkpoint and checks it against the run's setup as well: parameter count,
    /// penalised block, seed, and a generation count within the budget. A checkpoint of a
    /// merged run (Evolve & Merge) turns `setup` into the merged one first.
    pub fn load_checkpoint_for(&self, setup: &mut Setup) -> Result<Checkpoint> {
        let ck = self.load_checkpoint()?;
        ck.apply_to(setup)
            .map_err(|e| Error::Corrupt { path: self.file(files::CHECKPOINT), msg: e.to_string() })?;
        ck.check_against(setup, setup.cfg.generations)
            .map_err(|msg| Error::Corrupt { path: self.file(files::CHECKPOINT), msg })?;
        Ok(ck)
    }

    /// Reads `log.csv` (empty if absent).
    pub fn load_log(&self) -> Result<Vec<LogRow>> {
        let p = self.file(files::LOG);
        if !p.exists() {
            return Ok(vec![]);
        }
        let mut r =
            csv::Reader::from_path(&p).map_err(|e| Error::Corrupt { path: p.clone(), msg: e.to_string() })?;
        r.deserialize()
            .collect::<Result<Vec<LogRow>, _>>()
            .map_err(|e| Error::Corrupt { path: p, msg: e.to_string() })
    }

    /// Rewrites `log.csv` atomically with `rows`.
    pub fn save_log(&self, rows: &[LogRow]) -> Result<()> {
        let mut w = csv::Writer::from_writer(vec![]);
        for r in rows {
            w.serialize(r).map_err(|e| Error::Encode { what: "log", msg: e.to_string() })?;
        }
        if rows.is_empty() {
            w.write_record([
                "generation",
                "mean",
                "max",
                "min",
                "std",
                "lr",
                "sigma",
                "env_steps",
                "wall_s",
                "aborted",
            ])
            .map_err(|e| Error::Encode { what: "log", msg: e.to_string() })?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Encode { what: "log", msg: e.to_string() })?;
        write_atomic(&self.file(files::LOG), &bytes)
    }
}
