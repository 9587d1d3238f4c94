//! The policy language end to end: parse, canonical text, matching.

use super::matches::*;
use super::*;
use crate::model::kinds::Access;
use crate::model::reach::Reach;
use crate::parse::policy::{PolicyError, parse};

/// Each qualifier's value, as the assertions below read it.
impl Rule {
    fn comm(&self) -> Option<&[u8]> {
        match self.get(Key::Comm) {
            Some(Qualifier::Comm(c)) => Some(c),
            _ => None,
        }
    }
    fn exe(&self) -> Option<&[u8]> {
        match self.get(Key::Exe) {
            Some(Qualifier::Exe { path, .. }) => Some(path),
            _ => None,
        }
    }
    fn container(&self) -> Option<&[u8]> {
        match self.get(Key::Container) {
            Some(Qualifier::Container(c)) => Some(c),
            _ => None,
        }
    }
    fn user(&self) -> Option<UserSel> {
        match self.get(Key::User) {
            Some(Qualifier::User(u)) => Some(u.clone()),
            _ => None,
        }
    }
    fn group(&self) -> Option<UserSel> {
        match self.get(Key::Group) {
            Some(Qualifier::Group(g)) => Some(g.clone()),
            _ => None,
        }
    }
    fn netns(&self) -> Option<NetnsSel> {
        match self.get(Key::Netns) {
            Some(Qualifier::Netns(n)) => Some(n.clone()),
            _ => None,
        }
    }
    fn reach(&self) -> Option<Reach> {
        match self.get(Key::Reach) {
            Some(Qualifier::Reach(r)) => Some(*r),
            _ => None,
        }
    }
}

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
                quals: vec![Qualifier::Comm(b"nginx".to_vec())],
                ..rule(tcp, Ports::List(vec![(80, 80), (443, 443)]))
            },
            Rule {
                line: 4,
                quals: vec![Qualifier::Exe {
                    path: b"/usr/sbin/dhclient".to_vec(),
                    file: None
                }],
                ..rule(Some(Proto::Udp), Ports::List(vec![(68, 68)]))
            },
            Rule {
                line: 5,
                quals: vec![Qualifier::Netns(NetnsSel::Host)],
                ..rule(tcp, Ports::List(vec![(8000, 8100)]))
            },
            Rule {
                line: 6,
                quals: vec![Qualifier::Container(b"3f2a9c".to_vec())],
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
    let r = one("allow tcp 22 comm=sshd exe=/usr/sbin/sshd user=root netns=blue container=3f2a9c");
    assert_eq!(r.comm(), Some(&b"sshd"[..]));
    assert_eq!(r.exe(), Some(&b"/usr/sbin/sshd"[..]));
    assert_eq!(r.user(), Some(UserSel::Name(b"root".to_vec())));
    assert_eq!(r.netns(), Some(NetnsSel::Name(b"blue".to_vec())));
    assert_eq!(r.container(), Some(&b"3f2a9c"[..]));
    assert_eq!(r.addr, Addr::Any);
    assert_eq!(one("allow tcp 22 user=33").user(), Some(UserSel::Uid(33)));
    assert_eq!(
        one("allow tcp 22 user=\"33\"").user(),
        Some(UserSel::Name(b"33".to_vec()))
    );
    assert_eq!(one("allow tcp 22 netns=host").netns(), Some(NetnsSel::Host));
    assert_eq!(
        one("allow tcp 22 netns=4026531840").netns(),
        Some(NetnsSel::Inode(4026531840))
    );
    assert_eq!(
        one("allow tcp 22 netns=\"host\"").netns(),
        Some(NetnsSel::Name(b"host".to_vec()))
    );
    // Keys are case-insensitive, values are not.
    assert_eq!(one("allow tcp 22 COMM=Web").comm(), Some(&b"Web"[..]));
    // An address, then qualifiers; `*` as the address.
    let r = one("allow udp 68 * exe=/usr/sbin/dhclient");
    assert_eq!(r.addr, Addr::Any);
    assert!(r.exe().is_some());
}

#[test]
fn quoted_values_and_escapes() {
    assert_eq!(
        one(r#"allow tcp 22 comm="tmux: server""#).comm(),
        Some(&b"tmux: server"[..])
    );
    assert_eq!(
        one(r#"allow tcp 22 comm="a\"b\\c\n\t\x1b\xff""#).comm(),
        Some(&b"a\"b\\c\n\t\x1b\xff"[..])
    );
    // A '#' inside quotes, or inside a bare value, is not a comment.
    assert_eq!(
        one(r#"allow tcp 22 comm="a # b" # real comment"#).comm(),
        Some(&b"a # b"[..])
    );
    assert_eq!(one("allow tcp 22 comm=a#b").comm(), Some(&b"a#b"[..]));
    // Bare values are literal: a backslash is a backslash.
    assert_eq!(one(r"allow tcp 22 comm=a\nb").comm(), Some(&b"a\\nb"[..]));
}

#[test]
fn comments_blank_lines_crlf_bom() {
    let p = parse(
        b"\xef\xbb\xbf# head\r\n\r\n   \t\n\tallow tcp 22   # ssh\r\nallow udp 53#x\n  # indented comment\nallow any *",
    );
    // `53#x`: a '#' inside a word is not a comment.
    let e = p.unwrap_err();
    assert_eq!((e.line, e.col), (5, 13), "{e}");
    let p = parse(b"\xef\xbb\xbf# head\r\n\r\n   \t\n\tallow tcp 22   # ssh\r\n  # c\nallow any *")
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
        "2:9: expected a protocol: tcp, udp, udplite, raw, sctp, packet, unix or any, optionally with 4 or 6 (tcp6), found \"tpc\""
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
        assert_eq!(r.comm(), Some(&v[..]), "{q}");
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
        reach: None,
        netns: NetnsFacts {
            host: true,
            inode: Some(4026531840),
            ..NetnsFacts::default()
        },
        procs,
        unix: None,
        iface: None,
    }
}

fn proc<'a>(comm: &'a str, exe: &'a str, uid: u32, user: &'a str) -> ProcFacts<'a> {
    ProcFacts {
        comm: comm.as_bytes(),
        exe: Some(exe.as_bytes()),
        exe_id: crate::model::owners::ExeId::PathOnly,
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

// --- unix, packet and sctp rules (issue 14)

#[test]
fn kinds_rules_parse_and_round_trip() {
    let r = one("allow unix /run/docker.sock group=docker");
    assert_eq!(r.proto, Some(Proto::Unix));
    assert_eq!(r.name.as_deref(), Some(&b"/run/docker.sock"[..]));
    assert_eq!(r.group(), Some(UserSel::Name(b"docker".to_vec())));
    let r = one("allow packet ip,arp,0x88cc eth0 comm=dhclient");
    assert_eq!(
        r.ports,
        Ports::List(vec![(0x0800, 0x0800), (0x0806, 0x0806), (0x88cc, 0x88cc)])
    );
    assert_eq!(r.iface.as_deref(), Some(&b"eth0"[..]));
    assert_eq!(one("allow packet all all").ports, Ports::List(vec![(3, 3)]));
    assert_eq!(one("allow sctp4 3868").family, Some(Family::Inet));
    for src in [
        "allow unix /run/docker.sock group=docker",
        "allow unix @/containerd-shim/* access=netns",
        "allow unix * netns=host access=owner",
        "allow unix \"/run/a b.sock\" group=999",
        "allow packet ip,LLDP eth0 comm=lldpd",
        "allow packet all all",
        "allow packet 0x1234 comm=x",
        "allow sctp 3868 10.0.0.5 comm=diameterd",
    ] {
        let r = one(src);
        assert_eq!(r.to_string(), src);
        assert_eq!(one(&r.to_string()), r);
    }
    err_at("allow unix", 1, 11, "a unix socket name");
    err_at("allow unix /x 0.0.0.0", 1, 15, "a qualifier");
    err_at("allow packet nosuch", 1, 14, "ethertypes");
    err_at("allow tcp 22 group=docker", 1, 14, "only in unix rules");
    err_at("allow unix /x access=all", 1, 22, "anyone, netns, group");
}

fn unix_subj(name: &'static [u8], access: Access) -> Subject<'static> {
    let mut s = subj(Proto::Unix, "0.0.0.0", 0, vec![]);
    s.family = Family::Unix;
    s.unix = Some(UnixFacts {
        name: Some(name),
        access,
        group_names: [Some("docker"), None],
    });
    s
}

#[test]
fn match_unix_names_and_access() {
    let docker = unix_subj(b"/run/docker.sock", Access::Group(999));
    assert!(m("allow unix /run/docker.sock group=docker", &docker));
    assert!(m("allow unix /run/docker.sock group=999", &docker));
    assert!(!m("allow unix /run/docker.sock group=adm", &docker));
    assert!(m("allow unix /run/* access=group", &docker));
    assert!(!m("allow unix /run/* access=owner", &docker));
    assert!(!m("allow unix /var/run/docker.sock", &docker));
    // Anyone may connect: group=docker no longer allows it.
    let open = unix_subj(b"/run/docker.sock", Access::Anyone);
    assert!(!m("allow unix /run/docker.sock group=docker", &open));
    assert!(m("allow unix /run/docker.sock", &open));
    // Narrower than the rule: allowed.
    let own = unix_subj(b"/run/x.sock", Access::Owner(0));
    assert!(m("allow unix /run/x.sock group=docker", &own));
    assert!(m("allow unix * access=owner", &own));
    let abs = unix_subj(b"@shim", Access::Netns);
    assert!(m("allow unix @shim access=netns", &abs));
    assert!(!m("allow unix @shim access=group", &abs));
    // An unknown verdict is allowed only by a rule that allows anyone.
    let unk = unix_subj(b"/x", Access::Unknown("relative path"));
    assert!(!m("allow unix /x access=netns", &unk));
    assert!(m("allow unix /x access=anyone", &unk));
    // Unix rules never match inet sockets and vice versa.
    assert!(!m("allow unix *", &subj(Proto::Tcp, "0.0.0.0", 22, vec![])));
    assert!(!m("allow tcp *", &docker));
}

#[test]
fn match_packet_ethertypes_and_interfaces() {
    let mut s = subj(Proto::Packet, "0.0.0.0", 0x0800, vec![]);
    s.family = Family::Packet;
    s.iface = Some(Some(b"eth0"));
    assert!(m("allow packet ip eth0", &s));
    assert!(m("allow packet * eth0", &s));
    assert!(m("allow packet ip", &s));
    assert!(!m("allow packet arp eth0", &s));
    assert!(!m("allow packet ip eth1", &s));
    assert!(!m("allow packet ip all", &s));
    s.iface = Some(None);
    s.port = 3;
    assert!(m("allow packet all all", &s));
    assert!(!m("allow packet all eth0", &s));
}

#[test]
fn reach_qualifier_parses_displays_and_matches_at_most_its_class() {
    let r = one("allow tcp 9100 * REACH=Private");
    assert_eq!(r.reach(), Some(Reach::Private));
    assert_eq!(r.to_string(), "allow tcp 9100 reach=private");
    assert_eq!(one(&r.to_string()).reach(), Some(Reach::Private));
    for bad in [
        "allow tcp 1 reach=unknown",
        "allow tcp 1 reach=lan",
        "allow tcp 1 reach=local reach=public",
    ] {
        assert!(parse(bad.as_bytes()).is_err(), "{bad}");
    }
    let mut s = subj(Proto::Tcp, "0.0.0.0", 9100, vec![]);
    for (got, allowed) in [
        (Some(Reach::Local), true),
        (Some(Reach::LinkLocal), true),
        (Some(Reach::Private), true),
        (Some(Reach::Public), false),
        (Some(Reach::Unknown), false),
        (None, false),
    ] {
        s.reach = got;
        assert_eq!(r.matches(&s), allowed, "{got:?}");
    }
    // Without reach= the reach does not matter.
    s.reach = Some(Reach::Public);
    assert!(one("allow tcp 9100").matches(&s));
}

// --- the qualifier seam

#[test]
fn every_key_is_read_in_any_case_and_written_in_key_order() {
    for k in Key::ALL {
        assert_eq!(Key::of(k.name().as_bytes()), Some(k));
        assert_eq!(Key::of(k.name().to_uppercase().as_bytes()), Some(k));
    }
    assert!(Key::ALL.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(Key::of(b"pid"), None);
    // Written in key order whatever the order they were given in, and equal
    // to the rule written that way.
    let r = one("allow unix /x group=adm access=group comm=a");
    assert_eq!(r.to_string(), "allow unix /x comm=a access=group group=adm");
    let r = one("allow tcp 1 exe=/x comm=c user=0 reach=local container=ab netns=host");
    let text = "allow tcp 1 netns=host container=ab reach=local user=0 comm=c exe=/x";
    assert_eq!(r.to_string(), text);
    assert_eq!(one(text), r);
    let keys: Vec<Key> = r.quals.iter().map(Qualifier::key).collect();
    assert_eq!(keys, Key::ALL[..6]);
}

#[test]
fn set_replaces_a_key_and_keeps_the_order() {
    let mut r = Rule::default()
        .with(Qualifier::Comm(b"b".to_vec()))
        .with(Qualifier::Netns(NetnsSel::Host));
    assert_eq!(r.to_string(), "allow any * netns=host comm=b");
    assert_eq!(
        r.set(Qualifier::Comm(b"c".to_vec())),
        Some(Qualifier::Comm(b"b".to_vec()))
    );
    assert_eq!(r.to_string(), "allow any * netns=host comm=c");
    assert_eq!(r.get(Key::User), None);
}
