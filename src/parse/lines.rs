//! Line splitting with memchr, over a whole buffer or streamed from a reader.

use std::io::{self, Read};
use std::ops::ControlFlow;

/// Iterator over the lines of a buffer, without their `\n`. A final line without
/// `\n` is still yielded; an empty buffer yields nothing.
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Lines<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Lines { rest: buf }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', self.rest) {
            Some(n) => {
                let line = &self.rest[..n];
                self.rest = &self.rest[n + 1..];
                Some(line)
            }
            None => {
                let line = self.rest;
                self.rest = &[];
                Some(line)
            }
        }
    }
}

/// One line handed to a [`scan`] callback.
pub enum Line<'a> {
    /// A complete line (1-based number, bytes without `\n`).
    Text(usize, &'a [u8]),
    /// A line longer than the scanner's limit; its bytes were dropped.
    TooLong(usize),
}

/// Read `r` to the end (or until `f` breaks) and hand every line to `f`.
///
/// Memory is bounded by `chunk` plus `max_line`: a longer line is reported as
/// [`Line::TooLong`] and skipped. procfs tables are read in large chunks so the
/// kernel formats many rows per `read()`, which also limits the rows it can repeat
/// or miss when the table changes between reads.
pub fn scan<R: Read>(
    mut r: R,
    chunk: usize,
    max_line: usize,
    mut f: impl FnMut(Line<'_>) -> ControlFlow<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; chunk.max(max_line + 1)];
    // buf[..len] holds unconsumed bytes; `skipping` is set while dropping a long line.
    let mut len = 0usize;
    let mut lineno = 0usize;
    let mut skipping = false;
    loop {
        let n = match r.read(&mut buf[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        len += n;
        let mut start = 0;
        while let Some(p) = memchr::memchr(b'\n', &buf[start..len]) {
            lineno += 1;
            let line = &buf[start..start + p];
            start += p + 1;
            let flow = if skipping {
                skipping = false;
                f(Line::TooLong(lineno))
            } else if line.len() > max_line {
                f(Line::TooLong(lineno))
            } else {
                f(Line::Text(lineno, line))
            };
            if flow.is_break() {
                return Ok(());
            }
        }
        if eof {
            if start < len {
                lineno += 1;
                let line = &buf[start..len];
                if skipping || line.len() > max_line {
                    let _ = f(Line::TooLong(lineno));
                } else {
                    let _ = f(Line::Text(lineno, line));
                }
            } else if skipping {
                lineno += 1;
                let _ = f(Line::TooLong(lineno));
            }
            return Ok(());
        }
        // Keep the partial line; drop it if it already exceeds the limit.
        buf.copy_within(start..len, 0);
        len -= start;
        if len > max_line {
            skipping = true;
            len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(buf: &[u8]) -> Vec<&[u8]> {
        if buf.is_empty() {
            return vec![];
        }
        let mut v: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
        if buf.ends_with(b"\n") {
            v.pop();
        }
        v
    }

    fn scanned(buf: &[u8], chunk: usize, max: usize) -> Vec<Result<Vec<u8>, usize>> {
        let mut out = vec![];
        scan(buf, chunk, max, |l| {
            out.push(match l {
                Line::Text(_, t) => Ok(t.to_vec()),
                Line::TooLong(n) => Err(n),
            });
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_agree_with_naive_split() {
        let cases: [&[u8]; 7] = [
            b"",
            b"\n",
            b"a",
            b"a\n",
            b"a\nb",
            b"\n\nx\n\n",
            b"  sl  local\n   0: 0100007F:0035\n",
        ];
        for c in cases {
            assert_eq!(Lines::new(c).collect::<Vec<_>>(), naive(c), "{c:?}");
        }
    }

    #[test]
    fn scan_agrees_with_naive_split_at_every_chunk_size() {
        let text = b"header line\nrow one\n\nrow three is longer\nlast";
        let want: Vec<Result<Vec<u8>, usize>> =
            naive(text).iter().map(|l| Ok(l.to_vec())).collect();
        for chunk in 1..=text.len() + 2 {
            assert_eq!(scanned(text, chunk, 64), want, "chunk {chunk}");
        }
    }

    #[test]
    fn scan_skips_overlong_lines_with_their_number() {
        let mut text = b"short\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 100));
        text.extend(b"\nafter\n");
        text.extend(std::iter::repeat_n(b'y', 100));
        for chunk in [4, 16, 33, 200] {
            let got = scanned(&text, chunk, 20);
            assert_eq!(
                got,
                vec![Ok(b"short".to_vec()), Err(2), Ok(b"after".to_vec()), Err(4)],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn scan_stops_when_told() {
        let mut seen = 0;
        scan(&b"a\nb\nc\n"[..], 2, 8, |_| {
            seen += 1;
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(seen, 1);
    }
}
