//! Atomic file writes: every file of a run is written to a temporary file in the same
//! directory, flushed to disk, then renamed over its destination, so an interrupted or failed
//! write (a kill, a full disk) never leaves a half-written file — at worst a stale temporary
//! file, which [`remove_stale_temps`] clears when a run starts or resumes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Marker in the name of every temporary file: `.NAME.PID.tmp` (or `.STEM.PID.tmp.EXT` where
/// the writer needs the extension, as the PNG encoder does).
const TMP: &str = "tmp";

/// The temporary path `path` is first written to, by this process: `.NAME.PID.tmp` next to it,
/// or `.STEM.PID.tmp.EXT` with `keep_extension` (for writers that pick a format by extension).
pub fn temp_path(path: &Path, keep_extension: bool) -> PathBuf {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let pid = std::process::id();
    let name = match (keep_extension, path.file_stem(), path.extension()) {
        (true, Some(stem), Some(ext)) => {
            format!(".{}.{pid}.{TMP}.{}", stem.to_string_lossy(), ext.to_string_lossy())
        }
        _ => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            format!(".{name}.{pid}.{TMP}")
        }
    };
    dir.join(name)
}

/// Moves the finished temporary file `tmp` over `path` after flushing it to disk; removes
/// `tmp` on failure.
pub fn commit(tmp: &Path, path: &Path) -> Result<()> {
    let res = fs::File::open(tmp).and_then(|f| f.sync_all()).and_then(|()| fs::rename(tmp, path));
    if res.is_err() {
        let _ = fs::remove_file(tmp);
    }
    res.map_err(|e| Error::io(path, e))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path, false);
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

/// The process id in a temporary file name of [`temp_path`]'s form, if `name` is one.
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    // `.NAME.PID.tmp` or `.STEM.PID.tmp.EXT`: the PID is the part just before `tmp`.
    let parts: Vec<&str> = rest.split('.').collect();
    let at = parts.iter().rposition(|p| *p == TMP)?;
    if at < 2 || parts.len() - at > 2 {
        return None;
    }
    parts[at - 1].parse().ok()
}

/// Whether process `pid` is running (always `true` where that cannot be told).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes the temporary files that killed writers left in `dir` (those of processes no
/// longer running); returns how many it removed. A missing directory has none.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else { continue };
        if !alive(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_round_trip() {
        let me = std::process::id();
        let p = temp_path(Path::new("d/checkpoint.bin"), false);
        assert_eq!(p, Path::new(&format!("d/.checkpoint.bin.{me}.tmp")));
        assert_eq!(temp_owner(&p.file_name().unwrap().to_string_lossy()), Some(me));
        let p = temp_path(Path::new("fitness.png"), true);
        assert_eq!(p, Path::new(&format!("./.fitness.{me}.tmp.png")));
        assert_eq!(temp_owner(&p.file_name().unwrap().to_string_lossy()), Some(me));
        for not_temp in ["checkpoint.bin", ".hidden", ".a.tmp", ".a.x.tmp", ".a.1.tmp.b.c", "a.1.tmp"] {
            assert_eq!(temp_owner(not_temp), None, "{not_temp}");
        }
    }

    #[test]
    fn stale_temps_are_removed_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        // A pid that cannot be running: above the kernel's pid_max ceiling (2^22).
        let dead = 4_999_999u32;
        let me = std::process::id();
        for n in [
            format!(".checkpoint.bin.{dead}.tmp"),
            format!(".fitness.{dead}.tmp.svg"),
            format!(".log.csv.{me}.tmp"),
            "keep.txt".into(),
        ] {
            fs::write(d.path().join(n), b"x").unwrap();
        }
        assert_eq!(remove_stale_temps(d.path()).unwrap(), 2);
        let mut left: Vec<String> =
            fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        assert_eq!(left, [format!(".log.csv.{me}.tmp"), "keep.txt".into()]);
        assert_eq!(remove_stale_temps(&d.path().join("missing")).unwrap(), 0);
    }
}
