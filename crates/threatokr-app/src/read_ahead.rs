//! Reading a large file on a second thread while the caller parses what was read before, so that
//! the kernel's copying, and the content hash the reading thread computes as it reads, run beside
//! the parser on a second core (issue 12: the `read` calls were an eighth of reading a large SARIF
//! log). The chunks are handed over, not copied: a copy into the parser's buffer cost as much as
//! the reading it moved away.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use threatokr_core::evidence::sarif::Chunks;

/// How much the reading thread reads at a time: 1 MiB parsed 2% faster than 256 KiB and 5% faster
/// than 128 KiB (paired runs on a 212 MB log), the parser waking the reading thread less often.
const CHUNK: usize = 1 << 20;

/// Chunks read and not yet parsed, at most: a bound on memory (with the one being parsed, the
/// one being read and those on their way back, under 12 MiB), and enough that the parser never
/// waits on a steady reader.
const AHEAD: usize = 4;

/// `parse` given the chunks of `input`, which a second thread reads ahead; returns what `parse`
/// returned and `input`, which has read every byte handed to `parse` and possibly more (the
/// chunks read ahead that `parse` did not need). An error of `input` reaches `parse` in order,
/// after the bytes read before it.
pub(crate) fn read_ahead<R, T>(input: R, parse: impl FnOnce(ReadAhead) -> T) -> (T, R)
where
    R: Read + Send,
{
    let (full_sender, full) = sync_channel(AHEAD);
    let (empty, empty_receiver) = sync_channel(AHEAD + 2);
    std::thread::scope(|scope| {
        let reading = scope.spawn(move || read_chunks(input, &full_sender, &empty_receiver));
        // `parse` drops the chunks' receiver when it is done: that stops the reading thread at
        // its next chunk, if the parser stopped early.
        let parsed = parse(ReadAhead { full, empty, done: false });
        let input = reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (parsed, input)
    })
}

/// A chunk and how many of its bytes were read.
type Chunk = io::Result<(Vec<u8>, usize)>;

/// The reading thread: reads `input` a chunk at a time until its end, an error, or the parser
/// hanging up, reusing the chunks the parser gives back.
fn read_chunks<R: Read>(mut input: R, full: &SyncSender<Chunk>, empty: &Receiver<Vec<u8>>) -> R {
    loop {
        let mut chunk = match empty.try_recv() {
            Ok(chunk) => chunk,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => vec![0; CHUNK],
        };
        let read = loop {
            match input.read(&mut chunk) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        let (message, last) = match read {
            Ok(0) => return input,
            Ok(n) => (Ok((chunk, n)), false),
            Err(error) => (Err(error), true),
        };
        if full.send(message).is_err() || last {
            return input;
        }
    }
}

/// The parser's side: the chunks the reading thread sends, handed over without a copy.
pub(crate) struct ReadAhead {
    full: Receiver<Chunk>,
    empty: SyncSender<Vec<u8>>,
    done: bool,
}

impl Chunks for ReadAhead {
    fn next_chunk(&mut self, chunk: &mut Vec<u8>) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        match self.full.recv() {
            Ok(next) => {
                let (next, read) = next?;
                let used = std::mem::replace(chunk, next);
                // Chunks of the parser's own (its first, empty one) are not the reading thread's.
                if used.len() == CHUNK {
                    // The reading thread may have stopped; then the chunk is simply dropped.
                    let _ = self.empty.try_send(used);
                }
                Ok(read)
            }
            // The reading thread reached the end (or stopped after an error it sent).
            Err(_) => {
                self.done = true;
                Ok(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call and fails at `fail_at`, if given.
    struct Uneven {
        bytes: Vec<u8>,
        at: usize,
        step: usize,
        fail_at: Option<usize>,
    }

    impl Read for Uneven {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.fail_at == Some(self.at) {
                return Err(io::Error::other("the disk went away"));
            }
            let end = (self.at + self.step.min(out.len())).min(self.bytes.len());
            let end = self.fail_at.map_or(end, |fail| end.min(fail));
            let n = end - self.at;
            out[..n].copy_from_slice(&self.bytes[self.at..end]);
            self.at = end;
            Ok(n)
        }
    }

    /// Every byte the chunks hold, in order, or the first error.
    fn read_all(mut chunks: ReadAhead) -> io::Result<Vec<u8>> {
        let (mut all, mut chunk) = (Vec::new(), Vec::new());
        loop {
            match chunks.next_chunk(&mut chunk)? {
                0 => return Ok(all),
                n => all.extend_from_slice(&chunk[..n]),
            }
        }
    }

    fn bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn the_parser_reads_every_byte_in_order_whatever_the_sizes() {
        for (len, step) in [(0, 1), (1, 1), (CHUNK * 3 + 17, CHUNK), (CHUNK * 2, 1000), (5000, 7)] {
            let input = Uneven { bytes: bytes(len), at: 0, step, fail_at: None };
            let (read, input) = read_ahead(input, read_all);
            assert_eq!(read.unwrap(), bytes(len), "{len} bytes read {step} at a time");
            assert_eq!(input.at, len);
        }
    }

    #[test]
    fn an_error_comes_after_the_bytes_read_before_it() {
        let input = Uneven { bytes: bytes(CHUNK * 2), at: 0, step: CHUNK, fail_at: Some(CHUNK) };
        let (read, _) = read_ahead(input, |mut chunks| {
            let mut chunk = Vec::new();
            let n = chunks.next_chunk(&mut chunk)?;
            assert_eq!(chunk[..n], bytes(CHUNK)[..]);
            chunks.next_chunk(&mut chunk)
        });
        assert_eq!(read.unwrap_err().to_string(), "the disk went away");
    }

    #[test]
    fn a_parser_that_stops_early_stops_the_reading_and_gets_the_input_back() {
        let len = CHUNK * 40;
        let input = Uneven { bytes: bytes(len), at: 0, step: CHUNK, fail_at: None };
        let (first, mut input) = read_ahead(input, |mut chunks| {
            let mut chunk = Vec::new();
            chunks.next_chunk(&mut chunk).map(|n| chunk[..n].to_vec())
        });
        assert_eq!(first.unwrap(), bytes(CHUNK)[..]);
        // The thread read a few chunks ahead at most, and the rest is still there to read.
        let ahead = input.at;
        assert!(ahead <= CHUNK * (AHEAD + 3), "read {ahead} bytes ahead");
        let mut rest = Vec::new();
        input.read_to_end(&mut rest).unwrap();
        assert_eq!(ahead + rest.len(), len);
    }
}
