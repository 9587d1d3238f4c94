//! The filter expressions of `ss` (iproute2 `misc/ssfilter.y`), the subset
//! that /proc can answer: `state`/`exclude` in front, then conditions on
//! `sport`, `dport`, `src`, `dst` joined by `and`/`or`/`not` and parentheses.
//!
//! ```text
//! state established '( dport = :443 or dport = :80 )'
//! sport = :22
//! dst 10.0.0.0/8 and not sport >= 1024
//! ```
//!
//! Pure: bytes in, a [`Filter`] or a [`FilterError`] (line, column, what was
//! expected) out. Service names are resolved by the caller's function (from
//! /etc/services, see [`service_port`]). Semantics follow ss exactly where ss
//! accepts the input:
//!
//! - `and` and `or` have the same precedence and group from the left
//!   (`a or b and c` is `(a or b) and c`), as bison builds it from
//!   `exprlist: exprlist '|' expr | exprlist '&' expr | exprlist expr`; two
//!   conditions side by side are joined by `and`.
//! - `sport > X` is `not sport <= X`, `sport != X` is `not sport = X`.
//! - An IPv4 prefix also matches IPv4-mapped IPv6 addresses; an IPv6 prefix
//!   never matches an IPv4 socket (the kernel's `inet_diag_bc_run`).
//!
//! Tokens are separated by blanks as in ss, and also by `(`, `)` and the
//! operator characters, so `sport>=1024` and `(dport=:443)` are accepted too.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::{take_while, take_while1};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use crate::model::socket::{Family, state as st};

/// A parsed filter: the states to show (`None`: as the flags say) and the
/// condition (`None`: every socket).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Bit `1 << N` for TCP state number N (`include/net/tcp_states.h`).
    pub states: Option<u16>,
    pub expr: Option<Expr>,
}

/// One side of a socket: `src`/`sport` are the local end, `dst`/`dport` the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Local,
    Remote,
}

/// A condition tree, in ss's own terms (`SSF_SCOND`, `SSF_S_GE`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `src ADDR[/LEN][:PORT]`, `sport = PORT`: every part given must match.
    Host {
        side: Side,
        /// Address and prefix length (host bits cleared).
        net: Option<(IpAddr, u8)>,
        port: Option<u16>,
    },
    /// `sport >= PORT`
    PortGe(Side, u16),
    /// `sport <= PORT`
    PortLe(Side, u16),
}

/// Every state number /proc prints (1..=12).
pub const ALL_STATES: u16 = 0x1ffe;

const fn bit(s: u8) -> u16 {
    1 << s
}

const SYN_RECV: u16 = bit(st::SYN_RECV) | bit(st::NEW_SYN_RECV);

/// `state NAME`'s names and their states: a table, as a `match` on byte
/// strings compiles to a comparison chain several times its size (README,
/// "Size").
const STATE_NAMES: [(&[u8], u16); 20] = [
    (b"all", ALL_STATES),
    (
        b"connected",
        ALL_STATES & !(bit(st::CLOSE) | bit(st::LISTEN)),
    ),
    (
        b"synchronized",
        ALL_STATES & !(bit(st::CLOSE) | bit(st::LISTEN) | bit(st::SYN_SENT)),
    ),
    (b"bucket", SYN_RECV | bit(st::TIME_WAIT)),
    (b"big", ALL_STATES & !(SYN_RECV | bit(st::TIME_WAIT))),
    (b"established", bit(st::ESTABLISHED)),
    (b"syn-sent", bit(st::SYN_SENT)),
    (b"syn-recv", SYN_RECV),
    (b"syn-rcv", SYN_RECV),
    (b"fin-wait-1", bit(st::FIN_WAIT1)),
    (b"fin-wait-2", bit(st::FIN_WAIT2)),
    (b"time-wait", bit(st::TIME_WAIT)),
    (b"unconnected", bit(st::CLOSE)),
    (b"close", bit(st::CLOSE)),
    (b"closed", bit(st::CLOSE)),
    (b"close-wait", bit(st::CLOSE_WAIT)),
    (b"last-ack", bit(st::LAST_ACK)),
    (b"listening", bit(st::LISTEN)),
    (b"closing", bit(st::CLOSING)),
    // TCP sockets bound but not listening are in no /proc table.
    (b"bound-inactive", 0),
];

/// The states of `state NAME` (ss's `scan_state`), case-insensitive.
pub fn state_set(name: &[u8]) -> Option<u16> {
    STATE_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, set)| set)
}

/// Why a filter could not be parsed: line, column (in characters), what was
/// expected and what was found (`"token"` or `end of input`); the same error
/// as the policy grammar's, printed `LINE:COL: expected …, found …`.
pub use crate::parse::policy::PolicyError as FilterError;

#[derive(Debug)]
struct Fail<'a> {
    at: &'a [u8],
    expected: Cow<'static, str>,
}

impl<'a> ParseError<&'a [u8]> for Fail<'a> {
    fn from_error_kind(at: &'a [u8], _: ErrorKind) -> Self {
        Fail {
            at,
            expected: Cow::Borrowed(EXPECT_COND),
        }
    }

    fn append(_: &'a [u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a [u8], T, Fail<'a>>;

fn fail<'a, T>(at: &'a [u8], expected: impl Into<Cow<'static, str>>) -> Res<'a, T> {
    Err(nom::Err::Failure(Fail {
        at,
        expected: expected.into(),
    }))
}

const EXPECT_COND: &str = "a condition (sport, dport, src, dst), '(' or 'not'";
const EXPECT_PORT: &str = "a port (:22, 22, a service name from /etc/services, or *)";
const EXPECT_HOST: &str = "an address, a prefix or a port (10.0.0.1, 10.0.0.0/8, [::1], [::1]:22, *:22, :22; host names are not resolved)";
/// Parentheses and `not` nest at most this deep, and an expression has at most
/// so many conditions (bounded recursion on any input).
const MAX_DEPTH: usize = 100;
const MAX_CONDS: usize = 1000;

struct Ctx<'r> {
    resolve: Resolve<'r>,
    /// `-4` or `-6` alone: addresses of the other family are errors, as in ss.
    only: Option<Family>,
    conds: std::cell::Cell<usize>,
}

/// The caller's service-name lookup: `ssh` → 22, or why not.
pub type Resolve<'r> = &'r dyn Fn(&[u8]) -> Result<u16, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok<'a> {
    Open,
    Close,
    /// A run of `!=<>&|`.
    Op(&'a [u8]),
    Word(&'a [u8]),
    End,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_op(b: u8) -> bool {
    matches!(b, b'!' | b'=' | b'<' | b'>' | b'&' | b'|')
}

/// Blanks and `#` comments (to the end of the line) before a token.
fn skip(mut i: &[u8]) -> &[u8] {
    loop {
        let (rest, _) = take_while::<_, _, Fail>(is_blank)
            .parse(i)
            .unwrap_or((i, &[][..]));
        i = rest;
        if i.first() == Some(&b'#') {
            i = &i[memchr::memchr(b'\n', i).unwrap_or(i.len())..];
        } else {
            return i;
        }
    }
}

/// The next token: where it starts, what it is, what follows it.
fn peek(i: &[u8]) -> (&[u8], Tok<'_>, &[u8]) {
    let i = skip(i);
    let Some(&b) = i.first() else {
        return (i, Tok::End, i);
    };
    let run = |p: fn(u8) -> bool| -> (&[u8], &[u8]) {
        take_while1::<_, _, Fail>(p)
            .parse(i)
            .map(|(r, t)| (t, r))
            .unwrap_or((&i[..1], &i[1..]))
    };
    match b {
        b'(' => (i, Tok::Open, &i[1..]),
        b')' => (i, Tok::Close, &i[1..]),
        _ if is_op(b) => {
            let (t, r) = run(is_op);
            (i, Tok::Op(t), r)
        }
        _ => {
            let (t, r) = run(|b| !is_blank(b) && !is_op(b) && b != b'(' && b != b')');
            (i, Tok::Word(t), r)
        }
    }
}

fn is_and(t: Tok<'_>) -> bool {
    matches!(t, Tok::Op(b"&" | b"&&") | Tok::Word(b"and"))
}

fn is_or(t: Tok<'_>) -> bool {
    matches!(t, Tok::Op(b"|" | b"||") | Tok::Word(b"or"))
}

fn is_not(t: Tok<'_>) -> bool {
    matches!(t, Tok::Op(b"!") | Tok::Word(b"not"))
}

/// `exprlist`: conditions joined from the left by `and`, `or` or nothing.
fn exprlist<'a>(i: &'a [u8], depth: usize, r: &Ctx<'_>) -> Res<'a, Expr> {
    let (mut i, mut acc) = expr(i, depth, r)?;
    loop {
        let (at, t, rest) = peek(i);
        let or = is_or(t);
        let next = match t {
            Tok::End | Tok::Close => return Ok((i, acc)),
            _ if or || is_and(t) => rest,
            _ => at,
        };
        let (j, e) = expr(next, depth, r)?;
        acc = if or {
            Expr::Or(Box::new(acc), Box::new(e))
        } else {
            Expr::And(Box::new(acc), Box::new(e))
        };
        i = j;
    }
}

fn expr<'a>(i: &'a [u8], depth: usize, r: &Ctx<'_>) -> Res<'a, Expr> {
    if depth >= MAX_DEPTH {
        return fail(
            i,
            "a shallower expression (at most 100 levels of '(' and 'not')",
        );
    }
    r.conds.set(r.conds.get() + 1);
    if r.conds.get() > MAX_CONDS {
        return fail(i, "a shorter expression (at most 1000 conditions)");
    }
    let (at, t, rest) = peek(i);
    match t {
        Tok::Open => {
            let (i, e) = exprlist(rest, depth + 1, r)?;
            match peek(i) {
                (_, Tok::Close, rest) => Ok((rest, e)),
                (at, _, _) => fail(at, "')' or 'and'/'or' and another condition"),
            }
        }
        _ if is_not(t) => {
            let (i, e) = expr(rest, depth + 1, r)?;
            Ok((i, Expr::Not(Box::new(e))))
        }
        Tok::Word(w @ (b"sport" | b"dport")) => port_cond(
            rest,
            if w[0] == b's' {
                Side::Local
            } else {
                Side::Remote
            },
            r.resolve,
        ),
        Tok::Word(w @ (b"src" | b"dst")) => host_cond(
            rest,
            if w[0] == b's' {
                Side::Local
            } else {
                Side::Remote
            },
            r,
        ),
        Tok::Word(b"state" | b"exclude" | b"excl") => fail(
            at,
            "a condition ('state' and 'exclude' go before the expression)",
        ),
        Tok::Word(b"autobound" | b"dev" | b"fwmark" | b"cgroup") => fail(
            at,
            "a condition on sport, dport, src or dst (autobound, dev, fwmark and cgroup are not in /proc)",
        ),
        _ => fail(at, EXPECT_COND),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

/// The comparison after `sport`/`dport`/`src`/`dst`; none is `=` (ss's `eq`
/// rule may be empty).
fn cmp(i: &[u8]) -> (&[u8], Cmp) {
    let (_, t, rest) = peek(i);
    let c = match t {
        Tok::Op(b"=" | b"==") | Tok::Word(b"eq") => Cmp::Eq,
        Tok::Op(b"!=") | Tok::Word(b"ne" | b"neq") => Cmp::Ne,
        Tok::Op(b">=") | Tok::Word(b"ge" | b"geq") => Cmp::Ge,
        Tok::Op(b"<=") | Tok::Word(b"le" | b"leq") => Cmp::Le,
        Tok::Op(b">") | Tok::Word(b"gt") => Cmp::Gt,
        Tok::Op(b"<") | Tok::Word(b"lt") => Cmp::Lt,
        _ => return (i, Cmp::Eq),
    };
    (rest, c)
}

fn value<'a>(i: &'a [u8], what: &'static str) -> Res<'a, (&'a [u8], &'a [u8])> {
    match peek(i) {
        (at, Tok::Word(w), rest) => Ok((rest, (at, w))),
        (at, _, _) => fail(at, what),
    }
}

fn port_cond<'a>(i: &'a [u8], side: Side, r: Resolve<'_>) -> Res<'a, Expr> {
    let (i, c) = cmp(i);
    let (rest, (at, w)) = value(i, EXPECT_PORT)?;
    let w = w.strip_prefix(b":").unwrap_or(w);
    let port = if w == b"*" {
        None
    } else {
        match port_value(w, r) {
            Ok(p) => Some(p),
            Err(e) => return fail(at, e),
        }
    };
    let host = Expr::Host {
        side,
        net: None,
        port,
    };
    let e = match (c, port) {
        (Cmp::Eq, _) => host,
        (Cmp::Ne, _) => Expr::Not(Box::new(host)),
        (_, None) => return fail(at, "a port number or name to compare with (not *)"),
        (Cmp::Ge, Some(p)) => Expr::PortGe(side, p),
        (Cmp::Le, Some(p)) => Expr::PortLe(side, p),
        (Cmp::Gt, Some(p)) => Expr::Not(Box::new(Expr::PortLe(side, p))),
        (Cmp::Lt, Some(p)) => Expr::Not(Box::new(Expr::PortGe(side, p))),
    };
    Ok((rest, e))
}

fn host_cond<'a>(i: &'a [u8], side: Side, r: &Ctx<'_>) -> Res<'a, Expr> {
    let (i, c) = cmp(i);
    if !matches!(c, Cmp::Eq | Cmp::Ne) {
        return fail(i, "'=', '!=' or an address (src and dst compare addresses)");
    }
    let (rest, (at, w)) = value(i, EXPECT_HOST)?;
    let (net, port) = match host_value(w, r.resolve) {
        Ok(v) => v,
        Err(e) => return fail(at, e),
    };
    match (r.only, net) {
        (Some(Family::Inet), Some((IpAddr::V6(_), _))) => {
            return fail(at, "an IPv4 address or prefix (-4 is given)");
        }
        (Some(Family::Inet6), Some((IpAddr::V4(_), _))) => {
            return fail(at, "an IPv6 address or prefix (-6 is given)");
        }
        _ => {}
    }
    let host = Expr::Host { side, net, port };
    Ok((
        rest,
        if c == Cmp::Ne {
            Expr::Not(Box::new(host))
        } else {
            host
        },
    ))
}

/// A number as C's `strtoul(…, 0)` reads it (`22`, `0x16`, `026`), whole.
fn c_number(w: &[u8]) -> Option<u64> {
    let (digits, radix) = if let Some(h) = w.strip_prefix(b"0x").or_else(|| w.strip_prefix(b"0X")) {
        (h, 16)
    } else if w.len() > 1 && w[0] == b'0' {
        (&w[1..], 8)
    } else {
        (w, 10)
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()
}

fn port_value(w: &[u8], r: Resolve<'_>) -> Result<u16, Cow<'static, str>> {
    if w.is_empty() {
        return Err(EXPECT_PORT.into());
    }
    if w[0].is_ascii_digit() {
        return match c_number(w) {
            Some(n) if n <= 65535 => Ok(n as u16),
            _ => Err("a port number from 0 to 65535".into()),
        };
    }
    r(w).map_err(Cow::Owned)
}

/// `A.B.C.D` with fewer parts allowed (`10` is 10.0.0.0, `192.168` 192.168.0.0)
/// and C-style octets, as iproute2's `get_addr_ipv4` reads it.
fn ipv4(w: &[u8]) -> Option<Ipv4Addr> {
    let mut o = [0u8; 4];
    for (n, part) in w.split(|&b| b == b'.').enumerate() {
        if n == 4 || !part.first().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        o[n] = u8::try_from(c_number(part)?).ok()?;
    }
    Some(Ipv4Addr::from(o))
}

/// `ADDR[/LEN]`, host bits cleared.
fn prefix(w: &[u8]) -> Option<(IpAddr, u8)> {
    let (a, len) = match memchr::memchr(b'/', w) {
        Some(s) => (&w[..s], Some(&w[s + 1..])),
        None => (w, None),
    };
    let ip: IpAddr = if memchr::memchr(b':', a).is_some() {
        std::str::from_utf8(a)
            .ok()?
            .parse::<Ipv6Addr>()
            .ok()?
            .into()
    } else {
        ipv4(a)?.into()
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) if !l.is_empty() && l.iter().all(u8::is_ascii_digit) && l.len() <= 3 => {
            let n: u8 = std::str::from_utf8(l).ok()?.parse().ok()?;
            if n > max {
                return None;
            }
            n
        }
        Some(_) => return None,
    };
    Some((mask(ip, len), len))
}

/// `ip` with the bits past `len` cleared.
pub fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

type HostValue = (Option<(IpAddr, u8)>, Option<u16>);

/// The value of `src`/`dst`, split as ss's `parse_hostcond` does: `[ADDR]:PORT`,
/// `*:PORT`, `ADDR/LEN` (no port after a prefix unless after the last `:`
/// following the `/`), else the port after the last `:`.
fn host_value(w: &[u8], r: Resolve<'_>) -> Result<HostValue, Cow<'static, str>> {
    let (addr, port): (&[u8], Option<&[u8]>) = if let Some(rest) = w.strip_prefix(b"[") {
        let Some(end) = memchr::memchr(b']', rest) else {
            return Err("']' closing the address".into());
        };
        let after = &rest[end + 1..];
        // `[fe80::]/10`: ss rejects it; the meaning is plain.
        if let Some(len) = after.strip_prefix(b"/") {
            let colon = memchr::memrchr(b':', len);
            let (l, p) = match colon {
                Some(c) => (&len[..c], Some(&len[c + 1..])),
                None => (len, None),
            };
            let mut a = rest[..end].to_vec();
            a.push(b'/');
            a.extend_from_slice(l);
            let net = prefix(&a).ok_or(Cow::Borrowed(EXPECT_HOST))?;
            let port = match p {
                Some(p) => port_or_any(p, r)?,
                None => None,
            };
            return Ok((Some(net), port));
        }
        match after {
            [] => (&rest[..end], None),
            [b':', p @ ..] => (&rest[..end], Some(p)),
            _ => return Err("':PORT' or nothing after ']'".into()),
        }
    } else if let Some(rest) = w.strip_prefix(b"*") {
        match rest {
            [] => (&[][..], None),
            [b':', p @ ..] => (&[][..], Some(p)),
            _ => return Err(EXPECT_HOST.into()),
        }
    } else {
        let from = memchr::memchr(b'/', w).unwrap_or(0);
        match memchr::memrchr(b':', &w[from..]) {
            Some(c) => (&w[..from + c], Some(&w[from + c + 1..])),
            None => (w, None),
        }
    };
    let port = match port {
        Some(p) => port_or_any(p, r)?,
        None => None,
    };
    let net = match addr {
        b"" | b"*" | b"any" | b"all" => None,
        _ => match prefix(addr) {
            Some(n) => Some(n),
            None if addr.contains(&b':') && memchr::memchr(b'/', addr).is_none() => {
                return Err("an IPv6 address in brackets ([::1], [::1]:22)".into());
            }
            None => return Err(EXPECT_HOST.into()),
        },
    };
    Ok((net, port))
}

fn port_or_any(p: &[u8], r: Resolve<'_>) -> Result<Option<u16>, Cow<'static, str>> {
    if p.is_empty() || p == b"*" {
        Ok(None)
    } else {
        port_value(p, r).map(Some)
    }
}

/// 1-based line and character column of `at`, a suffix of `src`.
fn position(src: &[u8], at: &[u8]) -> (usize, usize) {
    let before = &src[..src.len() - at.len()];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

fn found(at: &[u8]) -> String {
    let (_, t, rest) = peek(at);
    if t == Tok::End {
        return "end of input".into();
    }
    let tok = &at[..(at.len() - rest.len()).min(40)];
    format!("\"{}\"", crate::render::escape::quoted(tok))
}

/// Parse `[state NAME | exclude NAME]... [EXPRESSION]` (ss's order: the states
/// first). `resolve` looks up service names.
/// `only` is the one address family shown (`-4` or `-6`), if just one.
pub fn parse(
    src: &[u8],
    only: Option<Family>,
    resolve: Resolve<'_>,
) -> Result<Filter, FilterError> {
    let mut f = Filter::default();
    let mut i = src;
    let err = |e: nom::Err<Fail<'_>>| {
        let f = match e {
            nom::Err::Error(f) | nom::Err::Failure(f) => f,
            nom::Err::Incomplete(_) => Fail::from_error_kind(&src[src.len()..], ErrorKind::Eof),
        };
        let (line, col) = position(src, f.at);
        FilterError {
            line,
            col,
            expected: f.expected,
            found: found(f.at),
        }
    };
    loop {
        let (_, t, rest) = peek(i);
        let include = match t {
            Tok::Word(b"state") => true,
            Tok::Word(b"exclude" | b"excl") => false,
            _ => break,
        };
        let (at, name) = match peek(rest) {
            (at, Tok::Word(w), _) => (at, w),
            (at, _, _) => (at, &b""[..]),
        };
        let Some(set) = state_set(name) else {
            return Err(err(nom::Err::Failure(Fail {
                at,
                expected: Cow::Borrowed(
                    "a state: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, unconnected, close-wait, last-ack, listening, closing, or a group: all, connected, synchronized, bucket, big",
                ),
            })));
        };
        // The first `state` starts from nothing, the first `exclude` from all.
        let cur = f.states.unwrap_or(if include { 0 } else { ALL_STATES });
        f.states = Some(if include { cur | set } else { cur & !set });
        i = &at[name.len()..];
    }
    if peek(i).1 == Tok::End {
        return Ok(f);
    }
    let ctx = Ctx {
        resolve,
        only,
        conds: std::cell::Cell::new(0),
    };
    let (rest, e) = exprlist(i, 0, &ctx).map_err(err)?;
    match peek(rest) {
        (_, Tok::End, _) => {}
        (at, _, _) => {
            return Err(err(nom::Err::Failure(Fail {
                at,
                expected: Cow::Borrowed("'and', 'or' or another condition ('(' unmatched?)"),
            })));
        }
    }
    f.expr = Some(e);
    Ok(f)
}

/// Look a service name up in the text of /etc/services for TCP and/or UDP, as
/// ss does with `getservbyname`: a name whose TCP and UDP ports differ is
/// ambiguous when both protocols are shown.
pub fn service_port(services: &[u8], name: &[u8], tcp: bool, udp: bool) -> Result<u16, String> {
    let find = |proto: &[u8]| {
        services.split(|&b| b == b'\n').find_map(|line| {
            let line = &line[..memchr::memchr(b'#', line).unwrap_or(line.len())];
            let mut f = line
                .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
                .filter(|w| !w.is_empty());
            let first = f.next()?;
            let p = f.next()?;
            let slash = memchr::memchr(b'/', p)?;
            if &p[slash + 1..] != proto {
                return None;
            }
            let port: u16 = std::str::from_utf8(&p[..slash]).ok()?.parse().ok()?;
            (first == name || f.any(|a| a == name)).then_some(port)
        })
    };
    let u = if udp { find(b"udp") } else { None };
    let t = if tcp { find(b"tcp") } else { None };
    let shown = crate::render::escape::quoted(name);
    match (t, u) {
        (Some(t), Some(u)) if t != u => Err(format!(
            "a port: \"{shown}\" is ambiguous (tcp {t}, udp {u}); give the number"
        )),
        (Some(p), _) | (_, Some(p)) => Ok(p),
        (None, None) => Err(format!(
            "a port: \"{shown}\" is not a number nor a service name in /etc/services"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICES: &[u8] = b"# /etc/services (Debian netbase)\nssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\nhttp\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\nhttps\t\t443/tcp\nhttps\t\t443/udp\nbootpc\t\t68/udp\nodd\t\t100/tcp\nodd\t\t101/udp\n";

    fn p(src: &str) -> Filter {
        let r = |n: &[u8]| service_port(SERVICES, n, true, true);
        parse(src.as_bytes(), None, &r).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    fn e(src: &str) -> FilterError {
        let r = |n: &[u8]| service_port(SERVICES, n, true, true);
        parse(src.as_bytes(), None, &r).unwrap_err()
    }

    fn host(side: Side, net: Option<&str>, port: Option<u16>) -> Expr {
        Expr::Host {
            side,
            net: net.map(|n| {
                let (a, l) = n.split_once('/').unwrap();
                (a.parse().unwrap(), l.parse().unwrap())
            }),
            port,
        }
    }

    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    fn and(a: Expr, b: Expr) -> Expr {
        Expr::And(Box::new(a), Box::new(b))
    }

    fn or(a: Expr, b: Expr) -> Expr {
        Expr::Or(Box::new(a), Box::new(b))
    }

    #[test]
    fn expressions_from_the_ss_man_page_and_the_issue() {
        // ss -tlnp 'sport = :22'
        assert_eq!(
            p("sport = :22").expr,
            Some(host(Side::Local, None, Some(22)))
        );
        // ss -tn state established '( dport = :443 or dport = :80 )'
        let f = p("state established ( dport = :443 or dport = :80 )");
        assert_eq!(f.states, Some(1 << st::ESTABLISHED));
        assert_eq!(
            f.expr,
            Some(or(
                host(Side::Remote, None, Some(443)),
                host(Side::Remote, None, Some(80))
            ))
        );
        // ss -t dst 10.0.0.0/8
        assert_eq!(
            p("dst 10.0.0.0/8").expr,
            Some(host(Side::Remote, Some("10.0.0.0/8"), None))
        );
        // ss dst [::1]  /  ss src [::1]:22
        assert_eq!(
            p("dst [::1]").expr,
            Some(host(Side::Remote, Some("::1/128"), None))
        );
        assert_eq!(
            p("src [::1]:22").expr,
            Some(host(Side::Local, Some("::1/128"), Some(22)))
        );
        // man ss: ss -o state fin-wait-1 '( sport = :http or sport = :https )' dst 193.233.7/24
        let f = p("state fin-wait-1 ( sport = :http or sport = :https ) dst 193.233.7/24");
        assert_eq!(f.states, Some(1 << st::FIN_WAIT1));
        assert_eq!(
            f.expr,
            Some(and(
                or(
                    host(Side::Local, None, Some(80)),
                    host(Side::Local, None, Some(443))
                ),
                host(Side::Remote, Some("193.233.7.0/24"), None)
            ))
        );
        // man ss: ss -x src /tmp/.X11-unix/*  is unix: not ours. Port comparisons:
        assert_eq!(
            p("dport > :1024").expr,
            Some(not(Expr::PortLe(Side::Remote, 1024)))
        );
        assert_eq!(
            p("sport ge 1024").expr,
            Some(Expr::PortGe(Side::Local, 1024))
        );
        assert_eq!(
            p("sport lt 1024").expr,
            Some(not(Expr::PortGe(Side::Local, 1024)))
        );
        assert_eq!(
            p("sport <= 1024").expr,
            Some(Expr::PortLe(Side::Local, 1024))
        );
        assert_eq!(
            p("sport neq :ssh").expr,
            Some(not(host(Side::Local, None, Some(22))))
        );
        assert_eq!(p("sport != :ssh"), p("! sport == 22"));
        assert_eq!(p("not sport eq :www"), p("! sport = :80"));
    }

    #[test]
    fn and_or_are_left_to_right_with_equal_precedence_like_bison_builds_them() {
        let (a, b, c) = (
            host(Side::Local, None, Some(1)),
            host(Side::Local, None, Some(2)),
            host(Side::Local, None, Some(3)),
        );
        assert_eq!(
            p("sport = 1 or sport = 2 and sport = 3").expr,
            Some(and(or(a.clone(), b.clone()), c.clone()))
        );
        assert_eq!(
            p("sport = 1 && sport = 2 || sport = 3").expr,
            Some(or(and(a.clone(), b.clone()), c.clone()))
        );
        // Juxtaposition is and; not binds to one condition.
        assert_eq!(
            p("! sport = 1 sport = 2").expr,
            Some(and(not(a.clone()), b.clone()))
        );
        assert_eq!(
            p("sport = 1 | ( sport = 2 & sport = 3 )").expr,
            Some(or(a, and(b, c)))
        );
    }

    #[test]
    fn tokens_glued_together_read_as_spaced_ones() {
        assert_eq!(p("sport>=1024"), p("sport >= 1024"));
        assert_eq!(
            p("(dport=:443||dport=:80)"),
            p("( dport = :443 || dport = :80 )")
        );
        assert_eq!(p("!(sport=:22)"), p("! ( sport = :22 )"));
    }

    #[test]
    fn host_values_split_as_parse_hostcond_does() {
        let h = |s: &str| p(s).expr.unwrap();
        assert_eq!(
            h("src 10.0.0.1:22"),
            host(Side::Local, Some("10.0.0.1/32"), Some(22))
        );
        assert_eq!(h("src *:22"), host(Side::Local, None, Some(22)));
        assert_eq!(h("src :22"), host(Side::Local, None, Some(22)));
        assert_eq!(h("src *"), host(Side::Local, None, None));
        assert_eq!(h("src 10/8"), host(Side::Local, Some("10.0.0.0/8"), None));
        assert_eq!(
            h("src 10.1.2.3/8"),
            host(Side::Local, Some("10.0.0.0/8"), None)
        );
        assert_eq!(
            h("dst fe80::/10"),
            host(Side::Remote, Some("fe80::/10"), None)
        );
        assert_eq!(
            h("dst [fe80::/10]:443"),
            host(Side::Remote, Some("fe80::/10"), Some(443))
        );
        assert_eq!(
            h("dst [fe80::]/10"),
            host(Side::Remote, Some("fe80::/10"), None)
        );
        assert_eq!(
            h("dst [::ffff:127.0.0.1]"),
            host(Side::Remote, Some("::ffff:127.0.0.1/128"), None)
        );
        assert_eq!(
            h("src 0.0.0.0/0"),
            host(Side::Local, Some("0.0.0.0/0"), None)
        );
        assert_eq!(h("src = 127.0.0.1"), h("src 127.0.0.1"));
        assert_eq!(h("src == 127.0.0.1"), h("src eq 127.0.0.1"));
        // strtoul(…, 0): hex and octal as ss reads them.
        assert_eq!(h("sport = 0x16"), host(Side::Local, None, Some(22)));
        assert_eq!(h("sport = 026"), host(Side::Local, None, Some(22)));
        assert_eq!(
            h("src 012.0.0.1"),
            host(Side::Local, Some("10.0.0.1/32"), None)
        );
    }

    #[test]
    fn states_and_groups_as_scan_state_reads_them() {
        let s = |src: &str| p(src).states.unwrap();
        let b = |x: u8| 1u16 << x;
        assert_eq!(s("state listening"), b(st::LISTEN));
        assert_eq!(
            s("state LISTENING state time-wait"),
            b(st::LISTEN) | b(st::TIME_WAIT)
        );
        assert_eq!(s("state all"), ALL_STATES);
        assert_eq!(
            s("state connected"),
            ALL_STATES & !(b(st::LISTEN) | b(st::CLOSE))
        );
        assert_eq!(
            s("state synchronized"),
            ALL_STATES & !(b(st::LISTEN) | b(st::CLOSE) | b(st::SYN_SENT))
        );
        assert_eq!(
            s("state bucket"),
            b(st::SYN_RECV) | b(st::NEW_SYN_RECV) | b(st::TIME_WAIT)
        );
        assert_eq!(
            s("state big"),
            ALL_STATES & !(b(st::SYN_RECV) | b(st::NEW_SYN_RECV) | b(st::TIME_WAIT))
        );
        assert_eq!(s("exclude listening"), ALL_STATES & !b(st::LISTEN));
        assert_eq!(
            s("state connected excl established"),
            s("state connected") & !b(st::ESTABLISHED)
        );
        assert_eq!(s("state closed"), b(st::CLOSE));
        assert_eq!(s("state unconnected"), b(st::CLOSE));
        assert_eq!(s("state syn-rcv"), s("state syn-recv"));
        assert_eq!(p("state listening").expr, None);
        assert_eq!(p("").states, None);
    }

    #[test]
    fn errors_say_where_and_what() {
        let x = e("sport = :22 and");
        assert_eq!((x.line, x.col), (1, 16));
        assert_eq!(x.found, "end of input");
        assert!(x.expected.contains("a condition"), "{x}");
        let x = e("( sport = :22");
        assert_eq!(x.col, 14);
        assert!(x.expected.contains("')'"), "{x}");
        let x = e("sport = :22 )");
        assert_eq!(x.col, 13);
        let x = e("state listen");
        assert_eq!(x.col, 7);
        assert_eq!(x.found, "\"listen\"");
        let x = e("sport = :nosuchservice");
        assert!(x.expected.contains("not a number nor a service"), "{x}");
        assert_eq!(x.col, 9);
        let x = e("sport = :odd");
        assert!(x.expected.contains("ambiguous"), "{x}");
        assert!(e("src ::1").expected.contains("brackets"));
        assert!(
            e("src example.com")
                .expected
                .contains("host names are not resolved")
        );
        assert!(e("dev eth0").expected.contains("not in /proc"));
        assert!(e("sport = :22 state listening").expected.contains("before"));
        assert!(e("sport = 70000").expected.contains("0 to 65535"));
        assert!(e("sport > *").expected.contains("not *"));
        assert!(e("src > 10.0.0.1").expected.contains("'='"));
        assert_eq!(e("state new-syn-recv").col, 7);
        // Lines and columns of a filter file (-F), in characters.
        let x = e("# web\n  sport = :80 or\n  dpört = 1\n");
        assert_eq!((x.line, x.col), (3, 3));
        assert_eq!(
            x.to_string(),
            "3:3: expected a condition (sport, dport, src, dst), '(' or 'not', found \"dpört\""
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        let deep = "( ".repeat(10_000);
        assert!(e(&deep).expected.contains("shallower"));
        let nots = "! ".repeat(10_000) + "sport = 1";
        assert!(parse(nots.as_bytes(), None, &|_| Err(String::new())).is_err());
        let long = "sport = 1 or ".repeat(1000) + "sport = 2";
        assert!(e(&long).expected.contains("shorter"));
        let ok = "sport = 1 or ".repeat(500) + "sport = 2";
        assert!(p(&ok).expr.is_some());
        for junk in [
            "\u{1b}[31m",
            "[",
            "[::1",
            "[::1]x",
            "src [",
            "src 1.2.3.4/33",
            "src 300.1.1.1",
            "sport = :",
            "&&",
            ")",
            "src 1.2.3.4/x",
        ] {
            let _ = parse(junk.as_bytes(), None, &|_| Err("no".into()));
        }
        assert!(e("\u{1b}[31m").found.contains("\\x1b"));
    }

    #[test]
    fn service_names_like_getservbyname() {
        assert_eq!(service_port(SERVICES, b"ssh", true, true), Ok(22));
        assert_eq!(service_port(SERVICES, b"www", true, true), Ok(80));
        assert_eq!(service_port(SERVICES, b"bootpc", true, true), Ok(68));
        assert!(service_port(SERVICES, b"bootpc", true, false).is_err());
        assert_eq!(service_port(SERVICES, b"odd", true, false), Ok(100));
        assert_eq!(service_port(SERVICES, b"odd", false, true), Ok(101));
        assert!(service_port(SERVICES, b"odd", true, true).is_err());
        assert!(service_port(b"", b"ssh", true, true).is_err());
        assert!(service_port(b"ssh\n22/tcp\nx 99999/tcp\n", b"x", true, true).is_err());
    }
}
