//! Pure parsers over bytes: no I/O here, so every function can be unit-tested
//! with captured lines and fuzzed.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::char;

use crate::model::socket::Endpoint;

/// Byte order of the machine whose kernel printed a table. Address words are
/// printed as host-order `u32`s, so decoding depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    /// The order of the machine this binary runs on.
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };

    fn bytes(self, word: u32) -> [u8; 4] {
        match self {
            ByteOrder::Little => word.to_le_bytes(),
            ByteOrder::Big => word.to_be_bytes(),
        }
    }
}

/// What went wrong in a line, and where (1-based byte column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub col: usize,
    pub what: &'static str,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: expected {}", self.col, self.what)
    }
}

/// Every field of a row of `/proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}`.
///
/// The first ten fields are required; the rest were added over the years or are
/// missing from TIME-WAIT and request rows, so they are optional.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InetRow {
    /// `sl` for TCP, the hash bucket for UDP and raw (repeats).
    pub sl: u64,
    pub local: Endpoint,
    pub remote: Endpoint,
    pub state: u8,
    pub tx_queue: u32,
    pub rx_queue: u32,
    pub timer: u8,
    pub expires: u64,
    pub retransmits: u32,
    pub uid: u32,
    /// TCP: probes / timeout; UDP: always 0.
    pub timeout: i64,
    pub inode: u64,
    pub refcnt: Option<u64>,
    /// `%pK`: zeroed or hashed, never an identity.
    pub pointer: Option<u64>,
    /// TCP only (`tcp_ipv4.c`): rto, ato, (quick << 1 | pingpong), cwnd, ssthresh.
    pub rto: Option<u64>,
    pub ato: Option<u64>,
    pub quick_pingpong: Option<u64>,
    pub cwnd: Option<u64>,
    pub ssthresh: Option<i64>,
    /// UDP and raw only: datagrams dropped.
    pub drops: Option<u64>,
}

/// Which kind of table a line comes from: it decides what the trailing fields mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Tcp,
    Datagram,
}

type Res<'a, O> = IResult<&'a [u8], O>;

fn is_space(b: u8) -> bool {
    // '\r' too: a table copied through a CRLF system still parses.
    b == b' ' || b == b'\t' || b == b'\r'
}

pub(crate) fn skip_space(i: &[u8]) -> &[u8] {
    let n = i.iter().take_while(|&&b| is_space(b)).count();
    &i[n..]
}

fn hex_digits(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b: u8| b.is_ascii_hexdigit())(i)
}

fn fold_hex(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d - b'A' + 10,
        };
        (acc << 4) | u64::from(v)
    })
}

fn fail(i: &[u8]) -> nom::Err<nom::error::Error<&[u8]>> {
    nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify))
}

/// A hex number of at most `max` digits.
fn hex_max(max: usize) -> impl Fn(&[u8]) -> Res<'_, u64> {
    move |i| {
        let (rest, d) = hex_digits(i)?;
        if d.len() > max {
            return Err(fail(i));
        }
        Ok((rest, fold_hex(d)))
    }
}

/// A decimal `u64` (rejects overflow).
pub fn dec_u64(i: &[u8]) -> Res<'_, u64> {
    let (rest, d) = take_while1(|b: u8| b.is_ascii_digit())(i)?;
    let mut v: u64 = 0;
    for &b in d {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| fail(i))?;
    }
    Ok((rest, v))
}

/// A decimal `u32` (rejects overflow).
fn dec_u32(i: &[u8]) -> Res<'_, u32> {
    let (rest, v) = dec_u64(i)?;
    Ok((rest, u32::try_from(v).map_err(|_| fail(i))?))
}

/// A decimal `i64` with an optional minus sign.
fn dec_i64(i: &[u8]) -> Res<'_, i64> {
    let (i2, neg) = match i.first() {
        Some(b'-') => (&i[1..], true),
        _ => (i, false),
    };
    let (rest, v) = dec_u64(i2)?;
    let v = i64::try_from(v).map_err(|_| fail(i))?;
    Ok((rest, if neg { -v } else { v }))
}

/// One address word: eight hex digits, a `u32` in the printing machine's order.
pub fn decode_word(word: u32, order: ByteOrder) -> [u8; 4] {
    order.bytes(word)
}

/// Decode the hex text of an address: 8 digits (IPv4) or 32 digits (IPv6, four
/// host-order words). Anything else is `None`.
pub fn decode_addr(hex: &[u8], order: ByteOrder) -> Option<IpAddr> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let word = |k: usize| decode_word(fold_hex(&hex[k * 8..k * 8 + 8]) as u32, order);
    match hex.len() {
        8 => Some(IpAddr::V4(Ipv4Addr::from(word(0)))),
        32 => {
            let mut b = [0u8; 16];
            for k in 0..4 {
                b[k * 4..k * 4 + 4].copy_from_slice(&word(k));
            }
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

/// `ADDR:PORT`, the port already in host order (`ntohs` in the kernel).
fn endpoint(order: ByteOrder) -> impl Fn(&[u8]) -> Res<'_, Endpoint> {
    move |i| {
        let (rest, hex) = hex_digits(i)?;
        let ip = decode_addr(hex, order).ok_or_else(|| fail(i))?;
        let (rest, _) = char(':').parse(rest)?;
        let (rest, port) = hex_max(4)(rest)?;
        Ok((
            rest,
            Endpoint {
                ip,
                port: port as u16,
            },
        ))
    }
}

/// `HEX:HEX`, e.g. `tx_queue:rx_queue` or `tr:tm->when`.
fn hex_pair(a: usize, b: usize) -> impl Fn(&[u8]) -> Res<'_, (u64, u64)> {
    move |i| {
        let (i, x) = hex_max(a)(i)?;
        let (i, _) = char(':').parse(i)?;
        let (i, y) = hex_max(b)(i)?;
        Ok((i, (x, y)))
    }
}

/// A parser over the current position that must end at whitespace or end of line.
struct Cursor<'a> {
    line: &'a [u8],
    i: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn field<O>(
        &mut self,
        what: &'static str,
        p: impl Fn(&'a [u8]) -> Res<'a, O>,
    ) -> Result<O, LineError> {
        self.i = skip_space(self.i);
        let col = self.line.len() - self.i.len() + 1;
        let err = LineError { col, what };
        let (rest, v) = p(self.i).map_err(|_| err.clone())?;
        if let Some(&b) = rest.first()
            && !is_space(b)
        {
            return Err(err);
        }
        self.i = rest;
        Ok(v)
    }

    /// An optional trailing field: `None` at end of line or when it does not parse
    /// (a later kernel may add or reshape trailing fields; they are ignored).
    /// Trailing fields are positional, so the first that does not parse ends the
    /// row: the next parser must not read the same text into a later field's slot.
    fn optional<O>(&mut self, p: impl Fn(&'a [u8]) -> Res<'a, O>) -> Option<O> {
        self.i = skip_space(self.i);
        if self.i.is_empty() {
            return None;
        }
        match self.field("", p) {
            Ok(v) => Some(v),
            Err(_) => {
                self.i = &[];
                None
            }
        }
    }

    fn stop_optional(&mut self) {
        self.i = &[];
    }
}

/// Parse one data line of an inet table (not the header).
///
/// Fields are separated by any run of spaces; `sl` may be wider than four digits;
/// trailing fields beyond the first ten are optional and extra ones are ignored.
pub fn inet_line(line: &[u8], kind: TableKind, order: ByteOrder) -> Result<InetRow, LineError> {
    let (mut row, mut c) = required(line, order)?;
    trailing(&mut c, kind, &mut row);
    Ok(row)
}

/// Like [`inet_line`], but only the ten required fields (the optional trailing
/// ones stay `None`): what a listing needs, at half the work. A line is accepted
/// or rejected exactly as by [`inet_line`], which never fails on trailing fields.
pub fn inet_line_required(line: &[u8], order: ByteOrder) -> Result<InetRow, LineError> {
    required(line, order).map(|(row, _)| row)
}

fn required(line: &[u8], order: ByteOrder) -> Result<(InetRow, Cursor<'_>), LineError> {
    let mut c = Cursor { line, i: line };
    let sl = c.field("slot number followed by ':'", |i| {
        let (i, n) = dec_u64(i)?;
        let (i, _) = tag(&b":"[..])(i)?;
        Ok((i, n))
    })?;
    let local = c.field("local ADDR:PORT in hex", endpoint(order))?;
    let remote = c.field("remote ADDR:PORT in hex", endpoint(order))?;
    let state = c.field("state (2 hex digits)", hex_max(2))? as u8;
    let (tx, rx) = c.field("tx_queue:rx_queue in hex", hex_pair(8, 8))?;
    let (timer, expires) = c.field("timer:expires in hex", hex_pair(2, 16))?;
    let retransmits = c.field("retransmits in hex", hex_max(8))? as u32;
    let uid = c.field("uid (decimal, 32 bits)", dec_u32)?;
    let timeout = c.field("timeout (decimal)", dec_i64)?;
    let inode = c.field("inode (decimal)", dec_u64)?;
    let row = InetRow {
        sl,
        local,
        remote,
        state,
        tx_queue: tx as u32,
        rx_queue: rx as u32,
        timer: timer as u8,
        expires,
        retransmits,
        uid,
        timeout,
        inode,
        refcnt: None,
        pointer: None,
        rto: None,
        ato: None,
        quick_pingpong: None,
        cwnd: None,
        ssthresh: None,
        drops: None,
    };
    Ok((row, c))
}

fn trailing(c: &mut Cursor<'_>, kind: TableKind, row: &mut InetRow) {
    row.refcnt = c.optional(dec_u64);
    if row.refcnt.is_some() {
        row.pointer = c.optional(hex_max(16));
    }
    if row.pointer.is_some() {
        match kind {
            TableKind::Tcp => {
                row.rto = c.optional(dec_u64);
                row.ato = c.optional(dec_u64);
                row.quick_pingpong = c.optional(dec_u64);
                row.cwnd = c.optional(dec_u64);
                row.ssthresh = c.optional(dec_i64);
            }
            TableKind::Datagram => {
                // `drops` was `%d` before it became `%u`: a negative value is the
                // same 32-bit counter printed signed.
                row.drops = c.optional(dec_i64).map(|d| {
                    if d < 0 {
                        u64::from(d as i32 as u32)
                    } else {
                        d as u64
                    }
                });
            }
        }
    }
    c.stop_optional();
}

/// A line that holds nothing but padding (seen at the end of captured files).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| is_space(b))
}

#[cfg(test)]
#[path = "inet_tests.rs"]
mod tests;
