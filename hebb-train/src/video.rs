//! Animated GIFs of episodes (`hebb render`): the environment's own frames, upscaled with
//! nearest-neighbour so a person can watch a lap pixel for pixel.

use std::collections::HashMap;
use std::path::Path;

use crate::env::Frame;
use crate::error::{Error, Result};
use crate::run::write_atomic;

/// Collects frames and encodes them as a looping GIF.
#[derive(Debug)]
pub struct GifWriter {
    scale: usize,
    delay_cs: u16,
    width: usize,
    height: usize,
    frames: Vec<Vec<u8>>,
}

impl GifWriter {
    /// A writer that upscales every frame `scale` times and shows each for `delay_cs`
    /// hundredths of a second.
    pub fn new(scale: usize, delay_cs: u16) -> Result<Self> {
        if !(1..=16).contains(&scale) {
            return Err(Error::OutOfRange {
                flag: "--scale".into(),
                field: None,
                expected: "1..=16".into(),
                got: scale.to_string(),
            });
        }
        Ok(GifWriter { scale, delay_cs, width: 0, height: 0, frames: Vec::new() })
    }

    /// Number of frames so far.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frame was added.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Adds a frame (all frames must have the same size).
    pub fn push(&mut self, f: Frame<'_>) -> Result<()> {
        if f.rgb.len() != f.width * f.height * 3 || f.width == 0 || f.height == 0 {
            return Err(Error::Video {
                msg: format!("bad frame: {}×{} with {} bytes", f.width, f.height, f.rgb.len()),
            });
        }
        let (w, h) = (f.width * self.scale, f.height * self.scale);
        if self.frames.is_empty() {
            (self.width, self.height) = (w, h);
        } else if (w, h) != (self.width, self.height) {
            return Err(Error::Video { msg: "frames of different sizes".into() });
        }
        if w > u16::MAX as usize || h > u16::MAX as usize {
            return Err(Error::Video { msg: format!("frame {w}×{h} too large for a GIF") });
        }
        let mut out = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let s = ((y / self.scale) * f.width + x / self.scale) * 3;
                out[(y * w + x) * 3..][..3].copy_from_slice(&f.rgb[s..s + 3]);
            }
        }
        self.frames.push(out);
        Ok(())
    }

    /// Encodes the GIF in memory. Frames with at most 256 colours (the car's always have) are
    /// stored exactly; others are quantised by the encoder.
    pub fn encode(&self) -> Result<Vec<u8>> {
        if self.frames.is_empty() {
            return Err(Error::Video { msg: "no frames to write".into() });
        }
        let gif_err = |e: gif::EncodingError| Error::Video { msg: format!("GIF encoding: {e}") };
        let mut buf = Vec::new();
        {
            let (w, h) = (self.width as u16, self.height as u16);
            let mut enc = gif::Encoder::new(&mut buf, w, h, &[]).map_err(gif_err)?;
            enc.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
            for rgb in &self.frames {
                let mut frame = match exact_palette(rgb) {
                    Some((palette, indices)) => {
                        let mut f = gif::Frame::from_palette_pixels(w, h, indices, palette, None);
                        f.dispose = gif::DisposalMethod::Keep;
                        f
                    }
                    None => gif::Frame::from_rgb_speed(w, h, rgb, 10),
                };
                frame.delay = self.delay_cs;
                enc.write_frame(&frame).map_err(gif_err)?;
            }
        }
        Ok(buf)
    }

    /// Encodes and writes the GIF atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.encode()?)
    }
}

/// The palette and indices of an image with at most 256 distinct colours.
fn exact_palette(rgb: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut map: HashMap<[u8; 3], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    for px in rgb.chunks_exact(3) {
        let c = [px[0], px[1], px[2]];
        let i = match map.get(&c) {
            Some(&i) => i,
            None => {
                if map.len() == 256 {
                    return None;
                }
                let i = map.len() as u8;
                map.insert(c, i);
                palette.extend_from_slice(&c);
                i
            }
        };
        indices.push(i);
    }
    Some((palette, indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upscales_and_round_trips_exactly() {
        // 2×2 frame, four colours, upscaled 3×.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        let mut g = GifWriter::new(3, 2).unwrap();
        g.push(Frame { width: 2, height: 2, rgb: &rgb }).unwrap();
        g.push(Frame { width: 2, height: 2, rgb: &rgb }).unwrap();
        assert_eq!(g.len(), 2);
        let bytes = g.encode().unwrap();
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(bytes.as_slice()).unwrap();
        assert_eq!((dec.width(), dec.height()), (6, 6));
        let f = dec.read_next_frame().unwrap().unwrap();
        assert_eq!(f.delay, 2);
        // Pixel (4, 1) comes from source pixel (1, 0): green.
        assert_eq!(&f.buffer[(6 + 4) * 4..][..3], &[0, 255, 0]);
        // Pixel (5, 5) from source (1, 1).
        assert_eq!(&f.buffer[(5 * 6 + 5) * 4..][..3], &[10, 20, 30]);
        assert!(dec.read_next_frame().unwrap().is_some());
    }

    #[test]
    fn bad_frames_are_errors() {
        let mut g = GifWriter::new(2, 2).unwrap();
        assert!(g.push(Frame { width: 2, height: 2, rgb: &[0; 5] }).is_err());
        assert!(g.encode().is_err());
        g.push(Frame { width: 1, height: 1, rgb: &[1, 2, 3] }).unwrap();
        assert!(g.push(Frame { width: 2, height: 1, rgb: &[0; 6] }).is_err());
        assert!(GifWriter::new(0, 2).is_err());
    }
}
