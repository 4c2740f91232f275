//! Run directories: `config.json`, `log.csv`, `checkpoint.bin`, `fitness.{png,svg}`,
//! `rule.hebb`. Every file is written atomically (temporary file in the same directory,
//! flushed, then renamed), so an interrupted write never leaves a half-written file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::es::EsState;
use crate::setup::TrainConfig;

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
const CKPT_VERSION: u32 = 1;
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
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res.map_err(|e| Error::io(path, e))
}

/// A run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// Its path.
    pub path: PathBuf,
}

impl RunDir {
    /// Creates a new run directory; refuses one that already holds a run.
    pub fn create(path: &Path) -> Result<Self> {
        if path.join(files::CONFIG).exists() || path.join(files::CHECKPOINT).exists() {
            return Err(Error::Config(format!(
                "{} already holds a run; use `hebb train --resume {}` or another --out",
                path.display(),
                path.display()
            )));
        }
        fs::create_dir_all(path).map_err(|e| Error::io(path, e))?;
        Ok(RunDir { path: path.to_path_buf() })
    }

    /// Opens an existing run directory (it must have a config).
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_dir() {
            return Err(Error::Config(format!("{} is not a run directory", path.display())));
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
        let json = serde_json::to_vec_pretty(cfg).map_err(|e| Error::Config(e.to_string()))?;
        write_atomic(&self.file(files::CONFIG), &json)
    }

    /// Loads the configuration.
    pub fn load_config(&self) -> Result<TrainConfig> {
        let p = self.file(files::CONFIG);
        let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt { path: p, msg: e.to_string() })
    }

    /// Saves a checkpoint atomically (magic, version, postcard body, CRC-32).
    pub fn save_checkpoint(&self, ck: &Checkpoint) -> Result<()> {
        let body = postcard::to_stdvec(ck).map_err(|e| Error::Config(e.to_string()))?;
        let mut bytes = Vec::with_capacity(body.len() + 16);
        bytes.extend_from_slice(CKPT_MAGIC);
        bytes.extend_from_slice(&CKPT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&body);
        let crc = CRC.checksum(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        write_atomic(&self.file(files::CHECKPOINT), &bytes)
    }

    /// Loads and verifies the checkpoint.
    pub fn load_checkpoint(&self) -> Result<Checkpoint> {
        let p = self.file(files::CHECKPOINT);
        let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
        let corrupt = |msg: &str| Error::Corrupt { path: p.clone(), msg: msg.to_string() };
        if bytes.len() < 16 || &bytes[..8] != CKPT_MAGIC {
            return Err(corrupt("not a hebb checkpoint"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if CRC.checksum(body).to_le_bytes() != crc {
            return Err(corrupt("CRC mismatch (corrupt or truncated checkpoint)"));
        }
        let version = u32::from_le_bytes([body[8], body[9], body[10], body[11]]);
        if version != CKPT_VERSION {
            return Err(corrupt(&format!("unsupported checkpoint version {version}")));
        }
        postcard::from_bytes(&body[12..]).map_err(|e| corrupt(&e.to_string()))
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
            w.serialize(r).map_err(|e| Error::Config(e.to_string()))?;
        }
        if rows.is_empty() {
            w.write_record(["generation", "mean", "max", "min", "std", "lr", "sigma", "env_steps", "wall_s"])
                .map_err(|e| Error::Config(e.to_string()))?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Config(e.to_string()))?;
        write_atomic(&self.file(files::LOG), &bytes)
    }
}
