//! The byte link to the firmware for hardware in the loop: QEMU's emulated UART (the child's
//! stdin/stdout), a real serial port (a board's UART through a USB-serial adapter or a probe's
//! virtual COM port, with the `serialport` crate), or any `Read`/`Write` pair. The protocol on
//! every link is the same: `hebb_core::wire` frames, decoded by a reader thread.

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use hebb_core::wire::{ErrorCode, FrameReader, Request};

use crate::error::{Error, Result};
use crate::hil::Reply;

/// How long to wait for any reply before declaring the firmware dead.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long [`Mcu::open_serial`] listens for the `Ready` frame of a board that resets when the
/// port opens, before asking a running one for its `Timing`.
pub const BOOT_WAIT: Duration = Duration::from_millis(1500);

/// The largest observation or action the host side of the link handles (the firmware's own
/// limit is its network's, generated from the rule file).
const MAX_FLOATS: usize = 4096;
const MAX_ENCODED: usize = hebb_core::wire::max_encoded(MAX_FLOATS);

/// The firmware at the other end of a byte link, with a thread decoding its replies.
pub struct Mcu {
    /// QEMU, when the link is its serial port; killed on drop.
    child: Option<Child>,
    tx: Box<dyn Write + Send>,
    replies: Receiver<std::result::Result<Reply, ErrorCode>>,
    /// Tells the reader thread to stop (a serial port never reaches end of file).
    stop: Arc<AtomicBool>,
    /// What the link is, for messages.
    link: String,
}

impl Mcu {
    /// Drives the firmware over any byte stream: `rx` carries its replies, `tx` the requests.
    /// A read that times out (`TimedOut`, `WouldBlock`, `Interrupted`) is retried; end of file
    /// or another read error ends the link ([`Mcu::recv`] then says it closed).
    pub fn over(rx: impl Read + Send + 'static, tx: impl Write + Send + 'static, link: &str) -> Mcu {
        let stop = Arc::new(AtomicBool::new(false));
        let replies = spawn_reader(rx, stop.clone());
        Mcu { child: None, tx: Box::new(tx), replies, stop, link: link.to_string() }
    }

    /// Boots `elf` in `qemu-system-arm -machine netduinoplus2` with `-icount shift=0` (so the
    /// firmware's SysTick counts instructions), USART1 on the child's stdin/stdout, and waits
    /// for its `Ready` frame.
    pub fn boot(elf: &Path) -> Result<(Mcu, Reply)> {
        let mut child = Command::new("qemu-system-arm")
            .args(["-machine", "netduinoplus2", "-display", "none", "-monitor", "none", "-serial", "stdio"])
            .args(["-icount", "shift=0", "-kernel"])
            .arg(elf)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                Error::Firmware(format!(
                    "cannot start qemu-system-arm ({e}); install it with: apt-get install -y qemu-system-arm"
                ))
            })?;
        let stdin = child.stdin.take().ok_or_else(|| Error::Firmware("no stdin to QEMU".into()))?;
        let stdout = child.stdout.take().ok_or_else(|| Error::Firmware("no stdout from QEMU".into()))?;
        let mut mcu = Mcu::over(stdout, stdin, "QEMU's serial port");
        mcu.child = Some(child);
        let ready = mcu.recv("boot")?;
        Ok((mcu, ready))
    }

    /// Opens a real board's serial port (`/dev/ttyACM0`, `/dev/ttyUSB0`, `COM3`) at `baud`, 8N1,
    /// no flow control, and makes contact: a board that resets when the port opens announces
    /// itself with `Ready` within [`BOOT_WAIT`]; a running one is sent a frame delimiter (to
    /// flush any partial frame in its receiver) and a `Timing` request, and its `Timing` reply is
    /// returned instead. Either way the link is proven before the first step.
    pub fn open_serial(path: &Path, baud: u32) -> Result<(Mcu, Reply)> {
        let name = path.to_string_lossy().into_owned();
        let port = serialport::new(&name, baud)
            .timeout(Duration::from_millis(50))
            .open()
            .map_err(|e| Error::Firmware(format!("cannot open serial port {name} at {baud} baud: {e}")))?;
        // Drop whatever the board sent before we listened (half a frame, boot noise).
        let _ = port.clear(serialport::ClearBuffer::All);
        let rx = port.try_clone().map_err(|e| Error::Firmware(format!("serial port {name}: {e}")))?;
        let mut mcu = Mcu::over(SerialReader(rx), SerialWriter(port), &format!("serial port {name}"));
        if let Ok(Ok(ready @ Reply::Ready { .. })) = mcu.replies.recv_timeout(BOOT_WAIT) {
            return Ok((mcu, ready));
        }
        mcu.send_raw(&[0])?;
        let mut buf = [0u8; 16];
        let n = Request::Timing
            .encode(&mut buf)
            .map_err(|e| Error::Firmware(format!("encoding Timing: {e:?}")))?;
        mcu.send_raw(&buf[..n])?;
        // A partial frame in the board's receiver is answered with an error first; skip those.
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            match mcu.recv("contact")? {
                r @ (Reply::Timing(_) | Reply::Ready { .. }) => return Ok((mcu, r)),
                Reply::Error { .. } if Instant::now() < deadline => continue,
                other => {
                    return Err(Error::Firmware(format!(
                        "serial port {name}: expected a Timing reply to make contact, got {other:?}"
                    )));
                }
            }
        }
    }

    /// The next reply.
    pub fn recv(&mut self, what: &str) -> Result<Reply> {
        match self.replies.recv_timeout(REPLY_TIMEOUT) {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(Error::Firmware(format!("{what}: undecodable reply from the firmware: {e:?}"))),
            Err(RecvTimeoutError::Timeout) => Err(Error::Firmware(format!(
                "{what}: no reply from the firmware on {} in {REPLY_TIMEOUT:?}",
                self.link
            ))),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
                let status = status.map_or(String::new(), |s| format!(" (QEMU exit status {s})"));
                Err(Error::Firmware(format!("{what}: {} closed{status}", self.link)))
            }
        }
    }

    /// Sends raw bytes on the link.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.tx
            .write_all(bytes)
            .and_then(|()| self.tx.flush())
            .map_err(|e| Error::Firmware(format!("writing to {}: {e}", self.link)))
    }

    /// Sends a request and waits for its reply.
    pub fn request(&mut self, req: &Request<'_>) -> Result<Reply> {
        let mut buf = vec![0u8; MAX_ENCODED];
        let n = req.encode(&mut buf).map_err(|e| Error::Firmware(format!("encoding {req:?}: {e:?}")))?;
        self.send_raw(&buf[..n])?;
        self.recv("request")
    }
}

impl Drop for Mcu {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Decodes frames from `rx` into replies until end of file, a read error, or `stop`.
fn spawn_reader(
    mut rx: impl Read + Send + 'static,
    stop: Arc<AtomicBool>,
) -> Receiver<std::result::Result<Reply, ErrorCode>> {
    let (tx, replies) = channel();
    std::thread::spawn(move || {
        let mut reader = Box::new(FrameReader::<{ 4 * MAX_ENCODED }>::new());
        let mut scratch = vec![0u8; hebb_core::wire::max_raw(MAX_FLOATS)];
        let mut buf = [0u8; 256];
        while !stop.load(Ordering::Relaxed) {
            let n = match rx.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(_) => break,
            };
            for &b in &buf[..n] {
                if let Some(frame) = reader.push(b)
                    && tx
                        .send(
                            frame.and_then(|f| {
                                hebb_core::wire::Reply::decode(f, &mut scratch).map(Reply::from)
                            }),
                        )
                        .is_err()
                {
                    return;
                }
            }
        }
    });
    replies
}

/// `Box<dyn SerialPort>` as `Read` (it is one; this names the type for the reader thread).
struct SerialReader(Box<dyn serialport::SerialPort>);

impl Read for SerialReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// `Box<dyn SerialPort>` as `Write`.
struct SerialWriter(Box<dyn serialport::SerialPort>);

impl Write for SerialWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::fs::File;
    use std::os::fd::FromRawFd;

    use hebb_core::wire::{Floats, Reply as W, Timing};

    use super::*;

    /// A pseudo-terminal pair: the master as a file, the slave's path (a tty, like a board's
    /// `/dev/ttyACM0`) and the slave's own descriptor, kept open for the pair's life.
    fn openpty() -> (File, String, File) {
        let (mut master, mut slave) = (0, 0);
        let mut name = [0 as libc::c_char; 128];
        // SAFETY: valid out-pointers; `name` is larger than any pty path; no termios/winsize.
        let rc = unsafe {
            libc::openpty(&mut master, &mut slave, name.as_mut_ptr(), std::ptr::null(), std::ptr::null())
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: `name` was NUL-terminated by openpty.
        let path = unsafe { std::ffi::CStr::from_ptr(name.as_ptr()) }.to_string_lossy().into_owned();
        // SAFETY: openpty returned two fresh descriptors that nothing else owns.
        unsafe { (File::from_raw_fd(master), path, File::from_raw_fd(slave)) }
    }

    /// A stand-in board on the master side: answers `Timing`, `Reset` and `Step` (the action is
    /// the observation's first two values doubled), and answers the first request with an
    /// error frame first, as a board does for a partial frame left in its receiver.
    fn fake_board(mut port: File) {
        let mut out = port.try_clone().unwrap();
        let mut reader = FrameReader::<512>::new();
        let mut scratch = [0u8; 512];
        let mut buf = [0u8; 512];
        let mut first = true;
        let mut send = |r: &W<'_>| {
            let n = r.encode(&mut buf).unwrap();
            out.write_all(&buf[..n]).unwrap();
        };
        let mut byte = [0u8; 1];
        while port.read(&mut byte).is_ok_and(|n| n == 1) {
            let Some(Ok(frame)) = reader.push(byte[0]) else { continue };
            let frame = frame.to_vec();
            if std::mem::take(&mut first) {
                send(&W::Error { code: ErrorCode::Cobs, detail: 0 });
            }
            match Request::decode(&frame, &mut scratch) {
                Ok(Request::Timing) => send(&W::Timing(Timing {
                    step_ticks: 11,
                    calib_ticks: 22,
                    calib_instructions: 33,
                    stack_peak_bytes: 44,
                })),
                Ok(Request::Reset { seed }) => send(&W::ResetDone { seed }),
                Ok(Request::Step { obs }) => {
                    let a: Vec<f32> = obs.iter().take(2).map(|x| 2.0 * x).collect();
                    send(&W::Action(Floats::new(&a)));
                }
                Err(code) => send(&W::Error { code, detail: 0 }),
            }
        }
    }

    /// The serial transport over a pty pair: contact by `Timing` (skipping the error frame a
    /// partial frame gets), then requests and replies, as with a real board.
    #[test]
    fn serial_link_over_a_pty() {
        let (master, path, _slave) = openpty();
        std::thread::spawn(move || fake_board(master));
        let (mut mcu, contact) = Mcu::open_serial(Path::new(&path), 115_200).unwrap();
        assert_eq!(
            contact,
            Reply::Timing(Timing {
                step_ticks: 11,
                calib_ticks: 22,
                calib_instructions: 33,
                stack_peak_bytes: 44
            })
        );
        assert_eq!(mcu.request(&Request::Reset { seed: 9 }).unwrap(), Reply::ResetDone { seed: 9 });
        let obs = [1.5f32, -0.25, 7.0];
        assert_eq!(
            mcu.request(&Request::Step { obs: Floats::new(&obs) }).unwrap(),
            Reply::Action(vec![3.0, -0.5])
        );
    }

    #[test]
    fn missing_serial_port_is_a_clear_error() {
        let e = Mcu::open_serial(Path::new("/dev/hebb-no-such-tty"), 9600).err().unwrap().to_string();
        assert!(e.contains("cannot open serial port /dev/hebb-no-such-tty at 9600 baud"), "{e}");
    }
}
