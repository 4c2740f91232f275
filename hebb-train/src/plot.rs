//! Plots (plotters), PNG or SVG by extension: learning curves of one or several runs (the mean
//! return per generation with a ±1 std band and the min–max range), and line charts of traces
//! over an episode.
//!
//! House style: the colour-blind-safe Okabe–Ito palette, integer ticks on axes that count
//! (generations, steps), tick labels with only the decimals the scale needs, and the legend in
//! its own panel right of the data, so it never covers a curve. A font is embedded (a DejaVu
//! Sans subset), so PNGs render text on machines without fonts. Every figure is written to a
//! temporary file in the target's directory and renamed into place.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::error::{Error, Result};
use crate::run::{LogRow, files};

static FONT: Once = Once::new();

/// Registers the embedded font plotters draws text with (`sans-serif`); figures drawn with
/// plotters outside this module call it first.
pub fn ensure_font() {
    FONT.call_once(|| {
        // The embedded font is a valid TTF; failure would only mean text is not drawn.
        let _ =
            register_font("sans-serif", FontStyle::Normal, include_bytes!("../assets/DejaVuSans-subset.ttf"));
    });
}

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision
/// deficiency, in the order series use it: blue, vermillion, bluish green, orange, reddish
/// purple, sky blue, yellow, black.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Index into [`PALETTE`] (wraps around).
    pub color: usize,
    /// Stroke width in pixels.
    pub width: u32,
    /// Drawn dashed.
    pub dashed: bool,
}

/// A shaded band between two curves.
#[derive(Debug, Clone)]
pub struct Band {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// Points `(x, low, high)`.
    pub points: Vec<(f64, f64, f64)>,
    /// Index into [`PALETTE`].
    pub color: usize,
    /// Opacity of the fill.
    pub opacity: f64,
}

/// A chart: axes, bands (drawn first) and lines.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Title (empty: none).
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The x axis counts (generations, steps): integer ticks only.
    pub x_counts: bool,
    /// Logarithmic y axis (non-positive values are dropped).
    pub y_log: bool,
    /// Heading of the legend (empty: none).
    pub legend_title: String,
    /// Shaded bands.
    pub bands: Vec<Band>,
    /// Lines.
    pub lines: Vec<Line>,
}

/// Width of the legend panel right of the plotting area.
const LEGEND_W: u32 = 230;
const SIZE: (u32, u32) = (1000, 560);

impl Chart {
    /// Draws the chart to `path` (`.svg`: vector, anything else: PNG), atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        ensure_font();
        let svg = path.extension().is_some_and(|e| e == "svg");
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // The bitmap backend picks its encoder by extension: keep it last.
        let tmp = dir.join(format!(".{name}.{}.tmp.{}", std::process::id(), if svg { "svg" } else { "png" }));
        let drawn = if svg {
            self.draw(SVGBackend::new(&tmp, SIZE).into_drawing_area())
        } else {
            self.draw(BitMapBackend::new(&tmp, SIZE).into_drawing_area())
        };
        let res = drawn
            .map_err(|msg| Error::Plot { path: path.to_path_buf(), msg })
            .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
        if res.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        res
    }

    /// Finite data bounds `(x0, x1, y0, y1)`, with the y range padded by 5 %.
    fn bounds(&self) -> (f64, f64, f64, f64) {
        let ys = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| (p.0, p.1)))
            .chain(self.bands.iter().flat_map(|b| b.points.iter().flat_map(|p| [(p.0, p.1), (p.0, p.2)])))
            .filter(|p| p.0.is_finite() && p.1.is_finite() && (!self.y_log || p.1 > 0.0));
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (x, y) in ys {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, if self.y_log { 0.1 } else { 0.0 }, 1.0);
        }
        if x1 - x0 < 1e-9 {
            x1 = x0 + 1.0;
        }
        if self.y_log {
            if y1 / y0 < 10.0 {
                (y0, y1) = (y0 / 2.0, y1 * 2.0);
            }
            return (x0, x1, y0, y1);
        }
        let pad = ((y1 - y0) * 0.05).max(1e-6 * y1.abs().max(1.0));
        (x0, x1, y0 - pad, y1 + pad)
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> std::result::Result<(), String> {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let root = if self.title.is_empty() {
            root
        } else {
            root.titled(&self.title, ("sans-serif", 20)).map_err(|x| e(&x))?
        };
        let (w, _) = root.dim_in_pixel();
        let (plot, legend) = root.split_horizontally(w.saturating_sub(LEGEND_W));
        let (x0, x1, y0, y1) = self.bounds();
        let mut builder = ChartBuilder::on(&plot);
        builder.margin(12).x_label_area_size(46).y_label_area_size(72);
        if self.y_log {
            let chart = builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale()).map_err(|x| e(&x))?;
            self.draw_into(chart, x0, x1, &|v: &f64| format!("{v:.0e}"))?;
        } else {
            let decimals = decimals_for(y1 - y0);
            let chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|x| e(&x))?;
            self.draw_into(chart, x0, x1, &|v: &f64| format_tick(*v, decimals))?;
        }
        self.draw_legend(&legend).map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
        Ok(())
    }

    fn draw_into<DB: DrawingBackend, Y>(
        &self,
        mut chart: ChartContext<'_, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
        x0: f64,
        x1: f64,
        y_fmt: &dyn Fn(&f64) -> String,
    ) -> std::result::Result<(), String>
    where
        Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    {
        let e = |x: &dyn std::fmt::Display| x.to_string();
        let x_decimals = decimals_for(x1 - x0);
        let x_fmt = |v: &f64| {
            if self.x_counts {
                // Integer ticks only (a tick between two counts would mean nothing).
                if (v - v.round()).abs() < 1e-6 { format!("{}", v.round() as i64) } else { String::new() }
            } else {
                format_tick(*v, x_decimals)
            }
        };
        // With at most span + 1 labels, plotters' 1-2-5 steps are whole numbers.
        let x_labels = if self.x_counts { ((x1 - x0).floor() as usize + 1).clamp(2, 11) } else { 10 };
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(x_labels)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(y_fmt)
            .max_light_lines(1)
            .light_line_style(RGBColor(245, 245, 245))
            .bold_line_style(RGBColor(220, 220, 220))
            .axis_desc_style(("sans-serif", 16))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|x| e(&x))?;
        let y_ok = |y: f64| y.is_finite() && (!self.y_log || y > 0.0);
        for b in &self.bands {
            let c = PALETTE[b.color % PALETTE.len()];
            let pts: Vec<_> = b.points.iter().filter(|p| p.0.is_finite() && y_ok(p.1) && y_ok(p.2)).collect();
            if pts.len() < 2 {
                continue;
            }
            let outline: Vec<(f64, f64)> =
                pts.iter().map(|p| (p.0, p.2)).chain(pts.iter().rev().map(|p| (p.0, p.1))).collect();
            chart.draw_series([Polygon::new(outline, c.mix(b.opacity).filled())]).map_err(|x| e(&x))?;
        }
        for l in &self.lines {
            let c = PALETTE[l.color % PALETTE.len()];
            let pts = l.points.iter().copied().filter(|p| p.0.is_finite() && y_ok(p.1));
            let style = c.stroke_width(l.width);
            if l.dashed {
                chart.draw_series(DashedLineSeries::new(pts, 6, 4, style)).map_err(|x| e(&x))?;
            } else {
                chart.draw_series(LineSeries::new(pts, style)).map_err(|x| e(&x))?;
            }
        }
        Ok(())
    }

    /// The legend, in its own panel: a heading, then one row per labelled band or line.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let font = ("sans-serif", 14).into_font();
        let (mut y, x) = (24i32, 8i32);
        if !self.legend_title.is_empty() {
            area.draw(&Text::new(self.legend_title.clone(), (x, y), font.clone().color(&BLACK)))?;
            y += 24;
        }
        for b in self.bands.iter().filter(|b| !b.label.is_empty()) {
            let c = PALETTE[b.color % PALETTE.len()];
            area.draw(&Rectangle::new([(x, y + 2), (x + 24, y + 14)], c.mix(b.opacity.max(0.2)).filled()))?;
            area.draw(&Text::new(b.label.clone(), (x + 32, y), font.clone().color(&BLACK)))?;
            y += 22;
        }
        for l in self.lines.iter().filter(|l| !l.label.is_empty()) {
            let c = PALETTE[l.color % PALETTE.len()];
            let style = c.stroke_width(l.width.max(2));
            if l.dashed {
                for k in 0..3 {
                    area.draw(&PathElement::new(vec![(x + 9 * k, y + 8), (x + 9 * k + 5, y + 8)], style))?;
                }
            } else {
                area.draw(&PathElement::new(vec![(x, y + 8), (x + 24, y + 8)], style))?;
            }
            area.draw(&Text::new(l.label.clone(), (x + 32, y), font.clone().color(&BLACK)))?;
            y += 22;
        }
        Ok(())
    }
}

/// Decimals a tick label needs when the axis spans `span` (about eight ticks).
fn decimals_for(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 0;
    }
    (-(span / 8.0).log10()).ceil().clamp(0.0, 6.0) as usize
}

/// `v` with `decimals` decimals, without a negative zero.
fn format_tick(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// One run's learning curve, for [`compare_runs`].
#[derive(Debug, Clone)]
pub struct RunCurve {
    /// Legend label (empty: the single-run style, "mean", "mean ± 1 std", "min / max").
    pub label: String,
    /// Its `log.csv` rows.
    pub rows: Vec<LogRow>,
}

/// The learning-curve chart of `runs`: per run, in its own colour, the population's mean
/// return (line), mean ± 1 std (band) and the min–max range (dashed lines; with a single run
/// also a light band).
pub fn learning_curves(runs: &[RunCurve], title: &str) -> Chart {
    let mut c = Chart {
        title: title.to_string(),
        x_label: "generation".into(),
        y_label: "episode return (population)".into(),
        x_counts: true,
        ..Chart::default()
    };
    for (i, r) in runs.iter().enumerate() {
        let name =
            |what: &str| if r.label.is_empty() { what.to_string() } else { format!("{}: {what}", r.label) };
        let x = |row: &LogRow| row.generation as f64;
        if runs.len() == 1 {
            // Several runs' ranges would bury each other: the dashed edges suffice there.
            c.bands.push(Band {
                label: String::new(),
                points: r.rows.iter().map(|row| (x(row), row.min, row.max)).collect(),
                color: i,
                opacity: 0.08,
            });
        }
        c.bands.push(Band {
            label: name("mean ± 1 std"),
            points: r.rows.iter().map(|row| (x(row), row.mean - row.std, row.mean + row.std)).collect(),
            color: i,
            opacity: 0.28,
        });
        c.lines.push(Line {
            label: name("mean"),
            points: r.rows.iter().map(|row| (x(row), row.mean)).collect(),
            color: i,
            width: 2,
            dashed: false,
        });
        for (k, pick) in [(0, (|row: &LogRow| row.min) as fn(&LogRow) -> f64), (1, |row: &LogRow| row.max)] {
            c.lines.push(Line {
                label: if k == 0 { name("min / max") } else { String::new() },
                points: r.rows.iter().map(|row| (x(row), pick(row))).collect(),
                color: i,
                width: 1,
                dashed: true,
            });
        }
    }
    c
}

/// The fitness curve of a run (the single-run style of [`learning_curves`]), as PNG and SVG.
pub fn fitness_curve(rows: &[LogRow], title: &str, png: &Path, svg: &Path) -> Result<()> {
    let c = learning_curves(&[RunCurve { label: String::new(), rows: rows.to_vec() }], title);
    c.write(png)?;
    c.write(svg)
}

/// `hebb plot`: the learning curves of several runs in one figure at `out`.
pub fn compare_runs(runs: &[RunCurve], title: &str, out: &Path) -> Result<()> {
    learning_curves(runs, title).write(out)
}

/// The title of a run's fitness plot: environment, mode, initial weights, population, seed.
pub fn run_title(cfg: &crate::setup::TrainConfig) -> String {
    format!(
        "{} — {} ({} weights), pop {}, seed {}",
        cfg.env,
        if cfg.static_weights { "static weights".to_string() } else { format!("Hebbian {}", cfg.rule) },
        cfg.init,
        cfg.es.pop,
        cfg.seed
    )
}

/// Reads the log of a run directory, or a `log.csv` given directly.
pub fn read_log(path: &Path) -> Result<Vec<LogRow>> {
    let file = if path.is_dir() { path.join(files::LOG) } else { path.to_path_buf() };
    if !file.is_file() {
        return Err(Error::NoFile {
            dir: path.to_path_buf(),
            file: files::LOG,
            hint: "not a run directory".into(),
        });
    }
    let corrupt = |e: csv::Error| Error::Corrupt { path: file.clone(), msg: e.to_string() };
    let mut r = csv::Reader::from_path(&file).map_err(corrupt)?;
    let rows = r.deserialize().collect::<std::result::Result<Vec<LogRow>, _>>().map_err(corrupt)?;
    if rows.is_empty() {
        return Err(Error::Corrupt { path: file, msg: "the log has no generations yet".into() });
    }
    Ok(rows)
}

/// The default legend label of a run: its directory's name.
pub fn run_label(path: &Path) -> String {
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    canon.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The plots of one traced episode, written into `dir` as PNG and SVG:
/// `weights.*` (a sample of synapses over time), `weight_change.*` (‖Δw‖ per layer and step,
/// on a log scale: the weights settling into an attractor, or not), and `distance_walked.*`
/// (the body's x position) or, where the environment has no body, `cumulative_return.*`.
pub fn episode_plots(tr: &crate::eval::Trace, dir: &Path, title: &str) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut both = |name: &str, chart: &Chart| -> Result<()> {
        for ext in ["png", "svg"] {
            let p = dir.join(format!("{name}.{ext}"));
            chart.write(&p)?;
            written.push(p);
        }
        Ok(())
    };
    let step_chart = |t: String, y: &str| Chart {
        title: t,
        x_label: "step".into(),
        y_label: y.into(),
        x_counts: true,
        ..Chart::default()
    };
    let mut weights = step_chart(format!("{title}: weights during an episode"), "weight");
    weights.legend_title = "synapse (layer, input / output unit)".into();
    for (i, (s, l)) in tr.samples.iter().zip(&tr.labels).step_by(3).enumerate() {
        weights.lines.push(Line {
            label: l.clone(),
            points: s.iter().enumerate().map(|(t, &v)| (t as f64, v as f64)).collect(),
            color: i,
            width: 2,
            dashed: false,
        });
    }
    both("weights", &weights)?;
    let mut change =
        step_chart(format!("{title}: weight change per step"), "|w(t) − w(t−1)| (L2 norm over the layer)");
    change.y_log = true;
    change.legend_title = "layer".into();
    for (i, c) in tr.change.iter().enumerate() {
        change.lines.push(Line {
            label: format!("layer {}", i + 1),
            points: c.iter().enumerate().skip(1).map(|(t, &v)| (t as f64, v)).collect(),
            color: i,
            width: 2,
            dashed: false,
        });
    }
    both("weight_change", &change)?;
    if tr.position.is_empty() {
        let mut c = step_chart(format!("{title}: cumulative return"), "return so far");
        c.lines.push(Line {
            label: "cumulative return".into(),
            points: tr.cumulative.iter().enumerate().map(|(t, &v)| (t as f64, v)).collect(),
            color: 0,
            width: 2,
            dashed: false,
        });
        both("cumulative_return", &c)?;
    } else {
        let x0 = tr.position[0][0] as f64;
        let mut c = step_chart(format!("{title}: distance walked"), "torso x − x(0) (m)");
        c.lines.push(Line {
            label: "torso x".into(),
            points: tr.position.iter().enumerate().map(|(t, p)| (t as f64, p[0] as f64 - x0)).collect(),
            color: 0,
            width: 2,
            dashed: false,
        });
        both("distance_walked", &c)?;
    }
    Ok(written)
}
