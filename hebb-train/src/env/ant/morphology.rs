//! Ant bodies as data: leg segment vectors, capsule radii, joint ranges and ankle axes.
//!
//! A [`Morphology`] is four resolved [`Leg`]s in the order of docs/environments.md, Quadruped (leg 1 at (+x, +y),
//! leg 2 (−x, +y), leg 3 (−x, −y), leg 4 (+x, −y)). The torso is always the sphere of radius
//! 0.25 and every geom has density 1000 kg/m³ (what pybullet uses for the MJCF ant).
//!
//! Users describe new bodies with a [`MorphologyFile`] (JSON): every field is optional and
//! falls back to the `base` morphology (default `standard`), leg by leg. For example, a
//! missing third foot:
//!
//! ```json
//! { "name": "no-foot-3", "legs": [{}, {}, { "lower": 0.0 }, {}] }
//! ```
//!
//! Segment extents are MJCF `fromto` end points in the world frame at zero joint angles: a
//! scalar `s` means `s` along the leg's own diagonal (`(s·sx, s·sy, 0)` with the leg's
//! quadrant signs, so the standard lower leg is `0.4`), a 2- or 3-vector is taken as is.
//! Joint ranges are in degrees, as in the MJCF file. A zero-length segment becomes a ball.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The named morphologies, with a one-line description each.
pub const MORPHOLOGIES: &[(&str, &str)] = &[
    ("standard", "the MJCF ant as pybullet loads it (docs/environments.md)"),
    ("damaged-right", "front leg at (+x, −y) (leg 4): lower leg shortened to ¼"),
    ("damaged-left", "front leg at (+x, +y) (leg 1): lower leg shortened to ¼"),
];

/// Radius of the torso sphere (m).
pub const TORSO_RADIUS: f32 = 0.25;
/// Density of every geom (kg/m³), as pybullet loads the MJCF ant.
pub const DENSITY: f32 = 1000.0;

/// Quadrant signs `(sx, sy)` of the four legs' diagonals.
pub const LEG_SIGNS: [[f32; 2]; 4] = [[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]];

/// One leg, resolved: vectors in metres (world frame at zero joint angles), ranges in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    /// The capsule fixed to the torso, from the torso centre to the hip.
    pub hip_mount: [f32; 3],
    /// The upper leg, from the hip to the ankle (rotates about z at the hip).
    pub upper: [f32; 3],
    /// The lower leg ("foot"), from the ankle to the tip.
    pub lower: [f32; 3],
    /// Capsule radius of the three segments.
    pub radius: f32,
    /// Hip range `[lo, hi]` (rad).
    pub hip_range: [f32; 2],
    /// Ankle range `[lo, hi]` (rad).
    pub ankle_range: [f32; 2],
    /// Ankle hinge axis (not necessarily unit; normalised when the body is built).
    pub ankle_axis: [f32; 3],
}

impl Leg {
    /// Leg `k` (0-based) of the standard MJCF ant.
    pub fn standard(k: usize) -> Leg {
        let [sx, sy] = LEG_SIGNS[k];
        let along = |s: f32| [s * sx, s * sy, 0.0];
        let front_or_back_right = k == 0 || k == 3;
        Leg {
            hip_mount: along(0.2),
            upper: along(0.2),
            lower: along(0.4),
            radius: 0.08,
            hip_range: [(-40.0f32).to_radians(), 40.0f32.to_radians()],
            ankle_range: if front_or_back_right {
                [30.0f32.to_radians(), 100.0f32.to_radians()]
            } else {
                [(-100.0f32).to_radians(), (-30.0f32).to_radians()]
            },
            ankle_axis: if k.is_multiple_of(2) { [-1.0, 1.0, 0.0] } else { [1.0, 1.0, 0.0] },
        }
    }
}

/// A resolved ant body.
#[derive(Debug, Clone, PartialEq)]
pub struct Morphology {
    /// Name (a registry name or the file's `name`, else its path).
    pub name: String,
    /// The four legs, in joint order.
    pub legs: [Leg; 4],
}

/// A segment extent in a [`MorphologyFile`]: a length along the leg's diagonal or a vector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Extent {
    /// `s` along the leg's diagonal: `(s·sx, s·sy, 0)` (MJCF `fromto` components).
    Along(f32),
    /// An (x, y) vector in the world frame, z = 0.
    Xy([f32; 2]),
    /// An (x, y, z) vector in the world frame.
    Xyz([f32; 3]),
}

impl Extent {
    fn resolve(self, k: usize) -> [f32; 3] {
        let [sx, sy] = LEG_SIGNS[k];
        match self {
            Extent::Along(s) => [s * sx, s * sy, 0.0],
            Extent::Xy([x, y]) => [x, y, 0.0],
            Extent::Xyz(v) => v,
        }
    }
}

/// One leg in a [`MorphologyFile`]; absent fields come from the base morphology's leg.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegFile {
    /// Torso-fixed segment, centre → hip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hip_mount: Option<Extent>,
    /// Upper leg, hip → ankle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<Extent>,
    /// Lower leg, ankle → tip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<Extent>,
    /// Capsule radius (m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<f32>,
    /// Hip range in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hip_range_deg: Option<[f32; 2]>,
    /// Ankle range in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ankle_range_deg: Option<[f32; 2]>,
    /// Ankle hinge axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ankle_axis: Option<[f32; 3]>,
}

/// A user-defined morphology as stored in JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MorphologyFile {
    /// Display name; defaults to the file path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Named morphology the file modifies; defaults to `standard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Exactly four legs (each may be `{}`), or absent to keep the base's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legs: Option<Vec<LegFile>>,
}

fn known() -> String {
    MORPHOLOGIES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

impl Morphology {
    /// The standard MJCF ant.
    pub fn standard() -> Morphology {
        Morphology { name: "standard".into(), legs: std::array::from_fn(Leg::standard) }
    }

    /// A registered morphology by name (see [`MORPHOLOGIES`]).
    pub fn named(name: &str) -> Result<Morphology> {
        let shorten = |k: usize| {
            let mut m = Morphology::standard();
            m.name = name.to_string();
            m.legs[k].lower = m.legs[k].lower.map(|c| 0.25 * c);
            m
        };
        match name {
            "standard" => Ok(Morphology::standard()),
            "damaged-right" => Ok(shorten(3)),
            "damaged-left" => Ok(shorten(0)),
            _ => Err(Error::Unknown {
                what: "ant morphology",
                name: name.to_string(),
                known: format!("{}; or a path ending in .json", known()),
            }),
        }
    }

    /// A named morphology, or a JSON file if `spec` ends in `.json`.
    pub fn resolve(spec: &str) -> Result<Morphology> {
        if spec.ends_with(".json") { Morphology::from_json_file(spec) } else { Morphology::named(spec) }
    }

    /// Reads a [`MorphologyFile`] from `path`.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Morphology> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: MorphologyFile = serde_json::from_str(&text).map_err(|e| Error::Morphology {
            path: Some(path.to_path_buf()),
            line: Some(e.line()).filter(|&l| l > 0),
            msg: format!("bad morphology file: {e}"),
        })?;
        Morphology::from_file(&file, &path.display().to_string()).map_err(|e| match e {
            Error::Morphology { path: None, line, msg } => {
                Error::Morphology { path: Some(path.to_path_buf()), line, msg }
            }
            e => Error::Morphology { path: Some(path.to_path_buf()), line: None, msg: e.to_string() },
        })
    }

    /// Resolves a parsed file against its base; `default_name` names it if the file does not.
    pub fn from_file(file: &MorphologyFile, default_name: &str) -> Result<Morphology> {
        let mut m = Morphology::named(file.base.as_deref().unwrap_or("standard"))?;
        m.name = file.name.clone().unwrap_or_else(|| default_name.to_string());
        if let Some(legs) = &file.legs {
            if legs.len() != 4 {
                return Err(Error::Morphology {
                    path: None,
                    line: None,
                    msg: format!("`legs` must list 4 legs, found {}", legs.len()),
                });
            }
            for (k, (leg, spec)) in m.legs.iter_mut().zip(legs).enumerate() {
                let deg = |r: [f32; 2]| r.map(f32::to_radians);
                if let Some(e) = spec.hip_mount {
                    leg.hip_mount = e.resolve(k);
                }
                if let Some(e) = spec.upper {
                    leg.upper = e.resolve(k);
                }
                if let Some(e) = spec.lower {
                    leg.lower = e.resolve(k);
                }
                if let Some(r) = spec.radius {
                    leg.radius = r;
                }
                if let Some(r) = spec.hip_range_deg {
                    leg.hip_range = deg(r);
                }
                if let Some(r) = spec.ankle_range_deg {
                    leg.ankle_range = deg(r);
                }
                if let Some(a) = spec.ankle_axis {
                    leg.ankle_axis = a;
                }
            }
        }
        m.validate()?;
        Ok(m)
    }

    /// Checks that every number is finite, radii positive, ranges non-empty and axes non-zero.
    pub fn validate(&self) -> Result<()> {
        for (k, leg) in self.legs.iter().enumerate() {
            let bad = |what: &str| {
                Err(Error::Morphology {
                    path: None,
                    line: None,
                    msg: format!("morphology `{}` leg {}: {what}", self.name, k + 1),
                })
            };
            let vecs = [leg.hip_mount, leg.upper, leg.lower, leg.ankle_axis];
            if !vecs
                .iter()
                .flatten()
                .chain(leg.hip_range.iter())
                .chain(leg.ankle_range.iter())
                .all(|v| v.is_finite())
                || !leg.radius.is_finite()
            {
                return bad("non-finite value");
            }
            if !(leg.radius > 0.0 && leg.radius <= 1.0) {
                return bad("radius must be in (0, 1] m");
            }
            if vecs[..3].iter().flatten().any(|v| v.abs() > 5.0) {
                return bad("segments longer than 5 m are not supported");
            }
            if leg.hip_range[0] >= leg.hip_range[1] || leg.ankle_range[0] >= leg.ankle_range[1] {
                return bad("a joint range needs lo < hi");
            }
            if leg.ankle_axis.iter().map(|v| v * v).sum::<f32>() < 1e-12 {
                return bad("ankle axis is zero");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_damage_shortens_exactly_one_lower_leg_to_a_quarter() {
        let s = Morphology::standard();
        for (name, k) in [("damaged-right", 3), ("damaged-left", 0)] {
            let d = Morphology::named(name).unwrap();
            for j in 0..4 {
                if j == k {
                    assert_eq!(d.legs[j].lower, s.legs[j].lower.map(|c| c / 4.0));
                } else {
                    assert_eq!(d.legs[j], s.legs[j]);
                }
            }
        }
        // The leg at (+x, −y) is leg 4 and at (+x, +y) leg 1.
        assert_eq!(LEG_SIGNS[3], [1.0, -1.0]);
        assert_eq!(LEG_SIGNS[0], [1.0, 1.0]);
        assert_eq!(Morphology::named("damaged-right").unwrap().legs[3].lower, [0.1, -0.1, 0.0]);
    }

    #[test]
    fn standard_matches_the_mjcf() {
        let s = Morphology::standard();
        assert_eq!(s.legs[1].lower, [-0.4, 0.4, 0.0]);
        assert_eq!(s.legs[2].ankle_axis, [-1.0, 1.0, 0.0]);
        assert_eq!(s.legs[3].ankle_axis, [1.0, 1.0, 0.0]);
        assert!((s.legs[0].ankle_range[0] - 30f32.to_radians()).abs() < 1e-6);
        assert!((s.legs[2].ankle_range[0] + 1.7453).abs() < 1e-4);
        assert!((s.legs[2].hip_range[1] - 0.6981).abs() < 1e-4);
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = Morphology::resolve("three-legged").unwrap_err().to_string();
        assert!(e.contains("standard") && e.contains("damaged-left") && e.contains("three-legged"), "{e}");
    }

    #[test]
    fn files_override_the_base_leg_by_leg() {
        let f: MorphologyFile = serde_json::from_str(
            r#"{"base":"damaged-left","legs":[{},{"upper":[0.0,0.3]},{"lower":0.6,"radius":0.05},{}]}"#,
        )
        .unwrap();
        let m = Morphology::from_file(&f, "x.json").unwrap();
        assert_eq!(m.name, "x.json");
        let d = Morphology::named("damaged-left").unwrap();
        assert_eq!(m.legs[0], d.legs[0]);
        assert_eq!(m.legs[1].upper, [0.0, 0.3, 0.0]);
        assert_eq!(m.legs[2].lower, [-0.6, -0.6, 0.0]);
        assert_eq!(m.legs[2].radius, 0.05);
        assert_eq!(m.legs[3], d.legs[3]);
    }

    #[test]
    fn bad_files_are_morphology_errors() {
        for text in [
            r#"{"legs":[{}]}"#,
            r#"{"legs":[{"radius":-1},{},{},{}]}"#,
            r#"{"legs":[{"ankle_range_deg":[10,5]},{},{},{}]}"#,
            r#"{"legs":[{},{},{},{"ankle_axis":[0,0,0]}]}"#,
            r#"{"base":"nope"}"#,
        ] {
            let f: MorphologyFile = serde_json::from_str(text).unwrap();
            let e = Morphology::from_file(&f, "t");
            assert!(matches!(e, Err(Error::Morphology { path: None, .. } | Error::Unknown { .. })), "{text}");
        }
        assert!(serde_json::from_str::<MorphologyFile>(r#"{"legz":[]}"#).is_err());
        assert!(matches!(Morphology::resolve("/nonexistent/m.json"), Err(Error::Io { .. })));
    }
}
