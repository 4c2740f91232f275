//! Plots (plotters): the fitness curve of a run, and line charts of traces over time.
//! A font is embedded (a DejaVu Sans subset), so PNGs render text on machines without fonts.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::{Error, Result};
use crate::run::LogRow;

static FONT: Once = Once::new();

fn ensure_font() {
    FONT.call_once(|| {
        // The embedded font is a valid TTF; failure would only mean text is not drawn.
        let _ =
            register_font("sans-serif", FontStyle::Normal, include_bytes!("../assets/DejaVuSans-subset.ttf"));
    });
}

/// One named line of a chart.
pub struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Points.
    pub points: Vec<(f64, f64)>,
}

/// Draws a line chart to `path` (`.png` or `.svg`, by extension).
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series<'_>],
) -> Result<()> {
    ensure_font();
    let err = |e: String| Error::Plot { path: path.to_path_buf(), msg: e };
    let svg = path.extension().is_some_and(|e| e == "svg");
    let size = (900, 560);
    // Drawn into a temporary file (with the extension, which picks the encoder), then renamed:
    // a failed plot leaves the previous one whole.
    let tmp = crate::fsio::temp_path(path, true);
    let drawn = if svg {
        draw(SVGBackend::new(&tmp, size).into_drawing_area(), title, x_label, y_label, series)
    } else {
        draw(BitMapBackend::new(&tmp, size).into_drawing_area(), title, x_label, y_label, series)
    };
    if let Err(e) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    crate::fsio::commit(&tmp, path)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series<'_>],
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let pts = series.iter().flat_map(|s| s.points.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-9 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.05).max(1e-6);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|x| e(&x))?;
    let colors = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK, RGBColor(255, 140, 0), RGBColor(128, 0, 128)];
    for (i, s) in series.iter().enumerate() {
        let c = colors[i % colors.len()];
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label(s.label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

/// The fitness curve of a run (mean, max and min return per generation), as PNG and SVG.
pub fn fitness_curve(rows: &[LogRow], title: &str, png: &Path, svg: &Path) -> Result<()> {
    let pick = |f: fn(&LogRow) -> f64| rows.iter().map(|r| (r.generation as f64, f(r))).collect::<Vec<_>>();
    let series = [
        Series { label: "max", points: pick(|r| r.max) },
        Series { label: "mean", points: pick(|r| r.mean) },
        Series { label: "min", points: pick(|r| r.min) },
    ];
    line_chart(png, title, "generation", "episode return", &series)?;
    line_chart(svg, title, "generation", "episode return", &series)
}

/// The plots of one traced episode, written into `dir` as PNG and SVG:
/// `weights.*` (sampled synapses over time), `weight_change.*` (‖Δw‖ per layer and step, on a
/// log scale: the weights settling into an attractor), and `distance.*` (the body's x position,
/// or the cumulative return where the environment has no body).
pub fn episode_plots(tr: &crate::eval::Trace, dir: &Path, title: &str) -> Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let mut both = |name: &str, t: &str, y: &str, series: &[Series<'_>]| -> Result<()> {
        for ext in ["png", "svg"] {
            let p = dir.join(format!("{name}.{ext}"));
            line_chart(&p, t, "step", y, series)?;
            written.push(p);
        }
        Ok(())
    };
    let series: Vec<Series<'_>> = tr
        .samples
        .iter()
        .zip(&tr.labels)
        .step_by(3)
        .map(|(s, l)| Series {
            label: l,
            points: s.iter().enumerate().map(|(t, &v)| (t as f64, v as f64)).collect(),
        })
        .collect();
    both("weights", &format!("{title}: weights during an episode"), "weight", &series)?;
    let labels = ["layer 1", "layer 2", "layer 3"];
    let change: Vec<Series<'_>> = tr
        .change
        .iter()
        .zip(labels)
        .map(|(c, l)| Series {
            label: l,
            points: c.iter().enumerate().skip(1).map(|(t, &v)| (t as f64, v.max(1e-12).log10())).collect(),
        })
        .collect();
    both("weight_change", &format!("{title}: log10 ||w_t - w_(t-1)||"), "log10 change", &change)?;
    if tr.position.is_empty() {
        let pts = tr.cumulative.iter().enumerate().map(|(t, &v)| (t as f64, v)).collect();
        both(
            "distance",
            &format!("{title}: cumulative return"),
            "return",
            &[Series { label: "return", points: pts }],
        )?;
    } else {
        let x0 = tr.position[0][0] as f64;
        let pts = tr.position.iter().enumerate().map(|(t, p)| (t as f64, p[0] as f64 - x0)).collect();
        both(
            "distance",
            &format!("{title}: distance walked"),
            "x (m)",
            &[Series { label: "torso x", points: pts }],
        )?;
    }
    Ok(written)
}
