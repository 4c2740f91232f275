use super::*;

fn frame_of(encoded: &[u8]) -> &[u8] {
    assert_eq!(encoded.last(), Some(&0));
    &encoded[..encoded.len() - 1]
}

const OBS_LEN: usize = 28;
const MAX_RAW: usize = max_raw(OBS_LEN);
const MAX_ENCODED: usize = max_encoded(OBS_LEN);

#[test]
fn requests_round_trip() {
    let mut obs = [0.0f32; OBS_LEN];
    for (k, o) in obs.iter_mut().enumerate() {
        *o = (k as f32 - 13.5) * 0.37;
    }
    obs[3] = -0.0;
    obs[4] = 0.0; // zero bytes must survive COBS
    for req in [
        Request::Reset { seed: 0 },
        Request::Reset { seed: u64::MAX },
        Request::Step { obs: Floats::new(&obs) },
        Request::Step { obs: Floats::new(&obs[..3]) },
        Request::Timing,
    ] {
        let mut buf = [0u8; MAX_ENCODED];
        let n = req.encode(&mut buf).unwrap();
        assert!(!buf[..n - 1].contains(&0), "COBS output contains a zero");
        let mut scratch = [0u8; MAX_RAW];
        let back = Request::decode(frame_of(&buf[..n]), &mut scratch).unwrap();
        assert_eq!(req, back);
    }
    // A long observation (the car head's 648 floats: COBS blocks of 254) round-trips too.
    let long: std::vec::Vec<f32> = (0..648).map(|i| if i % 3 == 0 { 0.0 } else { i as f32 }).collect();
    let mut buf = std::vec![0u8; max_encoded(648)];
    let n = Request::Step { obs: Floats::new(&long) }.encode(&mut buf).unwrap();
    assert!(n <= max_encoded(648));
    let mut scratch = std::vec![0u8; max_raw(648)];
    let Request::Step { obs } = Request::decode(frame_of(&buf[..n]), &mut scratch).unwrap() else {
        panic!("not a step")
    };
    let mut back = std::vec![0.0; 648];
    obs.copy_to(&mut back).unwrap();
    assert_eq!(back, long);
    assert_eq!(obs.copy_to(&mut [0.0; 3]), Err(ErrorCode::Length));
}

#[test]
fn replies_round_trip() {
    let replies = [
        Reply::Ready { rule_status: 0, n_synapses: 12_288 },
        Reply::ResetDone { seed: 42 },
        Reply::Action(Floats::new(&[0.5, -0.25, 0.0, 1.0, -1.0, 1e-30, 3.0, -7.5])),
        Reply::Timing(Timing { step_ticks: 1, calib_ticks: 2, calib_instructions: 3, stack_peak_bytes: 4 }),
        Reply::Error { code: ErrorCode::Crc, detail: 0xdead_beef },
    ];
    for r in replies {
        let mut buf = [0u8; MAX_ENCODED];
        let n = r.encode(&mut buf).unwrap();
        let mut scratch = [0u8; MAX_RAW];
        assert_eq!(Reply::decode(frame_of(&buf[..n]), &mut scratch).unwrap(), r);
    }
}

#[test]
fn corruption_is_detected() {
    let mut buf = [0u8; MAX_ENCODED];
    let n = Request::Step { obs: Floats::new(&[0.125; OBS_LEN]) }.encode(&mut buf).unwrap();
    let mut s = [0u8; MAX_RAW];
    for i in 0..n - 1 {
        for flip in [1u8, 0x80] {
            let mut f = buf;
            f[i] ^= flip;
            if f[i] == 0 {
                continue; // would split the frame; covered by the reader test
            }
            assert!(Request::decode(&f[..n - 1], &mut s).is_err(), "flip {flip:#x} at {i} not detected");
        }
    }
    assert_eq!(Request::decode(&[], &mut s), Err(ErrorCode::TooShort));
    assert_eq!(Request::decode(&[0x02, 0x01], &mut s), Err(ErrorCode::TooShort));
    assert_eq!(Request::decode(&[0x05, 1, 2], &mut s), Err(ErrorCode::Cobs));
    // A frame longer than the scratch buffer is an overflow, not a panic.
    assert_eq!(Request::decode(&buf[..n - 1], &mut [0u8; 8]), Err(ErrorCode::Overflow));
}

#[test]
fn wrong_kind_and_length_are_reported() {
    let mut out = [0u8; MAX_ENCODED];
    // A reply is not a request.
    let n = Reply::ResetDone { seed: 1 }.encode(&mut out).unwrap();
    let mut s = [0u8; MAX_RAW];
    assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::UnknownKind));
    // A reset with a 4-byte seed.
    let mut w = Writer::new(&mut out);
    w.put(&[K_RESET, 1, 2, 3, 4]).unwrap();
    let n = w.seal().unwrap();
    assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::Length));
    // A step whose payload is not whole floats.
    let mut w = Writer::new(&mut out);
    w.put(&[K_STEP, 1, 2, 3]).unwrap();
    let n = w.seal().unwrap();
    assert_eq!(Request::decode(&out[..n - 1], &mut s), Err(ErrorCode::Length));
}

#[test]
fn cobs_handles_long_runs() {
    for len in [0usize, 1, 253, 254, 255, 300, 508] {
        let src: std::vec::Vec<u8> =
            (0..len).map(|i| if i % 97 == 5 { 0 } else { (i % 251 + 1) as u8 }).collect();
        let mut enc = [0u8; 600];
        let n = cobs_encode(&src, &mut enc).unwrap();
        assert!(!enc[..n].contains(&0));
        let mut dec = [0u8; 600];
        let m = cobs_decode(&enc[..n], &mut dec).unwrap();
        assert_eq!(&dec[..m], &src[..]);
    }
    let mut small = [0u8; 3];
    assert_eq!(cobs_encode(&[1, 2, 3, 4], &mut small), Err(ErrorCode::Overflow));
}

#[test]
fn reader_splits_frames_and_reports_overflow() {
    let mut r = FrameReader::<8>::new();
    let mut got = std::vec::Vec::new();
    for &b in &[0u8, 1, 2, 0, 0, 3, 0] {
        if let Some(f) = r.push(b) {
            got.push(f.unwrap().to_vec());
        }
    }
    assert_eq!(got, [std::vec![1, 2], std::vec![3]]);
    for b in 1..=20u8 {
        assert!(r.push(b).is_none());
    }
    assert_eq!(r.push(0), Some(Err(ErrorCode::Overflow)));
    // The reader recovers.
    assert!(r.push(7).is_none());
    assert_eq!(r.push(0), Some(Ok(&[7u8][..])));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut state = 0x1234_5678_9abc_def0u64;
    for _ in 0..20_000 {
        let mut b = [0u8; 130];
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 130) as usize;
        for (k, x) in b.iter_mut().enumerate() {
            *x = (state >> (k % 8 * 8)) as u8 ^ k as u8;
        }
        // Random bytes pass COBS and a CRC-32 with probability < 2^-32 per case.
        let mut s = [0u8; MAX_RAW];
        assert!(Request::decode(&b[..len], &mut s).is_err());
        assert!(Reply::decode(&b[..len], &mut s).is_err());
    }
}
