//! The policy language of `openports check` (issue 5): one `allow` rule per line.
//!
//! ```text
//! # proto  port(s)     [address]     [who]
//! allow tcp 22
//! allow tcp 80,443     0.0.0.0       comm=nginx
//! allow udp 68         *             exe=/usr/sbin/dhclient
//! allow tcp 8000-8100  netns=host
//! allow tcp 5432       container=3f2a9c
//! ```
//!
//! Pure: bytes in, a [`Policy`] or a [`PolicyError`] (line, column, what was
//! expected) out, no I/O. [`Rule::matches`] decides whether a rule allows one
//! socket from plain facts about it ([`Subject`]), so matching is tested without
//! /proc. [`Rule`]'s `Display` is the canonical text of a rule and parses back to
//! the same rule (`baseline` writes policies with it).

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{map_res, opt, value};
use nom::error::{ErrorKind, FromExternalError, ParseError};
use nom::{IResult, Parser};

use crate::exposure::{Exposure, classify};
use crate::socket::{Family, Proto};

/// A parsed policy: its rules in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub rules: Vec<Rule>,
}

/// Which local ports a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ports {
    /// `*`
    Any,
    /// `22`, `80,443`, `8000-8100`: inclusive ranges (a single port is `(p, p)`).
    List(Vec<(u16, u16)>),
}

/// Which local addresses a rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    /// No address, or `*`.
    Any,
    /// Exactly this bound address (`0.0.0.0` is the IPv4 wildcard bind, not "any").
    Ip(IpAddr),
    /// A network in CIDR notation, host bits cleared.
    Net(IpAddr, u8),
    /// Any address of an exposure class (`wildcard`, `public`, `private`, …).
    Class(Exposure),
}

/// `netns=`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetnsSel {
    /// `netns=host`: the namespace of PID 1.
    Host,
    /// `netns=4026532329`: an nsfs inode.
    Inode(u64),
    /// `netns=blue`: a name in /run/netns (`ip netns add blue`).
    Name(Vec<u8>),
}

/// `user=`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSel {
    Uid(u32),
    Name(Vec<u8>),
}

/// One `allow` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// 1-based line in the policy file (0 for a rule made in code).
    pub line: usize,
    /// `None`: `any`.
    pub proto: Option<Proto>,
    /// `tcp4`, `udp6`, …; `None`: both families.
    pub family: Option<Family>,
    pub ports: Ports,
    pub addr: Addr,
    pub netns: Option<NetnsSel>,
    /// A container id or a prefix of it, or an LXC container name.
    pub container: Option<Vec<u8>>,
    pub user: Option<UserSel>,
    pub comm: Option<Vec<u8>>,
    pub exe: Option<Vec<u8>>,
}

impl Default for Rule {
    /// `allow any *`
    fn default() -> Rule {
        Rule {
            line: 0,
            proto: None,
            family: None,
            ports: Ports::Any,
            addr: Addr::Any,
            netns: None,
            container: None,
            user: None,
            comm: None,
            exe: None,
        }
    }
}

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
    "a protocol: tcp, udp, udplite, raw or any, optionally with 4 or 6 (tcp6)";
const EXPECT_PORTS: &str = "ports: a port (22), a list (80,443), a range (8000-8100) or *";
const EXPECT_ADDR_OR_QUAL: &str = "an address (0.0.0.0, ::, 10.0.0.0/8, *, wildcard, public, private, link-local, multicast, loopback) or a qualifier (comm=, exe=, user=, netns=, container=)";
const EXPECT_QUAL: &str = "a qualifier: comm=, exe=, user=, netns= or container= (the address, if any, comes right after the ports)";

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
        value(None, tag_no_case("any")),
    ))
    .parse(i)?;
    let (rest, fam) = opt(one_of("46")).parse(rest)?;
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

fn class(w: &[u8]) -> Option<Exposure> {
    Exposure::ALL
        .into_iter()
        .find(|e| w.eq_ignore_ascii_case(e.name().as_bytes()))
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4: the socket is reached over IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask(ip: IpAddr, len: u8) -> IpAddr {
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

fn all_digits(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

fn parse_num<T: std::str::FromStr>(v: &[u8]) -> Option<T> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// `KEY=VALUE`, applied to `rule`.
fn qualifier<'a>(i: &'a [u8], rule: &mut Rule) -> Res<'a, ()> {
    let (rest, key) = take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .parse(i)
        .or_else(|_: nom::Err<Fail>| fail(i, EXPECT_QUAL))?;
    let key_lc = key.to_ascii_lowercase();
    let name = match &key_lc[..] {
        b"comm" => "comm",
        b"exe" => "exe",
        b"user" => "user",
        b"netns" => "netns",
        b"container" => "container",
        _ => return fail(i, EXPECT_QUAL),
    };
    let Ok((rest, _)) = char::<_, Fail>('=').parse(rest) else {
        return fail(rest, format!("'=' and a value after {name}"));
    };
    let (rest, (v, quoted)) = qual_value(rest, name)?;
    let dup = match name {
        "comm" => rule.comm.replace(v).is_some(),
        "exe" => {
            if v.first() != Some(&b'/') {
                return fail(&i[name.len() + 1..], "an absolute path after exe=");
            }
            rule.exe.replace(v).is_some()
        }
        "user" => {
            let u = match parse_num(&v) {
                Some(uid) if !quoted && all_digits(&v) => UserSel::Uid(uid),
                _ if !quoted && all_digits(&v) => {
                    return fail(&i[name.len() + 1..], "a uid 0-4294967295");
                }
                _ => UserSel::Name(v),
            };
            rule.user.replace(u).is_some()
        }
        "netns" => {
            let n = if quoted {
                NetnsSel::Name(v)
            } else if v.eq_ignore_ascii_case(b"host") {
                NetnsSel::Host
            } else if all_digits(&v) {
                match parse_num(&v) {
                    Some(ino) => NetnsSel::Inode(ino),
                    None => return fail(&i[name.len() + 1..], "a namespace inode (a u64)"),
                }
            } else {
                NetnsSel::Name(v)
            };
            rule.netns.replace(n).is_some()
        }
        _ => rule.container.replace(v).is_some(),
    };
    if dup {
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
    let (mut i, ports) = field(i, EXPECT_PORTS, ports)?;
    let mut rule = Rule {
        proto,
        family,
        ports,
        ..Rule::default()
    };
    let mut first = true;
    loop {
        let (j, _) = blanks(i)?;
        if at_end(j) {
            return Ok((j, Some(rule)));
        }
        let (w_rest, w) = word(j)?;
        if first && memchr::memchr(b'=', w).is_none() {
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

// ---------------------------------------------------------------------------
// Canonical text

/// A qualifier value as policy text: bare when that reads back the same, else
/// double-quoted with escapes. Controls, bidi overrides, C1 characters and bytes
/// that are not UTF-8 become `\xHH`, so the text is safe on a terminal.
pub fn quote_value(v: &[u8]) -> String {
    let safe = |c: char| {
        !c.is_control()
            && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            && !matches!(c, ' ' | '"' | '\\' | '#')
    };
    if let Ok(s) = std::str::from_utf8(v)
        && !s.is_empty()
        && s.chars().all(safe)
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for chunk in v.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                ' ' | '#' => out.push(c),
                c if !safe(c) => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        out.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out.push('"');
    out
}

/// A name that would read back as a keyword or a number is quoted.
fn quote_name(v: &[u8]) -> String {
    if all_digits(v) || v.eq_ignore_ascii_case(b"host") {
        let q = quote_value(v);
        if q.starts_with('"') {
            q
        } else {
            format!("\"{q}\"")
        }
    } else {
        quote_value(v)
    }
}

pub fn proto_text(proto: Option<Proto>, family: Option<Family>) -> String {
    let p = proto.map_or("any", Proto::name);
    match family {
        None => p.to_string(),
        Some(Family::Inet) => format!("{p}4"),
        Some(Family::Inet6) => format!("{p}6"),
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ports::Any => f.write_str("*"),
            Ports::List(l) => {
                for (n, &(lo, hi)) in l.iter().enumerate() {
                    if n > 0 {
                        f.write_str(",")?;
                    }
                    if lo == hi {
                        write!(f, "{lo}")?;
                    } else {
                        write!(f, "{lo}-{hi}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Any => f.write_str("*"),
            Addr::Ip(ip) => write!(f, "{ip}"),
            Addr::Net(ip, len) => write!(f, "{ip}/{len}"),
            Addr::Class(c) => f.write_str(c.name()),
        }
    }
}

impl Rule {
    /// The canonical text in four columns: protocol, ports, address (empty for
    /// any), qualifiers (`netns= container= user= comm= exe=`, blank-separated).
    pub fn columns(&self) -> [String; 4] {
        let addr = if self.addr == Addr::Any {
            String::new()
        } else {
            self.addr.to_string()
        };
        let mut q: Vec<String> = Vec::new();
        match &self.netns {
            None => {}
            Some(NetnsSel::Host) => q.push("netns=host".into()),
            Some(NetnsSel::Inode(i)) => q.push(format!("netns={i}")),
            Some(NetnsSel::Name(n)) => q.push(format!("netns={}", quote_name(n))),
        }
        if let Some(c) = &self.container {
            q.push(format!("container={}", quote_value(c)));
        }
        match &self.user {
            None => {}
            Some(UserSel::Uid(u)) => q.push(format!("user={u}")),
            Some(UserSel::Name(n)) => q.push(format!("user={}", quote_name(n))),
        }
        if let Some(c) = &self.comm {
            q.push(format!("comm={}", quote_value(c)));
        }
        if let Some(e) = &self.exe {
            q.push(format!("exe={}", quote_value(e)));
        }
        [
            proto_text(self.proto, self.family),
            self.ports.to_string(),
            addr,
            q.join(" "),
        ]
    }
}

impl fmt::Display for Rule {
    /// The canonical text: `allow PROTO PORTS [ADDRESS] [netns=] [container=]
    /// [user=] [comm=] [exe=]`. Parses back to the same rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("allow")?;
        for c in self.columns() {
            if !c.is_empty() {
                write!(f, " {c}")?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Matching

/// The namespace of a socket, as far as rules can tell.
#[derive(Clone, Copy, Debug, Default)]
pub struct NetnsFacts<'a> {
    /// The host namespace (PID 1's; or every namespace when PID 1's is unknown).
    pub host: bool,
    pub inode: Option<u64>,
    pub name: Option<&'a str>,
    pub container: Option<&'a str>,
}

/// One process holding a socket.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcFacts<'a> {
    pub comm: &'a [u8],
    /// Without ` (deleted)`.
    pub exe: Option<&'a [u8]>,
    pub uid: Option<u32>,
    pub user: Option<&'a str>,
}

/// One socket with what rules look at.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    pub proto: Proto,
    pub family: Family,
    pub ip: IpAddr,
    pub port: u16,
    pub netns: NetnsFacts<'a>,
    /// Every visible process holding it (none: a kernel socket, or hidden).
    pub procs: Vec<ProcFacts<'a>>,
}

fn is_hex_prefix(v: &[u8]) -> bool {
    v.iter().all(u8::is_ascii_hexdigit)
}

impl Rule {
    /// Whether the rule names a process (comm=, exe= or user=): it can only match
    /// sockets whose holders are visible.
    pub fn names_process(&self) -> bool {
        self.comm.is_some() || self.exe.is_some() || self.user.is_some()
    }

    /// Whether it can only ever match loopback sockets (checked only with
    /// `--include-loopback`).
    pub fn only_loopback(&self) -> bool {
        match &self.addr {
            Addr::Any => false,
            Addr::Class(c) => *c == Exposure::Loopback,
            Addr::Ip(ip) => classify(*ip) == Exposure::Loopback,
            Addr::Net(ip, len) => match ip {
                IpAddr::V4(a) => a.octets()[0] == 127 && *len >= 8,
                IpAddr::V6(a) => a.is_loopback() && *len == 128,
            },
        }
    }

    /// Whether the rule can match a socket of one of `protos` × `families`.
    pub fn applies_to(&self, protos: &[Proto], families: &[Family]) -> bool {
        self.proto.is_none_or(|p| protos.contains(&p))
            && self.family.is_none_or(|f| families.contains(&f))
    }

    /// Whether the rule allows the socket. Every part of the rule must match; the
    /// process qualifiers (comm=, exe=, user=) must all match one holder, and a
    /// socket held by several processes matches when any one of them does.
    pub fn matches(&self, s: &Subject<'_>) -> bool {
        self.proto.is_none_or(|p| p == s.proto)
            && self.family.is_none_or(|f| f == s.family)
            && self.port_matches(s.port)
            && self.addr_matches(s.ip)
            && self.netns_matches(&s.netns)
            && (!self.names_process() || s.procs.iter().any(|p| self.proc_matches(p)))
    }

    fn port_matches(&self, port: u16) -> bool {
        match &self.ports {
            Ports::Any => true,
            Ports::List(l) => l.iter().any(|&(lo, hi)| (lo..=hi).contains(&port)),
        }
    }

    fn addr_matches(&self, ip: IpAddr) -> bool {
        match self.addr {
            Addr::Any => true,
            Addr::Class(c) => classify(ip) == c,
            Addr::Ip(a) => canonical(a) == canonical(ip),
            Addr::Net(net, len) => {
                let ip = canonical(ip);
                ip.is_ipv4() == net.is_ipv4() && mask(ip, len) == net
            }
        }
    }

    fn netns_matches(&self, n: &NetnsFacts<'_>) -> bool {
        let ns_ok = match &self.netns {
            None => true,
            Some(NetnsSel::Host) => n.host,
            Some(NetnsSel::Inode(i)) => n.inode == Some(*i),
            Some(NetnsSel::Name(want)) => n.name.is_some_and(|x| x.as_bytes() == &want[..]),
        };
        let container_ok = match &self.container {
            None => true,
            Some(want) => n.container.is_some_and(|c| {
                let c = c.as_bytes();
                if is_hex_prefix(want) {
                    c.len() >= want.len() && c[..want.len()].eq_ignore_ascii_case(want)
                } else {
                    c == &want[..]
                }
            }),
        };
        ns_ok && container_ok
    }

    fn proc_matches(&self, p: &ProcFacts<'_>) -> bool {
        self.comm.as_ref().is_none_or(|c| p.comm == &c[..])
            && self.exe.as_ref().is_none_or(|e| p.exe == Some(&e[..]))
            && self.user.as_ref().is_none_or(|u| match u {
                UserSel::Uid(uid) => p.uid == Some(*uid),
                UserSel::Name(n) => p.user.is_some_and(|x| x.as_bytes() == &n[..]),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Rule {
        let p = parse(src.as_bytes()).unwrap_or_else(|e| panic!("{src:?}: {e}"));
        assert_eq!(p.rules.len(), 1, "{src:?}");
        p.rules.into_iter().next().unwrap()
    }

    fn err(src: &str) -> PolicyError {
        match parse(src.as_bytes()) {
            Ok(p) => panic!("{src:?} parsed: {p:?}"),
            Err(e) => e,
        }
    }

    /// (line, col, a fragment of what was expected)
    fn err_at(src: &str, line: usize, col: usize, expected: &str) {
        let e = err(src);
        assert_eq!((e.line, e.col), (line, col), "{src:?}: {e}");
        assert!(
            e.expected.contains(expected),
            "{src:?}: {e} does not mention {expected:?}"
        );
    }

    fn rule(proto: Option<Proto>, ports: Ports) -> Rule {
        Rule {
            line: 1,
            proto,
            ports,
            ..Rule::default()
        }
    }

    #[test]
    fn issue_examples_parse() {
        let src = "\
# proto  port(s)     [address]     [who]
allow tcp 22
allow tcp 80,443     0.0.0.0       comm=nginx
allow udp 68         *             exe=/usr/sbin/dhclient
allow tcp 8000-8100  netns=host
allow tcp 5432       container=3f2a9c
";
        let p = parse(src.as_bytes()).unwrap();
        let tcp = Some(Proto::Tcp);
        assert_eq!(
            p.rules,
            vec![
                Rule {
                    line: 2,
                    ..rule(tcp, Ports::List(vec![(22, 22)]))
                },
                Rule {
                    line: 3,
                    addr: Addr::Ip("0.0.0.0".parse().unwrap()),
                    comm: Some(b"nginx".to_vec()),
                    ..rule(tcp, Ports::List(vec![(80, 80), (443, 443)]))
                },
                Rule {
                    line: 4,
                    exe: Some(b"/usr/sbin/dhclient".to_vec()),
                    ..rule(Some(Proto::Udp), Ports::List(vec![(68, 68)]))
                },
                Rule {
                    line: 5,
                    netns: Some(NetnsSel::Host),
                    ..rule(tcp, Ports::List(vec![(8000, 8100)]))
                },
                Rule {
                    line: 6,
                    container: Some(b"3f2a9c".to_vec()),
                    ..rule(tcp, Ports::List(vec![(5432, 5432)]))
                },
            ]
        );
    }

    #[test]
    fn protocols_and_families() {
        for (text, proto, family) in [
            ("tcp", Some(Proto::Tcp), None),
            ("udp", Some(Proto::Udp), None),
            ("udplite", Some(Proto::UdpLite), None),
            ("raw", Some(Proto::Raw), None),
            ("any", None, None),
            ("tcp4", Some(Proto::Tcp), Some(Family::Inet)),
            ("udp6", Some(Proto::Udp), Some(Family::Inet6)),
            ("udplite6", Some(Proto::UdpLite), Some(Family::Inet6)),
            ("raw4", Some(Proto::Raw), Some(Family::Inet)),
            ("any6", None, Some(Family::Inet6)),
            ("TCP", Some(Proto::Tcp), None),
        ] {
            let r = one(&format!("allow {text} 1"));
            assert_eq!((r.proto, r.family), (proto, family), "{text}");
        }
        assert_eq!(one("ALLOW Udp *").proto, Some(Proto::Udp));
    }

    #[test]
    fn port_forms() {
        assert_eq!(one("allow tcp *").ports, Ports::Any);
        assert_eq!(one("allow tcp 0").ports, Ports::List(vec![(0, 0)]));
        assert_eq!(
            one("allow tcp 65535").ports,
            Ports::List(vec![(65535, 65535)])
        );
        assert_eq!(
            one("allow tcp 22,80,8000-8100,9000-9000").ports,
            Ports::List(vec![(22, 22), (80, 80), (8000, 8100), (9000, 9000)])
        );
    }

    #[test]
    fn address_forms() {
        let a = |s: &str| one(&format!("allow tcp 22 {s}")).addr;
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(a("*"), Addr::Any);
        assert_eq!(a("0.0.0.0"), Addr::Ip(ip("0.0.0.0")));
        assert_eq!(a("::"), Addr::Ip(ip("::")));
        assert_eq!(a("[::]"), Addr::Ip(ip("::")));
        assert_eq!(a("fe80::1"), Addr::Ip(ip("fe80::1")));
        assert_eq!(a("::ffff:10.0.0.1"), Addr::Ip(ip("::ffff:10.0.0.1")));
        assert_eq!(a("10.0.0.0/8"), Addr::Net(ip("10.0.0.0"), 8));
        assert_eq!(a("10.1.2.3/8"), Addr::Net(ip("10.0.0.0"), 8));
        assert_eq!(a("0.0.0.0/0"), Addr::Net(ip("0.0.0.0"), 0));
        assert_eq!(a("fe80::/10"), Addr::Net(ip("fe80::"), 10));
        assert_eq!(a("[fd00::]/8"), Addr::Net(ip("fd00::"), 8));
        assert_eq!(a("::ffff:10.0.0.0/104"), Addr::Net(ip("10.0.0.0"), 8));
        assert_eq!(a("::/0"), Addr::Net(ip("::"), 0));
        assert_eq!(a("wildcard"), Addr::Class(Exposure::Wildcard));
        assert_eq!(a("public"), Addr::Class(Exposure::Public));
        assert_eq!(a("private"), Addr::Class(Exposure::Private));
        assert_eq!(a("link-local"), Addr::Class(Exposure::LinkLocal));
        assert_eq!(a("multicast"), Addr::Class(Exposure::Multicast));
        assert_eq!(a("loopback"), Addr::Class(Exposure::Loopback));
    }

    #[test]
    fn qualifier_forms() {
        let r =
            one("allow tcp 22 comm=sshd exe=/usr/sbin/sshd user=root netns=blue container=3f2a9c");
        assert_eq!(r.comm.as_deref(), Some(&b"sshd"[..]));
        assert_eq!(r.exe.as_deref(), Some(&b"/usr/sbin/sshd"[..]));
        assert_eq!(r.user, Some(UserSel::Name(b"root".to_vec())));
        assert_eq!(r.netns, Some(NetnsSel::Name(b"blue".to_vec())));
        assert_eq!(r.container.as_deref(), Some(&b"3f2a9c"[..]));
        assert_eq!(r.addr, Addr::Any);
        assert_eq!(one("allow tcp 22 user=33").user, Some(UserSel::Uid(33)));
        assert_eq!(
            one("allow tcp 22 user=\"33\"").user,
            Some(UserSel::Name(b"33".to_vec()))
        );
        assert_eq!(one("allow tcp 22 netns=host").netns, Some(NetnsSel::Host));
        assert_eq!(
            one("allow tcp 22 netns=4026531840").netns,
            Some(NetnsSel::Inode(4026531840))
        );
        assert_eq!(
            one("allow tcp 22 netns=\"host\"").netns,
            Some(NetnsSel::Name(b"host".to_vec()))
        );
        // Keys are case-insensitive, values are not.
        assert_eq!(
            one("allow tcp 22 COMM=Web").comm.as_deref(),
            Some(&b"Web"[..])
        );
        // An address, then qualifiers; `*` as the address.
        let r = one("allow udp 68 * exe=/usr/sbin/dhclient");
        assert_eq!(r.addr, Addr::Any);
        assert!(r.exe.is_some());
    }

    #[test]
    fn quoted_values_and_escapes() {
        assert_eq!(
            one(r#"allow tcp 22 comm="tmux: server""#).comm.as_deref(),
            Some(&b"tmux: server"[..])
        );
        assert_eq!(
            one(r#"allow tcp 22 comm="a\"b\\c\n\t\x1b\xff""#)
                .comm
                .as_deref(),
            Some(&b"a\"b\\c\n\t\x1b\xff"[..])
        );
        // A '#' inside quotes, or inside a bare value, is not a comment.
        assert_eq!(
            one(r#"allow tcp 22 comm="a # b" # real comment"#)
                .comm
                .as_deref(),
            Some(&b"a # b"[..])
        );
        assert_eq!(
            one("allow tcp 22 comm=a#b").comm.as_deref(),
            Some(&b"a#b"[..])
        );
        // Bare values are literal: a backslash is a backslash.
        assert_eq!(
            one(r"allow tcp 22 comm=a\nb").comm.as_deref(),
            Some(&b"a\\nb"[..])
        );
    }

    #[test]
    fn comments_blank_lines_crlf_bom() {
        let p = parse(
            b"\xef\xbb\xbf# head\r\n\r\n   \t\n\tallow tcp 22   # ssh\r\nallow udp 53#x\n  # indented comment\nallow any *",
        );
        // `53#x`: a '#' inside a word is not a comment.
        let e = p.unwrap_err();
        assert_eq!((e.line, e.col), (5, 13), "{e}");
        let p =
            parse(b"\xef\xbb\xbf# head\r\n\r\n   \t\n\tallow tcp 22   # ssh\r\n  # c\nallow any *")
                .unwrap();
        assert_eq!(p.rules.len(), 2);
        assert_eq!(p.rules[0].line, 4);
        assert_eq!(p.rules[1].line, 6);
        assert_eq!(
            p.rules[1],
            Rule {
                line: 6,
                ..Rule::default()
            }
        );
        assert_eq!(parse(b"").unwrap(), Policy::default());
        assert_eq!(parse(b"\n\n# only comments\n").unwrap(), Policy::default());
    }

    #[test]
    fn errors_name_line_column_and_what_was_expected() {
        err_at("frobnicate tcp 22", 1, 1, "a rule (allow");
        err_at("deny tcp 22", 1, 1, "no deny rules");
        err_at("\n\n  allow", 3, 8, "a protocol");
        err_at("allow # c", 1, 7, "a protocol");
        err_at("allow tpc 22", 1, 7, "a protocol");
        err_at("allow tcpx 22", 1, 7, "a protocol");
        err_at("allow tcp5 22", 1, 7, "a protocol");
        err_at("allow tcp", 1, 10, "ports");
        err_at("allow tcp http", 1, 11, "ports");
        err_at("allow tcp 65536", 1, 11, "ports");
        err_at("allow tcp -5", 1, 11, "ports");
        err_at(
            "allow tcp 80,",
            1,
            14,
            "a port (0-65535) or a range after ','",
        );
        err_at("allow tcp 80,x", 1, 14, "after ','");
        err_at("allow tcp 80,,443", 1, 14, "after ','");
        err_at("allow tcp 8000-", 1, 16, "the last port of the range");
        err_at("allow tcp 8000-99999", 1, 16, "the last port of the range");
        err_at("allow tcp 9000-8000", 1, 11, "LOW <= HIGH");
        err_at("allow tcp 22,9000-8000", 1, 14, "LOW <= HIGH");
        err_at("allow tcp 80;443", 1, 13, "',' and another port");
        err_at("allow tcp 8000-8100-8200", 1, 20, "',' and another port");
        err_at("allow tcp *,22", 1, 12, "a blank");
        err_at("allow tcp 22 0.0.0.300", 1, 14, "an address");
        err_at("allow tcp 22 localhost", 1, 14, "an address");
        err_at("allow tcp 22 comm", 1, 14, "or a qualifier");
        err_at("allow tcp 22 10.0.0.0/33", 1, 23, "a prefix length 0-32");
        err_at("allow tcp 22 fe80::/129", 1, 21, "a prefix length 0-128");
        err_at("allow tcp 22 10.0.0.0/", 1, 23, "a prefix length");
        err_at("allow tcp 22 * 0.0.0.0", 1, 16, "a qualifier");
        err_at("allow tcp 22 comm=a 0.0.0.0", 1, 21, "a qualifier");
        err_at("allow tcp 22 pid=5", 1, 14, "a qualifier");
        err_at("allow tcp 22 =5", 1, 14, "a qualifier");
        err_at("allow tcp 22 * comm", 1, 20, "'=' and a value after comm");
        err_at("allow tcp 22 comm=", 1, 19, "a value after comm=");
        err_at("allow tcp 22 comm= x", 1, 19, "a value after comm=");
        err_at("allow tcp 22 comm=\"\"", 1, 19, "not empty");
        err_at("allow tcp 22 comm=\"abc", 1, 19, "a closing '\"'");
        err_at("allow tcp 22 comm=\"a\\qb\"", 1, 21, "an escape");
        err_at("allow tcp 22 comm=\"a\\x4\"", 1, 21, "two hex digits");
        err_at(
            "allow tcp 22 comm=\"ab\"cd",
            1,
            23,
            "a blank after the closing",
        );
        err_at("allow tcp 22 comm=ab\"cd\"", 1, 21, "quote the whole value");
        err_at("allow tcp 22 exe=sshd", 1, 18, "an absolute path");
        err_at("allow tcp 22 user=99999999999", 1, 19, "a uid");
        err_at("allow tcp 22 netns=99999999999999999999999", 1, 20, "inode");
        err_at("allow tcp 22 comm=a comm=b", 1, 21, "at most one comm=");
        err_at(
            "allow tcp 22 netns=host netns=blue",
            1,
            25,
            "at most one netns=",
        );
        // Columns count characters, not bytes.
        err_at("allow tcp 22 comm=\"é\" x", 1, 23, "a qualifier");
        // The first error wins; later lines are not reached.
        err_at("allow tcp 22\nallow tcp x\nallow udp y", 2, 11, "ports");
    }

    #[test]
    fn error_display_shows_what_was_found() {
        let e = err("allow tcp 22\n  allow tpc 22");
        assert_eq!(
            e.to_string(),
            "2:9: expected a protocol: tcp, udp, udplite, raw or any, optionally with 4 or 6 (tcp6), found \"tpc\""
        );
        let e = err("allow tcp");
        assert!(e.to_string().ends_with("found end of line"), "{e}");
        // Hostile bytes are escaped in the message.
        let e = err("allow \x1b[31m 22");
        assert!(e.found.contains("\\x1b[31m"), "{}", e.found);
        assert!(!e.to_string().contains('\x1b'));
    }

    #[test]
    fn canonical_text_round_trips() {
        for src in [
            "allow tcp 22",
            "allow any *",
            "allow tcp6 80,443 :: netns=host comm=nginx",
            "allow udp 68 0.0.0.0 exe=/usr/sbin/dhclient",
            "allow tcp 8000-8100 10.0.0.0/8 netns=blue container=3f2a9c user=www-data",
            "allow raw4 1 wildcard user=0",
            "allow udplite 5000 fe80::/10 netns=\"host\" user=\"33\"",
            "allow tcp 22 netns=4026531840 comm=\"my app\" exe=\"/opt/my app/bin\"",
            "allow tcp 22 comm=\"a\\\"b\\\\c\\n\\t\\x1b\\xff#\"",
        ] {
            let r = one(src);
            assert_eq!(r.to_string(), src);
            assert_eq!(one(&r.to_string()), r);
        }
    }

    #[test]
    fn quote_value_round_trips_any_bytes() {
        // A small deterministic generator over bytes that matter.
        let alphabet: &[u8] = b"a Z0#\"\\\n\t\x1b\x7f\xff\xc3\xa9\xe2\x80\xae=*";
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let len = 1 + (seed % 9) as usize;
            let v: Vec<u8> = (0..len)
                .map(|k| alphabet[((seed >> (k % 4 * 8)) as usize + k * 7) % alphabet.len()])
                .collect();
            let q = quote_value(&v);
            assert!(!q.chars().any(|c| c.is_control()), "{q:?}");
            let r = one(&format!("allow tcp 1 comm={q}"));
            assert_eq!(r.comm.as_deref(), Some(&v[..]), "{q}");
        }
        assert_eq!(quote_value(b"sshd"), "sshd");
        assert_eq!(quote_value(b"my app"), "\"my app\"");
        assert_eq!(quote_value("x\u{202e}".as_bytes()), "\"x\\xe2\\x80\\xae\"");
    }

    /// Token soup from the grammar's own pieces: whatever parses has a
    /// canonical text that is inert and parses back to the same rule; whatever
    /// fails names a real line and column. (fuzz/ runs the same on raw bytes.)
    #[test]
    fn token_soup_round_trips_or_fails_cleanly() {
        const TOKENS: &[&str] = &[
            "allow",
            "ALLOW",
            "deny",
            "tcp",
            "udp6",
            "udplite",
            "raw4",
            "any",
            "tcpx",
            "*",
            "22",
            "0",
            "65535",
            "65536",
            "80,443",
            "8000-8100",
            "9-1",
            "1,",
            ",",
            "-",
            "0.0.0.0",
            "::",
            "[::1]",
            "10.1.2.3/8",
            "fe80::/10",
            "::ffff:10.0.0.0/104",
            "1.2.3.4/33",
            "private",
            "Loopback",
            "comm=sshd",
            "comm=\"a b\"",
            "comm=\"x\\x1b\\\"\"",
            "comm=\"",
            "comm=",
            "exe=/bin/x",
            "exe=x",
            "user=0",
            "user=\"0\"",
            "user=Root",
            "netns=HOST",
            "netns=\"42\"",
            "netns=4026531840",
            "container=3F2A",
            "container=web01",
            "pid=1",
            "=",
            "#",
            "# c",
            "a#b",
            "\u{e9}",
            "\u{202e}",
            "\x1b",
            "\t",
            " ",
            "  ",
            "\r",
        ];
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let n = 1 + next() % 8;
            let mut line = String::new();
            for k in 0..n {
                // Mostly grammatical: allow, a protocol, ports, then anything.
                let tok = match (k, next() % 4) {
                    (0, 0..=2) => "allow",
                    (1, 0..=2) => ["tcp", "udp", "any6"][(next() % 3) as usize],
                    (2, 0..=2) => ["22", "*", "1-9,80"][(next() % 3) as usize],
                    _ => TOKENS[(next() as usize) % TOKENS.len()],
                };
                if k > 0 {
                    line.push(if next() % 5 == 0 { '\t' } else { ' ' });
                }
                line.push_str(tok);
            }
            let src = format!("# x\n{line}\n");
            match parse(src.as_bytes()) {
                Ok(p) => {
                    for r in &p.rules {
                        parsed += 1;
                        let text = r.to_string();
                        assert!(
                            !text
                                .chars()
                                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                            "{text:?}"
                        );
                        let back = one(&text);
                        assert_eq!(
                            Rule {
                                line: r.line,
                                ..back
                            },
                            *r,
                            "{line:?} -> {text:?}"
                        );
                    }
                }
                Err(e) => {
                    assert_eq!(e.line, 2, "{line:?}: {e}");
                    assert!(
                        e.col >= 1 && e.col <= line.chars().count() + 1,
                        "{line:?}: {e}"
                    );
                    assert!(!e.to_string().chars().any(char::is_control), "{e}");
                }
            }
        }
        assert!(parsed > 1000, "{parsed}");
    }

    // --- matching

    fn subj<'a>(proto: Proto, ip: &str, port: u16, procs: Vec<ProcFacts<'a>>) -> Subject<'a> {
        let ip: IpAddr = ip.parse().unwrap();
        Subject {
            proto,
            family: if ip.is_ipv4() {
                Family::Inet
            } else {
                Family::Inet6
            },
            ip,
            port,
            netns: NetnsFacts {
                host: true,
                inode: Some(4026531840),
                ..NetnsFacts::default()
            },
            procs,
        }
    }

    fn proc<'a>(comm: &'a str, exe: &'a str, uid: u32, user: &'a str) -> ProcFacts<'a> {
        ProcFacts {
            comm: comm.as_bytes(),
            exe: Some(exe.as_bytes()),
            uid: Some(uid),
            user: Some(user),
        }
    }

    fn m(rule: &str, s: &Subject<'_>) -> bool {
        one(rule).matches(s)
    }

    #[test]
    fn match_proto_family_port() {
        let s = subj(Proto::Tcp, "0.0.0.0", 22, vec![]);
        assert!(m("allow tcp 22", &s));
        assert!(m("allow any 22", &s));
        assert!(m("allow tcp4 22", &s));
        assert!(!m("allow tcp6 22", &s));
        assert!(!m("allow udp 22", &s));
        assert!(m("allow tcp 20-30", &s));
        assert!(m("allow tcp 80,22", &s));
        assert!(!m("allow tcp 23-30", &s));
        assert!(m("allow tcp *", &s));
        let s6 = subj(Proto::Udp, "::", 53, vec![]);
        assert!(m("allow udp6 53", &s6));
        assert!(!m("allow udp4 53", &s6));
    }

    #[test]
    fn match_addresses() {
        let s = |ip: &str| subj(Proto::Tcp, ip, 80, vec![]);
        assert!(m("allow tcp 80 0.0.0.0", &s("0.0.0.0")));
        // 0.0.0.0 is the wildcard bind, not "any address".
        assert!(!m("allow tcp 80 0.0.0.0", &s("10.0.0.1")));
        assert!(!m("allow tcp 80 0.0.0.0", &s("::")));
        assert!(m("allow tcp 80 ::", &s("::")));
        assert!(m("allow tcp 80 *", &s("192.0.2.1")));
        assert!(m("allow tcp 80 10.0.0.0/8", &s("10.200.3.4")));
        assert!(!m("allow tcp 80 10.0.0.0/8", &s("11.0.0.1")));
        assert!(m("allow tcp 80 0.0.0.0/0", &s("203.0.113.9")));
        assert!(!m("allow tcp 80 0.0.0.0/0", &s("2001:db8::1")));
        assert!(m("allow tcp 80 ::/0", &s("2001:db8::1")));
        assert!(m("allow tcp 80 fe80::/10", &s("fe80::1")));
        // IPv4-mapped sockets match IPv4 rules and back.
        assert!(m("allow tcp 80 10.0.0.5", &s("::ffff:10.0.0.5")));
        assert!(m("allow tcp 80 10.0.0.0/8", &s("::ffff:10.0.0.5")));
        assert!(m("allow tcp 80 ::ffff:10.0.0.5", &s("10.0.0.5")));
        assert!(m("allow tcp 80 [::ffff:10.0.0.5]", &s("::ffff:10.0.0.5")));
        // Exposure classes.
        assert!(m("allow tcp 80 wildcard", &s("::")));
        assert!(m("allow tcp 80 private", &s("192.168.1.5")));
        assert!(!m("allow tcp 80 private", &s("8.8.8.8")));
        assert!(m("allow tcp 80 public", &s("8.8.8.8")));
        assert!(m("allow tcp 80 loopback", &s("::ffff:127.0.0.1")));
    }

    #[test]
    fn match_namespaces_and_containers() {
        let mut s = subj(Proto::Tcp, "0.0.0.0", 5432, vec![]);
        assert!(m("allow tcp 5432 netns=host", &s));
        assert!(m("allow tcp 5432 netns=4026531840", &s));
        assert!(!m("allow tcp 5432 netns=4026531841", &s));
        assert!(!m("allow tcp 5432 netns=blue", &s));
        assert!(!m("allow tcp 5432 container=3f2a9c", &s));
        s.netns = NetnsFacts {
            host: false,
            inode: Some(4026532500),
            name: Some("blue"),
            container: Some("3f2a9c0d1e2b4a5c6d7e"),
        };
        assert!(!m("allow tcp 5432 netns=host", &s));
        assert!(m("allow tcp 5432 netns=blue", &s));
        assert!(m("allow tcp 5432 container=3f2a9c", &s));
        assert!(m("allow tcp 5432 container=3F2A9C", &s));
        assert!(m("allow tcp 5432 container=3f2a9c0d1e2b4a5c6d7e", &s));
        assert!(!m("allow tcp 5432 container=3f2a9c0d1e2b4a5c6d7e0", &s));
        assert!(!m("allow tcp 5432 container=4f", &s));
        assert!(m("allow tcp 5432 netns=blue container=3f2a", &s));
        // A container name (LXC) must match whole.
        s.netns.container = Some("web01");
        assert!(m("allow tcp 5432 container=web01", &s));
        assert!(!m("allow tcp 5432 container=web", &s));
    }

    #[test]
    fn match_processes_any_owner_all_qualifiers() {
        let owners = vec![
            proc("nginx", "/usr/sbin/nginx", 0, "root"),
            proc("nginx", "/usr/sbin/nginx", 33, "www-data"),
        ];
        let s = subj(Proto::Tcp, "0.0.0.0", 80, owners);
        assert!(m("allow tcp 80 comm=nginx", &s));
        assert!(m("allow tcp 80 exe=/usr/sbin/nginx", &s));
        assert!(m("allow tcp 80 user=www-data", &s));
        assert!(m("allow tcp 80 user=33", &s));
        assert!(m("allow tcp 80 user=root", &s));
        assert!(m("allow tcp 80 comm=nginx user=www-data", &s));
        assert!(!m("allow tcp 80 comm=apache2", &s));
        assert!(!m("allow tcp 80 user=postgres", &s));
        assert!(!m("allow tcp 80 comm=nginx exe=/usr/sbin/apache2", &s));
        // Qualifiers must all hold for one holder.
        let mixed = subj(
            Proto::Tcp,
            "0.0.0.0",
            80,
            vec![
                proc("systemd", "/usr/lib/systemd/systemd", 0, "root"),
                proc("sshd", "/usr/sbin/sshd", 1000, "alice"),
            ],
        );
        assert!(m("allow tcp 80 comm=sshd", &mixed));
        assert!(m("allow tcp 80 comm=systemd", &mixed));
        assert!(!m("allow tcp 80 comm=sshd user=root", &mixed));
        // No visible holder: process qualifiers cannot match, others can.
        let kernel = subj(Proto::Udp, "0.0.0.0", 4789, vec![]);
        assert!(!m("allow udp 4789 comm=x", &kernel));
        assert!(!m("allow udp 4789 user=0", &kernel));
        assert!(m("allow udp 4789", &kernel));
    }

    #[test]
    fn scope_helpers() {
        assert!(one("allow tcp 22 127.0.0.1").only_loopback());
        assert!(one("allow tcp 22 ::1").only_loopback());
        assert!(one("allow tcp 22 127.0.0.0/8").only_loopback());
        assert!(one("allow tcp 22 loopback").only_loopback());
        assert!(!one("allow tcp 22 0.0.0.0/0").only_loopback());
        assert!(!one("allow tcp 22").only_loopback());
        let r = one("allow udplite6 1");
        assert!(r.applies_to(&[Proto::UdpLite], &[Family::Inet6]));
        assert!(!r.applies_to(&[Proto::Tcp, Proto::Udp], &[Family::Inet6]));
        assert!(!r.applies_to(&[Proto::UdpLite], &[Family::Inet]));
        assert!(one("allow any *").applies_to(&[Proto::Tcp], &[Family::Inet]));
        assert!(one("allow tcp 1 user=0").names_process());
        assert!(!one("allow tcp 1 netns=host").names_process());
    }
}
