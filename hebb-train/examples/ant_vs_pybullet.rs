//! Replays the pybullet fixture's action sequences in hebb's `ant-bullet` and prints the
//! comparison, group by group, statistic by statistic (pybullet mean ± std over its seeds, hebb's
//! the same, and whether hebb's mean lies within pybullet's seed-to-seed spread).
//!
//! ```sh
//! cargo run --release -p hebb-train --example ant_vs_pybullet -- [--seeds N] [--fixture PATH] [--markdown OUT.md] [--substeps4]
//! ```

use std::path::PathBuf;

use hebb_train::env::ant::AntConfig;
use hebb_train::env::ant::body::SimParams;
use hebb_train::env::ant::fidelity::{Episode, Fixture, Row, compare, pooled, replay};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut fixture = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pybullet_ant.json"));
    let mut seeds = 2u64;
    let mut markdown: Option<PathBuf> = None;
    let mut json: Option<PathBuf> = None;
    let mut cfg = AntConfig::default();
    let mut only: Option<String> = None;
    let mut families: Option<Vec<String>> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seeds" => seeds = args.next().ok_or("--seeds N")?.parse()?,
            "--fixture" => fixture = args.next().ok_or("--fixture PATH")?.into(),
            "--markdown" => markdown = Some(args.next().ok_or("--markdown PATH")?.into()),
            "--substeps4" => cfg.sim = SimParams::reference(),
            "--family" => {
                let keep: Vec<String> =
                    args.next().ok_or("--family a,b")?.split(',').map(String::from).collect();
                families = Some(keep);
            }
            "--json" => json = Some(args.next().ok_or("--json PATH")?.into()),
            "--only" => only = Some(args.next().ok_or("--only STAT")?),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let mut fx = Fixture::load(&fixture)?;
    if let Some(f) = &families {
        fx.episodes.retain(|e| f.contains(&e.family));
    }
    let t0 = std::time::Instant::now();
    eprintln!("replaying {} episodes × {seeds} seeds …", fx.episodes.len());
    let replayed = replay(&cfg, &fx, seeds)?;
    eprintln!("done in {:.0} s", t0.elapsed().as_secs_f64());
    let rows = compare(&replayed);
    let shown: Vec<&Row> = rows.iter().filter(|r| only.as_deref().is_none_or(|o| o == r.stat)).collect();
    let mut out = String::new();
    out.push_str("| group | statistic | pybullet (n) | hebb (n) | within spread |\n|---|---|---|---|---|\n");
    for r in &shown {
        out.push_str(&format!(
            "| {} | {} | {:.3} ± {:.3} ({}) | {:.3} ± {:.3} ({}) | {} |\n",
            r.group,
            r.stat,
            r.pybullet.0,
            r.pybullet.1,
            r.n.0,
            r.hebb.0,
            r.hebb.1,
            r.n.1,
            if r.within() { "yes" } else { "**no**" }
        ));
    }
    let ok = rows.iter().filter(|r| r.within()).count();
    out.push_str(&format!("\n{ok} of {} statistics within pybullet's spread.\n", rows.len()));
    // Per statistic, over all groups.
    let mut by_stat: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for r in &rows {
        let e = by_stat.entry(r.stat).or_default();
        e.1 += 1;
        e.0 += usize::from(r.within());
    }
    for (s, (k, n)) in by_stat {
        out.push_str(&format!("- {s}: {k}/{n} groups within\n"));
    }
    out.push_str("\nPooled over each family (pybullet → hebb):\n\n| family | survives 1000 steps | alive steps | torso z at step 100 | distance (m) | Σprogress |\n|---|---|---|---|---|---|\n");
    let cols: Vec<Vec<(String, f64, f64)>> = ["survives", "alive", "z@100", "distance", "progress_sum"]
        .iter()
        .map(|s| pooled(&replayed, s))
        .collect();
    for (f, _, _) in &cols[1] {
        let cell = |c: &Vec<(String, f64, f64)>| {
            c.iter().find(|r| &r.0 == f).map_or("–".to_string(), |r| format!("{:.3} → {:.3}", r.1, r.2))
        };
        out.push_str(&format!("| {f} | {} |\n", cols.iter().map(cell).collect::<Vec<_>>().join(" | ")));
    }
    print!("{out}");
    if let Some(p) = json {
        let eps: Vec<Episode> = replayed
            .iter()
            .flat_map(|(ep, runs)| runs.iter().map(|r| Episode { result: r.clone(), ..ep.clone() }))
            .collect();
        std::fs::write(
            &p,
            serde_json::to_string(&Fixture {
                source: "hebb ant-bullet".into(),
                pybullet_version: String::new(),
                episodes: eps,
            })?,
        )?;
    }
    if let Some(p) = markdown {
        std::fs::write(&p, &out)?;
    }
    Ok(())
}
