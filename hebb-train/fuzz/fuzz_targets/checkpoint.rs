//! Fuzz the checkpoint decoder: no input may panic it, and an accepted checkpoint must pass
//! every check and survive a re-encoding round trip. `cargo +nightly fuzz run checkpoint`
//! (from hebb-train/). Inputs get a valid CRC appended half of the time, so the fuzzer reaches
//! the body decoder instead of stopping at the checksum.
#![no_main]

use hebb_train::run::Checkpoint;
use libfuzzer_sys::fuzz_target;

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

fuzz_target!(|data: &[u8]| {
    let mut owned;
    let bytes = match data.split_first() {
        Some((&flag, rest)) if flag & 1 == 1 => {
            // `HEBBCKPT`, version 1, then the fuzzer's body, then its CRC.
            owned = b"HEBBCKPT\x01\x00\x00\x00".to_vec();
            owned.extend_from_slice(rest);
            let crc = CRC.checksum(&owned);
            owned.extend_from_slice(&crc.to_le_bytes());
            &owned[..]
        }
        _ => data,
    };
    if let Ok(ck) = Checkpoint::decode(bytes) {
        ck.validate().expect("an accepted checkpoint passes validation");
        assert!(ck.state.params.iter().all(|v| v.is_finite()));
        assert!(ck.state.n_penalized <= ck.state.params.len());
        // Postcard accepts over-long varints, so the bytes need not be canonical; the value
        // must survive a round trip.
        let again = ck.encode().expect("re-encodes");
        assert_eq!(Checkpoint::decode(&again).as_ref(), Ok(&ck));
    }
});
