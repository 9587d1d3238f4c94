//! The grammar of the policy language of `openports check` (one `allow` rule
//! per line; see [`crate::policy`]): bytes in, a [`Policy`] or a
//! [`PolicyError`] (line, column, what was expected) out, no I/O.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{map_res, opt, value};
use nom::error::{ErrorKind, FromExternalError, ParseError};
use nom::{IResult, Parser};

use crate::model::exposure::Exposure;
use crate::model::socket::{Family, Proto};
use crate::policy::{Addr, Key, Policy, Ports, Qualifier, Rule, canonical};

/// A parsed policy: its rules in file order.
/// Why a policy could not be parsed: where, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters (a tab counts as one).
    pub col: usize,
    /// What the parser expected at that column.
    pub expected: Cow<'static, str>,
    /// What it found instead: `"token"` (escaped) or `end of line`.
    pub found: String,
}

impl fmt::Display for PolicyError {
    /// `LINE:COL: expected …, found …` (the caller puts the file name in front).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}, found {}",
            self.line, self.col, self.expected, self.found
        )
    }
}

// ---------------------------------------------------------------------------
// Parsing

/// A parse failure inside one line: where, and what was expected (empty for a
/// bare nom error, which the enclosing [`expect`] then names).
#[derive(Debug)]
struct Fail<'a> {
    at: &'a [u8],
    expected: Cow<'static, str>,
}

impl<'a> ParseError<&'a [u8]> for Fail<'a> {
    fn from_error_kind(at: &'a [u8], _kind: ErrorKind) -> Self {
        Fail {
            at,
            expected: Cow::Borrowed(""),
        }
    }

    fn append(_: &'a [u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a, E> FromExternalError<&'a [u8], E> for Fail<'a> {
    fn from_external_error(at: &'a [u8], kind: ErrorKind, _e: E) -> Self {
        Fail::from_error_kind(at, kind)
    }
}

type Res<'a, T> = IResult<&'a [u8], T, Fail<'a>>;

fn fail<'a, T>(at: &'a [u8], expected: impl Into<Cow<'static, str>>) -> Res<'a, T> {
    Err(nom::Err::Failure(Fail {
        at,
        expected: expected.into(),
    }))
}

/// Name an anonymous failure of `r` (a parser run on `i`) as "expected `what`
/// at `i`"; a failure that already says what it expected is kept: it is deeper,
/// so more precise.
fn expect<'a, T>(what: &'static str, i: &'a [u8], r: Res<'a, T>) -> Res<'a, T> {
    r.map_err(|e| {
        let f = match e {
            nom::Err::Error(f) | nom::Err::Failure(f) => f,
            nom::Err::Incomplete(_) => Fail::from_error_kind(i, ErrorKind::Eof),
        };
        nom::Err::Failure(if f.expected.is_empty() {
            Fail {
                at: i,
                expected: Cow::Borrowed(what),
            }
        } else {
            f
        })
    })
}

const EXPECT_RULE: &str =
    "a rule (allow PROTO PORTS [ADDRESS] [KEY=VALUE ...]) or a comment (# ...)";
const EXPECT_PROTO: &str =
    "a protocol: tcp, udp, udplite, raw, sctp, packet, unix or any, optionally with 4 or 6 (tcp6)";
const EXPECT_UNIX_NAME: &str = "a unix socket name: a path, @abstract, a prefix ending in *, or *";
const EXPECT_ETHERTYPES: &str =
    "ethertypes: all, ip, arp, ipv6, LLDP, … (as ss names them), 0x88cc, a list (ip,arp) or *";
const EXPECT_PORTS: &str = "ports: a port (22), a list (80,443), a range (8000-8100) or *";
const EXPECT_ADDR_OR_QUAL: &str = "an address (0.0.0.0, ::, 10.0.0.0/8, *, wildcard, public, private, link-local, multicast, reserved, loopback) or a qualifier (comm=, exe=, user=, netns=, container=, reach=)";
const EXPECT_QUAL: &str = "a qualifier: comm=, exe=, user=, netns=, container=, reach=, and for unix rules access= and group= (the address, if any, comes right after the ports)";

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn blanks(i: &[u8]) -> Res<'_, &[u8]> {
    take_while(is_blank).parse(i)
}

/// A whole blank-separated word.
fn word(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b| !is_blank(b)).parse(i)
}

/// At the end of the rule: the end of the line, or a comment (a `#` that starts
/// a word).
fn at_end(i: &[u8]) -> bool {
    i.first().is_none_or(|&b| b == b'#')
}

/// The token just parsed must be followed by a blank or the end of the line.
fn boundary<'a>(i: &'a [u8], what: &'static str) -> Res<'a, ()> {
    match i.first() {
        None => Ok((i, ())),
        Some(&b) if is_blank(b) => Ok((i, ())),
        Some(_) => fail(i, what),
    }
}

/// One required field: blanks, then `p`, then a blank or the end of the line.
fn field<'a, T>(i: &'a [u8], what: &'static str, p: fn(&'a [u8]) -> Res<'a, T>) -> Res<'a, T> {
    let (i, _) = blanks(i)?;
    if at_end(i) {
        return fail(i, what);
    }
    let (i, v) = expect(what, i, p(i))?;
    let (i, ()) = boundary(i, "a blank")?;
    Ok((i, v))
}

fn keyword(i: &[u8]) -> Res<'_, ()> {
    let (rest, w) = word(i)?;
    if w.eq_ignore_ascii_case(b"allow") {
        Ok((rest, ()))
    } else if w.eq_ignore_ascii_case(b"deny") {
        fail(
            i,
            "allow (there are no deny rules: a listener that no rule allows is a violation)",
        )
    } else {
        fail(i, EXPECT_RULE)
    }
}

fn proto(i: &[u8]) -> Res<'_, (Option<Proto>, Option<Family>)> {
    let (rest, p) = alt((
        value(Some(Proto::UdpLite), tag_no_case("udplite")),
        value(Some(Proto::Udp), tag_no_case("udp")),
        value(Some(Proto::Tcp), tag_no_case("tcp")),
        value(Some(Proto::Raw), tag_no_case("raw")),
        value(Some(Proto::Sctp), tag_no_case("sctp")),
        value(Some(Proto::Packet), tag_no_case("packet")),
        value(Some(Proto::Unix), tag_no_case("unix")),
        value(None, tag_no_case("any")),
    ))
    .parse(i)?;
    let (rest, fam) = match p {
        // Packet and unix sockets have no address family.
        Some(Proto::Packet | Proto::Unix) => (rest, None),
        _ => opt(one_of("46")).parse(rest)?,
    };
    let fam = fam.map(|c| {
        if c == '4' {
            Family::Inet
        } else {
            Family::Inet6
        }
    });
    if !rest.first().is_none_or(|&b| is_blank(b)) {
        // `tcpx`, `udp5`: the whole word is wrong.
        return fail(i, EXPECT_PROTO);
    }
    Ok((rest, (p, fam)))
}

fn port(i: &[u8]) -> Res<'_, u16> {
    map_res(digit1, |d: &[u8]| {
        std::str::from_utf8(d)
            .map_err(|_| ())
            .and_then(|s| s.parse::<u16>().map_err(|_| ()))
    })
    .parse(i)
}

/// `22` or `8000-8100`.
fn port_item(i: &[u8]) -> Res<'_, (u16, u16)> {
    let (rest, lo) = port(i)?;
    let Ok((after_dash, _)) = char::<_, Fail>('-').parse(rest) else {
        return Ok((rest, (lo, lo)));
    };
    let (rest, hi) = expect(
        "the last port of the range (0-65535)",
        after_dash,
        port(after_dash),
    )?;
    if hi < lo {
        return fail(i, "a range LOW-HIGH with LOW <= HIGH");
    }
    Ok((rest, (lo, hi)))
}

fn ports(i: &[u8]) -> Res<'_, Ports> {
    if let Ok((rest, _)) = char::<_, Fail>('*').parse(i) {
        return Ok((rest, Ports::Any));
    }
    let (mut i, first) = port_item(i)?;
    let mut list = vec![first];
    while let Ok((after_comma, _)) = char::<_, Fail>(',').parse(i) {
        let (rest, item) = expect(
            "a port (0-65535) or a range after ','",
            after_comma,
            port_item(after_comma),
        )?;
        list.push(item);
        i = rest;
    }
    let (i, ()) = boundary(i, "',' and another port, or a blank")?;
    Ok((i, Ports::List(list)))
}

/// `*`, or a name: a bare or quoted value that is an absolute path or starts
/// with `@`.
fn unix_name(i: &[u8]) -> Res<'_, Option<Vec<u8>>> {
    if let Ok((rest, _)) = char::<_, Fail>('*').parse(i)
        && rest.first().is_none_or(|&b| is_blank(b))
    {
        return Ok((rest, None));
    }
    // As the kernel prints it: usually absolute or `@abstract`, but a socket
    // bound to a relative path shows that path.
    let (rest, (v, _)) = qual_value(i, "unix")?;
    Ok((rest, Some(v)))
}

/// An ethertype: as ss names it (`all` for ETH_P_ALL), `0xHHHH`, or decimal.
fn ethertype_of(w: &[u8]) -> Option<u16> {
    if w.eq_ignore_ascii_case(b"all") {
        return Some(3);
    }
    if let Some(h) = w.strip_prefix(b"0x").or_else(|| w.strip_prefix(b"0X")) {
        return std::str::from_utf8(h)
            .ok()
            .filter(|h| !h.is_empty() && h.len() <= 4)
            .and_then(|h| u16::from_str_radix(h, 16).ok());
    }
    if all_digits(w) {
        return parse_num(w);
    }
    (0..=u16::MAX).find(|&e| {
        crate::parse::kinds::ethertype_name(e)
            .is_some_and(|n| n != "*" && w.eq_ignore_ascii_case(n.as_bytes()))
    })
}

/// `*` or a comma-separated list of ethertypes.
fn ethertypes(i: &[u8]) -> Res<'_, Ports> {
    if let Ok((rest, _)) = char::<_, Fail>('*').parse(i) {
        return Ok((rest, Ports::Any));
    }
    let mut list = Vec::new();
    let mut j = i;
    loop {
        let (rest, w) = take_while1(|b: u8| !is_blank(b) && b != b',').parse(j)?;
        let Some(e) = ethertype_of(w) else {
            return fail(j, EXPECT_ETHERTYPES);
        };
        list.push((e, e));
        match rest.first() {
            Some(b',') => j = &rest[1..],
            _ => return Ok((rest, Ports::List(list))),
        }
    }
}

fn class(w: &[u8]) -> Option<Exposure> {
    Exposure::ALL
        .into_iter()
        .find(|e| w.eq_ignore_ascii_case(e.name().as_bytes()))
}

pub(crate) fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

/// `*`, a class name, `ADDR`, `[ADDR]`, `ADDR/LEN`, `[ADDR]/LEN`.
fn addr(i: &[u8]) -> Res<'_, Addr> {
    let (rest, w) = word(i)?;
    if w == b"*" {
        return Ok((rest, Addr::Any));
    }
    if let Some(c) = class(w) {
        return Ok((rest, Addr::Class(c)));
    }
    let (ip_part, len_part) = match memchr::memchr(b'/', w) {
        Some(n) => (&w[..n], Some(&w[n + 1..])),
        None => (w, None),
    };
    let bare = ip_part
        .strip_prefix(b"[")
        .and_then(|s| s.strip_suffix(b"]"))
        .unwrap_or(ip_part);
    let ip: IpAddr = match std::str::from_utf8(bare).ok().and_then(|s| s.parse().ok()) {
        Some(ip) => ip,
        None => return fail(i, ""),
    };
    let Some(len_part) = len_part else {
        return Ok((rest, Addr::Ip(ip)));
    };
    let at_len = &i[ip_part.len() + 1..];
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = std::str::from_utf8(len_part)
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|&l| l <= max);
    let Some(len) = len else {
        return fail(
            at_len,
            if max == 32 {
                "a prefix length 0-32"
            } else {
                "a prefix length 0-128"
            },
        );
    };
    let (ip, len) = match ip {
        IpAddr::V6(v6) if len >= 96 && v6.to_ipv4_mapped().is_some() => (canonical(ip), len - 96),
        _ => (ip, len),
    };
    Ok((rest, Addr::Net(mask(ip, len), len)))
}

/// A qualifier value: bare (everything up to the next blank, taken literally)
/// or double-quoted with escapes `\\ \" \n \t \xHH`. Returns the bytes and
/// whether they were quoted.
fn qual_value<'a>(i: &'a [u8], key: &str) -> Res<'a, (Vec<u8>, bool)> {
    if i.first() != Some(&b'"') {
        let (rest, v) = take_while(|b| !is_blank(b) && b != b'"').parse(i)?;
        if v.is_empty() {
            return fail(
                i,
                format!("a value after {key}= (quote one with blanks: {key}=\"a b\")"),
            );
        }
        let (rest, ()) = boundary(rest, "a blank (quote the whole value: key=\"a b\")")?;
        return Ok((rest, (v.to_vec(), false)));
    }
    let mut out = Vec::new();
    let mut j = &i[1..];
    loop {
        match j.first() {
            None => return fail(i, "a closing '\"' for this value"),
            Some(b'"') => {
                j = &j[1..];
                break;
            }
            Some(b'\\') => {
                let (b, n) = match j.get(1) {
                    Some(b'\\') => (b'\\', 2),
                    Some(b'"') => (b'"', 2),
                    Some(b'n') => (b'\n', 2),
                    Some(b't') => (b'\t', 2),
                    Some(b'x') => match j.get(2..4).and_then(hex_byte) {
                        Some(b) => (b, 4),
                        None => return fail(j, "two hex digits after \\x"),
                    },
                    _ => return fail(j, "an escape: \\\\, \\\", \\n, \\t or \\xHH"),
                };
                out.push(b);
                j = &j[n..];
            }
            Some(&b) => {
                out.push(b);
                j = &j[1..];
            }
        }
    }
    if out.is_empty() {
        return fail(i, format!("a value after {key}= (not empty)"));
    }
    let (j, ()) = boundary(j, "a blank after the closing '\"'")?;
    Ok((j, (out, true)))
}

fn hex_byte(h: &[u8]) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16);
    Some((d(h[0])? * 16 + d(h[1])?) as u8)
}

pub(crate) fn all_digits(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

pub(crate) fn parse_num<T: std::str::FromStr>(v: &[u8]) -> Option<T> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// `KEY=VALUE`, added to `rule`; the value is [`Qualifier::parse`]d.
fn qualifier<'a>(i: &'a [u8], rule: &mut Rule) -> Res<'a, ()> {
    let (rest, key) = take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .parse(i)
        .or_else(|_: nom::Err<Fail>| fail(i, EXPECT_QUAL))?;
    let Some(key) = Key::of(key) else {
        return fail(i, EXPECT_QUAL);
    };
    let name = key.name();
    if key.unix_only() && rule.proto != Some(Proto::Unix) {
        return fail(
            i,
            format!("{name}= only in unix rules (allow unix PATH {name}=…)"),
        );
    }
    let Ok((rest, _)) = char::<_, Fail>('=').parse(rest) else {
        return fail(rest, format!("'=' and a value after {name}"));
    };
    let (rest, (v, quoted)) = qual_value(rest, name)?;
    let q = match Qualifier::parse(key, v, quoted) {
        Ok(q) => q,
        Err(expected) => return fail(&i[name.len() + 1..], expected),
    };
    if rule.set(q).is_some() {
        return fail(i, format!("at most one {name}= per rule"));
    }
    Ok((rest, ()))
}

/// One line: `None` for a blank or comment line.
fn line_rule(i: &[u8]) -> Res<'_, Option<Rule>> {
    let (i, _) = blanks(i)?;
    if at_end(i) {
        return Ok((i, None));
    }
    let (i, ()) = expect(EXPECT_RULE, i, keyword(i))?;
    let (i, (proto, family)) = field(i, EXPECT_PROTO, proto)?;
    let (mut i, ports, name) = match proto {
        Some(Proto::Unix) => {
            let (i, n) = field(i, EXPECT_UNIX_NAME, unix_name)?;
            (i, Ports::Any, n)
        }
        Some(Proto::Packet) => {
            let (i, p) = field(i, EXPECT_ETHERTYPES, ethertypes)?;
            (i, p, None)
        }
        _ => {
            let (i, p) = field(i, EXPECT_PORTS, ports)?;
            (i, p, None)
        }
    };
    let mut rule = Rule {
        proto,
        family,
        ports,
        name,
        ..Rule::default()
    };
    let mut first = true;
    loop {
        let (j, _) = blanks(i)?;
        if at_end(j) {
            return Ok((j, Some(rule)));
        }
        let (w_rest, w) = word(j)?;
        if first && memchr::memchr(b'=', w).is_none() && rule.proto == Some(Proto::Unix) {
            return fail(j, EXPECT_QUAL);
        } else if first && memchr::memchr(b'=', w).is_none() && rule.proto == Some(Proto::Packet) {
            // The interface: a name, `all` (bound to every one), or `*`.
            rule.iface = (w != b"*").then(|| w.to_vec());
            i = w_rest;
        } else if first && memchr::memchr(b'=', w).is_none() {
            let (rest, a) = expect(EXPECT_ADDR_OR_QUAL, j, addr(j))?;
            debug_assert_eq!(rest.len(), w_rest.len());
            rule.addr = a;
            i = rest;
        } else {
            let (rest, ()) = qualifier(j, &mut rule)?;
            i = rest;
        }
        first = false;
    }
}

/// Character column (1-based) of `at`, a suffix of `line`.
fn column(line: &[u8], at: &[u8]) -> usize {
    let off = line.len() - at.len();
    String::from_utf8_lossy(&line[..off]).chars().count() + 1
}

fn found(at: &[u8]) -> String {
    if at.is_empty() {
        return "end of line".into();
    }
    let end = at.iter().position(|&b| is_blank(b)).unwrap_or(at.len());
    let tok = &at[..end.clamp(1, 40)];
    let more = if end > 40 { "..." } else { "" };
    format!("\"{}{more}\"", crate::render::escape::quoted(tok))
}

/// Parse a whole policy file. Lines end with `\n` (a `\r` before it is ignored);
/// a UTF-8 byte order mark is skipped.
pub fn parse(src: &[u8]) -> Result<Policy, PolicyError> {
    let src = src.strip_prefix(b"\xef\xbb\xbf").unwrap_or(src);
    let mut rules = Vec::new();
    for (n, line) in src.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match line_rule(line) {
            Ok((_, Some(mut rule))) => {
                rule.line = n + 1;
                rules.push(rule);
            }
            Ok((_, None)) => {}
            Err(e) => {
                let f = match e {
                    nom::Err::Error(f) | nom::Err::Failure(f) => f,
                    nom::Err::Incomplete(_) => {
                        Fail::from_error_kind(&line[line.len()..], ErrorKind::Eof)
                    }
                };
                let expected = if f.expected.is_empty() {
                    Cow::Borrowed(EXPECT_RULE)
                } else {
                    f.expected
                };
                return Err(PolicyError {
                    line: n + 1,
                    col: column(line, f.at),
                    expected,
                    found: found(f.at),
                });
            }
        }
    }
    Ok(Policy { rules })
}
