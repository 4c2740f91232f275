//! `hebb hil`: a desktop environment (the quadruped by default, or the one a rule file was
//! trained on) driven by the firmware — in QEMU, or on a real board over a serial port — then
//! the same episode on the desktop alone.

use std::path::PathBuf;

use clap::Args;
use hebb_train::{Error, Result, env};

#[derive(Args)]
pub struct HilArgs {
    /// The rule file to flash (default: the firmware's shipped rule).
    #[arg(long)]
    rule: Option<PathBuf>,
    /// Morphology of the simulated robot, for environments that have them (the quadruped's
    /// `standard`, `damaged-right`, `damaged-left`; default: the standard body).
    #[arg(long)]
    morphology: Option<String>,
    /// Environment (default: the one the rule file was trained on, e.g. `ant-bullet` for the
    /// shipped rule, `cartpole` for a CartPole run's export).
    #[arg(long)]
    env: Option<String>,
    /// Episode seed (initial state) and weight seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Maximum steps.
    #[arg(long, default_value_t = 1000)]
    steps: u32,
    /// A prebuilt firmware ELF (it must hold the same rule); default: build hebb-mcu with it.
    #[arg(long)]
    firmware: Option<PathBuf>,
    /// Drive a real board on this serial port (e.g. /dev/ttyACM0), flashed with the same rule, instead of QEMU.
    #[arg(long)]
    serial: Option<PathBuf>,
    /// Baud rate of `--serial` (8N1, no flow control).
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
}

/// Runs `hebb hil`.
pub fn run(a: HilArgs) -> Result<()> {
    use hebb_train::hil;
    let rule = a.rule.clone().unwrap_or_else(|| hil::mcu_dir().join("rules/ant.hebb"));
    let bytes = std::fs::read(&rule).map_err(|e| Error::io(&rule, e))?;
    hil::check_rule(&bytes).map_err(|e| Error::Corrupt { path: rule.clone(), msg: e.to_string() })?;
    let env_name = match &a.env {
        Some(name) => name.clone(),
        None => hebb_train::eval::agent_from_rule(&bytes, None)?.cfg.env,
    };
    let morphology = a.morphology.as_deref();
    // Refuse an environment the rule cannot control before building anything.
    let mut env = env::make(&env_name, morphology)?;
    hil::check_controls(&bytes, env.as_ref())?;
    let elf = match (&a.firmware, &a.serial) {
        (_, Some(_)) => PathBuf::new(),
        (Some(p), None) => p.clone(),
        (None, None) => {
            eprintln!("building the firmware with {} …", rule.display());
            hil::build_firmware(&rule)?
        }
    };
    let (mut mcu, ready) = match &a.serial {
        Some(port) => hil::Mcu::open_serial(port, a.baud)?,
        None => hil::Mcu::boot(&elf)?,
    };
    if !matches!(ready, hil::Reply::Ready { rule_status: 0, .. } | hil::Reply::Timing(_)) {
        return Err(Error::Firmware(format!("the firmware did not load its rule: {ready:?}")));
    }
    let weight_seed = hebb_train::episode::weight_seed(a.seed);
    let t0 = std::time::Instant::now();
    let h = hil::run_episode(&mut mcu, &bytes, env.as_mut(), a.seed, weight_seed, a.steps)?;
    let hil_s = t0.elapsed().as_secs_f64();
    let mut env = env::make(&env_name, morphology)?;
    let d = hil::desktop_episode(&bytes, env.as_mut(), a.seed, weight_seed, a.steps)?;
    // ", x moved D m" where the environment has a body position.
    let moved = |e: &hil::HilEpisode| {
        let dist = e.x.last().copied().unwrap_or(0.0) - e.x.first().copied().unwrap_or(0.0);
        if dist.is_finite() { format!(", x moved {dist:+.4} m") } else { String::new() }
    };
    let body = morphology.map(|m| format!(" {m}")).unwrap_or_default();
    println!("{env_name}{body} seed {}, rule {}", a.seed, rule.display());
    println!(
        "  firmware in the loop: {} steps, return {:.2}{} ({:.0} steps/s over the {})",
        h.steps,
        h.ret,
        moved(&h),
        h.steps as f64 / hil_s,
        if a.serial.is_some() { "serial port" } else { "emulated UART" }
    );
    println!("  desktop only:         {} steps, return {:.2}{}", d.steps, d.ret, moved(&d));
    if a.serial.is_some()
        && let Ok(hil::Reply::Timing(t)) = mcu.request(&hebb_core::wire::Request::Timing)
    {
        let ticks = "core clock cycles on a real board (DWT), SysTick ticks under QEMU";
        println!(
            "  the board's last step: {} ({ticks}); peak stack {} bytes",
            t.step_ticks, t.stack_peak_bytes
        );
    }
    let bits = |e: &hil::HilEpisode| e.outputs.iter().flatten().map(|v| v.to_bits()).collect::<Vec<_>>();
    if bits(&h) == bits(&d) && h.steps == d.steps {
        println!("  every action identical, bit for bit");
        Ok(())
    } else {
        Err(Error::Firmware("firmware and desktop actions differ".into()))
    }
}
