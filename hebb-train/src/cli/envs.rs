//! `hebb envs`: the environments, their variants and the morphology file format.

use hebb_train::env;

/// Runs `hebb envs`.
pub fn run() {
    print!("{}", envs_text());
}

/// What `hebb envs` prints: environments, variants, and the morphology file format.
fn envs_text() -> String {
    use std::fmt::Write as _;
    let mut s = String::from("environments (hebb train --env NAME):\n");
    for (n, d) in env::ENVS {
        let _ = writeln!(s, "  {n:<12} {d}");
    }
    s.push_str("\nvariants of ant-bullet and ant (--morphologies A,B,…; also a path to a .json file):\n");
    for (n, d) in env::ant::MORPHOLOGIES {
        let _ = writeln!(s, "  {n:<14} {d}");
    }
    s.push_str(concat!(
        "\nmorphology files (JSON; every field optional, falling back leg by leg to `base`):\n",
        "  { \"name\": \"…\", \"base\": \"standard\", \"legs\": [leg1, leg2, leg3, leg4] }\n",
        "  legs in the order (+x,+y), (−x,+y), (−x,−y), (+x,−y); each leg may be {} or hold:\n",
        "    hip_mount, upper, lower   segment extents: a length s along the leg's diagonal\n",
        "                              (the standard lower leg is 0.4), or an [x, y] / [x, y, z] vector (m)\n",
        "    radius                    capsule radius (m; standard 0.08)\n",
        "    hip_range_deg, ankle_range_deg   [lo, hi] in degrees\n",
        "    ankle_axis                [x, y, z] hinge axis\n",
        "  a zero-length segment becomes a ball. Example (docs/examples/long-front-legs.json):\n",
    ));
    for l in EXAMPLE_MORPHOLOGY.lines() {
        let _ = writeln!(s, "    {l}");
    }
    s.push_str(concat!(
        "\nflashable (hebb export RUN --out FILE, then HEBB_RULE=FILE cargo build --release in hebb-mcu,\n",
        "  which builds the network the rule file names): a Hebbian run without the CNN front end whose rule\n",
        "  fits the STM32F405 (1 MiB flash, 128 KiB RAM); `hebb hil` drives ant-bullet and ant\n",
        "hebb render draws: cartpole, pendulum, ant-bullet, ant, car-racing\n",
    ));
    s
}

/// The example morphology file shipped in `docs/examples/`.
const EXAMPLE_MORPHOLOGY: &str = include_str!("../../../docs/examples/long-front-legs.json");
