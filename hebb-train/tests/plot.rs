//! The figures as a reader sees them: the SVG's tick labels, legend entries, legend placement
//! and palette.

use hebb_train::plot::{self, RunCurve};
use hebb_train::run::LogRow;

/// `(x, y, text)` of every `<text>` element of an SVG.
fn texts(svg: &str) -> Vec<(f64, f64, String)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!(" {name}=\"");
        tag.find(&key)
            .and_then(|i| tag[i + key.len()..].split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let (tag, rest) = t.split_once('>').unwrap();
            let body = rest.split("</text>").next().unwrap();
            (attr(tag, "x"), attr(tag, "y"), body.replace("&amp;", "&").trim().to_string())
        })
        .collect()
}

fn rows(n: u32, base: f64, scale: f64) -> Vec<LogRow> {
    (0..n)
        .map(|g| {
            let mean = base + scale * g as f64;
            LogRow {
                generation: g,
                mean,
                max: mean + 3.0 * scale,
                min: mean - 4.0 * scale,
                std: scale,
                lr: 0.05,
                sigma: 0.1,
                env_steps: 1000 * g as u64,
                wall_s: g as f64,
                aborted: 0,
            }
        })
        .collect()
}

fn numeric(t: &[(f64, f64, String)]) -> Vec<&(f64, f64, String)> {
    t.iter().filter(|(_, _, s)| !s.is_empty() && s.parse::<f64>().is_ok()).collect()
}

#[test]
fn fitness_svg_has_integer_generations_tidy_returns_and_a_legend_beside_the_data() {
    let d = tempfile::tempdir().unwrap();
    let (png, svg) = (d.path().join("f.png"), d.path().join("f.svg"));
    // Returns from 20 to 500 over 40 generations: every tick is a whole number.
    plot::fitness_curve(&rows(40, 20.0, 12.0), "cartpole", &png, &svg).unwrap();
    let s = std::fs::read_to_string(&svg).unwrap();
    let t = texts(&s);
    let ticks = numeric(&t);
    assert!(ticks.len() >= 8, "{t:?}");
    for (_, _, v) in &ticks {
        assert!(!v.contains('.'), "tick label {v:?} in {t:?}");
    }
    // The generation axis: the labels on the lowest row, whole numbers from 0 to at most 39.
    let bottom = ticks.iter().map(|t| t.1).fold(f64::MIN, f64::max);
    let x_ticks: Vec<i64> =
        ticks.iter().filter(|t| (t.1 - bottom).abs() < 1.0).map(|t| t.2.parse().unwrap()).collect();
    assert!(
        x_ticks.len() >= 4 && x_ticks.contains(&0) && x_ticks.iter().all(|&g| (0..40).contains(&g)),
        "{x_ticks:?}"
    );
    // Legend entries, each right of every tick label (outside the plotting area).
    let right_of_data = ticks.iter().map(|t| t.0).fold(f64::MIN, f64::max);
    for want in ["mean", "mean ± 1 std", "min / max"] {
        let e = t.iter().find(|e| e.2 == want).unwrap_or_else(|| panic!("no legend entry {want:?} in {t:?}"));
        assert!(
            e.0 > right_of_data + 20.0,
            "legend entry {want:?} at x {} over the data (≤ {right_of_data})",
            e.0
        );
    }
    assert!(t.iter().any(|e| e.2 == "generation") && t.iter().any(|e| e.2 == "cartpole"), "{t:?}");
    // Okabe–Ito blue for the first run; no pure blue/red/lime.
    let upper = s.to_uppercase();
    assert!(upper.contains("#0072B2"), "palette");
    for pure in ["#0000FF", "#FF0000", "#00FF00"] {
        assert!(!upper.contains(pure), "{pure} in the figure");
    }
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // No temporary files left behind.
    let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn small_values_get_the_decimals_they_need_and_short_runs_integer_ticks() {
    let d = tempfile::tempdir().unwrap();
    let svg = d.path().join("f.svg");
    // 4 generations, returns between about −0.03 and 0.05.
    plot::fitness_curve(&rows(4, 0.0, 0.01), "", &d.path().join("f.png"), &svg).unwrap();
    let t = texts(&std::fs::read_to_string(&svg).unwrap());
    let ticks = numeric(&t);
    let bottom = ticks.iter().map(|t| t.1).fold(f64::MIN, f64::max);
    let (x, y): (Vec<&(f64, f64, String)>, Vec<_>) =
        ticks.iter().copied().partition(|t| (t.1 - bottom).abs() < 1.0);
    // Only whole generations, though the axis spans 3.
    assert!(x.iter().all(|t| t.2.parse::<i64>().is_ok()) && x.len() >= 3, "{x:?}");
    // Return ticks with two or three decimals, all distinct.
    let ys: Vec<&str> = y.iter().map(|t| t.2.as_str()).collect();
    assert!(ys.iter().all(|v| v.split('.').nth(1).is_some_and(|d| (2..=3).contains(&d.len()))), "{ys:?}");
    let mut uniq = ys.clone();
    uniq.dedup();
    assert_eq!(uniq.len(), ys.len(), "{ys:?}");
}

#[test]
fn runs_overlay_with_their_labels_in_their_own_colours() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("cmp.svg");
    let runs = [
        RunCurve { label: "Hebbian".into(), rows: rows(30, 10.0, 5.0) },
        RunCurve { label: "static".into(), rows: rows(20, 0.0, 4.0) },
    ];
    plot::compare_runs(&runs, "Hebbian vs static", &out).unwrap();
    let s = std::fs::read_to_string(&out).unwrap();
    let t = texts(&s);
    for want in ["Hebbian: mean", "Hebbian: mean ± 1 std", "static: mean", "static: min / max"] {
        assert!(t.iter().any(|e| e.2 == want), "no {want:?} in {t:?}");
    }
    let upper = s.to_uppercase();
    assert!(upper.contains("#0072B2") && upper.contains("#D55E00"), "two Okabe–Ito colours");
}
