//! `hebb render`: one evaluation episode as an animated GIF.

use std::path::PathBuf;

use clap::Args;
use hebb_train::{Result, eval};

#[derive(Args)]
pub struct RenderArgs {
    /// The run directory, or a rule file.
    run: PathBuf,
    /// Output GIF.
    #[arg(long, default_value = "episode.gif")]
    out: PathBuf,
    /// Episode seed.
    #[arg(long, default_value_t = 12345)]
    seed: u64,
    /// Variant (morphology) to render; default: the first trained on.
    #[arg(long)]
    morphology: Option<String>,
    /// Upscaling factor of each frame.
    #[arg(long, default_value_t = 4)]
    scale: usize,
    /// Keep every N-th frame (1: all 50 per simulated second).
    #[arg(long, default_value_t = 1)]
    every: u32,
    /// Maximum steps rendered.
    #[arg(long, default_value_t = 1000)]
    steps: u32,
}

/// Runs `hebb render`.
pub fn run(a: RenderArgs) -> Result<()> {
    let agent = eval::load_agent(&a.run, None)?;
    let mut cfg = agent.cfg.clone();
    if let Some(m) = a.morphology {
        cfg.variants = vec![m];
    }
    let setup = agent.setup_for(cfg)?;
    // Frames at the environment's rate (50 Hz for most); GIF delays are in hundredths
    // of a second (at least 2 in practice).
    let delay = (2 * a.every).clamp(2, u16::MAX as u32) as u16;
    let mut gif = hebb_train::video::GifWriter::new(a.scale, delay)?;
    let ep = eval::render_episode(&setup, &agent.params, 0, a.seed, a.steps, a.every, &mut gif)?;
    gif.write(&a.out)?;
    println!(
        "wrote {} ({} frames; episode: {} steps, return {:.1})",
        a.out.display(),
        gif.len(),
        ep.steps,
        ep.ret
    );
    Ok(())
}
