//! Distributed evolution under a real MPI launcher (feature `mpi`; run by `.ci/mpi.sh`):
//! `mpirun -np N hebb train` gives the single-process run's bits, rank 0 alone prints and
//! writes, and a run whose rank is killed ends with a resume hint and finishes on `--resume`
//! with the same bits.
#![cfg(feature = "mpi")]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use hebb_train::run::{LogRow, RunDir, files};

const HEBB: &str = env!("CARGO_BIN_EXE_hebb");

/// A tiny CartPole run: 16 candidates, checkpoints every 2 generations, one thread per rank.
fn tiny(gens: u32, out: &str) -> Vec<String> {
    [
        "train",
        "--pop",
        "16",
        "--gens",
        &gens.to_string(),
        "--checkpoint-every",
        "2",
        "--threads",
        "1",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["--out".to_string(), out.to_string()])
    .collect()
}

/// `mpirun -np N hebb ARGS…` (Open MPI needs leave to run as root and to oversubscribe 2 cores).
fn mpirun(np: usize, args: &[String], cwd: &Path) -> Command {
    let version = Command::new("mpirun").arg("--version").output().unwrap_or_else(|e| {
        panic!("mpirun not found ({e}): install an MPI launcher (see .ci/mpi.sh) to run these tests")
    });
    let mut c = Command::new("mpirun");
    if String::from_utf8_lossy(&version.stdout).contains("Open MPI") {
        c.args(["--allow-run-as-root", "--oversubscribe"]);
    }
    c.args(["-np", &np.to_string(), HEBB]).args(args).current_dir(cwd);
    c
}

/// `hebb ARGS…` as a plain process (no launcher variables, so no MPI).
fn single(args: &[String], cwd: &Path) -> Output {
    let o = Command::new(HEBB).args(args).current_dir(cwd).output().unwrap();
    assert!(o.status.success(), "single-process run failed: {}", String::from_utf8_lossy(&o.stderr));
    o
}

fn run_ok(mut c: Command) -> (String, String) {
    let o = c.output().unwrap();
    let (out, err) =
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "{c:?} failed ({:?}):\n{out}\n{err}", o.status);
    (out, err)
}

/// The log without its wall-clock column.
fn log_bits(dir: &Path) -> Vec<(u32, u64, u64, u64, u64, u64)> {
    let rows: Vec<LogRow> = RunDir::open(dir).unwrap().load_log().unwrap();
    rows.iter()
        .map(|r| {
            (r.generation, r.mean.to_bits(), r.max.to_bits(), r.min.to_bits(), r.std.to_bits(), r.env_steps)
        })
        .collect()
}

/// Same final state, same rule-file bytes, same log (all but wall-clock time).
fn assert_same_run(a: &Path, b: &Path) {
    let (ca, cb) = (
        RunDir::open(a).unwrap().load_checkpoint().unwrap(),
        RunDir::open(b).unwrap().load_checkpoint().unwrap(),
    );
    let bits =
        |c: &hebb_train::run::Checkpoint| c.state.params.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&ca), bits(&cb), "parameters of {} and {} differ", a.display(), b.display());
    assert_eq!(ca.state, cb.state);
    assert_eq!(ca.env_steps, cb.env_steps);
    let rule = |d: &Path| std::fs::read(d.join(files::RULE)).unwrap();
    assert_eq!(rule(a), rule(b), "rule files differ");
    assert_eq!(log_bits(a), log_bits(b));
}

#[test]
fn mpirun_gives_the_single_process_bits() {
    let d = tempfile::tempdir().unwrap();
    single(&tiny(5, "one"), d.path());
    for (np, balance) in [(2, "dynamic"), (2, "static"), (3, "dynamic")] {
        let out = format!("np{np}-{balance}");
        let mut args = tiny(5, &out);
        args.extend(["--balance".into(), balance.into()]);
        let (stdout, _) = run_ok(mpirun(np, &args, d.path()));
        assert_same_run(&d.path().join("one"), &d.path().join(&out));
        // Rank 0 alone reports.
        assert_eq!(stdout.matches("run directory:").count(), 1, "{stdout}");
        assert!(stdout.contains(&format!("MPI: {np} ranks")), "{stdout}");
        // Only rank 0's (atomic) files: no temporary files left by any rank.
        let names: Vec<String> = std::fs::read_dir(d.path().join(&out))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }
}

/// Children of `parent` whose MPI rank is `rank` (Open MPI sets OMPI_COMM_WORLD_RANK).
/// Evolve & Merge under MPI: every rank computes the same merges (k-means from the same state
/// and seed), so two ranks give the single-process bits, shared rules included.
#[test]
fn mpirun_merges_like_one_process() {
    let d = tempfile::tempdir().unwrap();
    let merge = ["--merge-every", "2", "--merge-k", "1000"].map(String::from);
    let mut one = tiny(5, "one");
    one.extend(merge.clone());
    single(&one, d.path());
    let mut two = tiny(5, "two");
    two.extend(merge);
    run_ok(mpirun(2, &two, d.path()));
    assert_same_run(&d.path().join("one"), &d.path().join("two"));
    let ck = RunDir::open(&d.path().join("two")).unwrap().load_checkpoint().unwrap();
    // 8,832 rules → 4,416 (generation 2) → 2,208 (generation 4).
    assert_eq!(ck.shared.map(|s| s.n_rules), Some(2208));
}

fn rank_pids(parent: u32, rank: usize) -> Vec<u32> {
    let want = format!("OMPI_COMM_WORLD_RANK={rank}");
    let mut pids = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // Field 4 (after the parenthesised command name) is the parent pid.
        let ppid = stat.rsplit(')').next().and_then(|s| s.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
        if env.split(|&b| b == 0).any(|v| v == want.as_bytes()) {
            pids.push(pid);
        }
    }
    pids
}

fn wait_for(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            panic!("mpirun did not end within {limit:?} after a rank was killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_killed_rank_ends_the_run_and_resume_finishes_it() {
    let d = tempfile::tempdir().unwrap();
    let gens = 40;
    single(&tiny(gens, "one"), d.path());
    let mut child =
        mpirun(2, &tiny(gens, "r"), d.path()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Kill rank 1 once a checkpoint past generation 0 exists.
    let dir = d.path().join("r");
    let t = Instant::now();
    while RunDir::open(&dir)
        .ok()
        .and_then(|r| r.load_checkpoint().ok())
        .is_none_or(|c| c.state.generation < 2)
    {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before a rank could be killed");
        assert!(t.elapsed() < Duration::from_secs(120), "no checkpoint after 2 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    let victims = rank_pids(child.id(), 1);
    assert_eq!(victims.len(), 1, "rank 1 of mpirun {}: {victims:?}", child.id());
    Command::new("kill").args(["-9", &victims[0].to_string()]).status().unwrap();
    let status = wait_for(&mut child, Duration::from_secs(60));
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!status.success(), "the job must fail when a rank dies");
    assert!(err.contains("hebb train --resume"), "no resume hint:\n{err}");
    let ck = RunDir::open(&dir).unwrap().load_checkpoint().expect("the checkpoint must stay whole");
    assert!(ck.state.generation < gens, "the run finished before the kill: nothing was tested");
    assert!(!dir.join(files::RULE).exists());
    // Resume under MPI (with another rank count: the bits do not depend on it).
    let args: Vec<String> =
        ["train", "--resume", "r", "--threads", "1", "--quiet"].map(String::from).to_vec();
    let (stdout, _) = run_ok(mpirun(3, &args, d.path()));
    assert!(stdout.contains(&format!("done: {gens} of {gens} generations")), "{stdout}");
    assert_same_run(&d.path().join("one"), &dir);
}
