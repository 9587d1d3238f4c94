//! Fuzz harness bodies for openports.
//!
//! Each cargo-fuzz target in `fuzz_targets/` is one line calling a function here.
//! The same functions are replayed on stable by `tests/fuzz_replay.rs` (which
//! includes this file with `#[path]`) over every seed, corpus file and saved
//! crash, so a regression is caught without nightly.
//!
//! Every body caps its input, calls library functions, and asserts what the tool
//! promises about input that the kernel or other processes control: no panic,
//! and the properties stated next to each check (parsers agree with a simple
//! model, output is well-formed and cannot be forged).

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use openports::cli::{self, Parsed};
use openports::collect::filter::Filter;
use openports::collect::tables::{self, ReadOpts};
use openports::error::Exit;
use openports::model::socket::{Family, Proto};
use openports::parse::inet::{self, ByteOrder, InetRow, TableKind};
use openports::parse::lines::{Line, Lines, scan};
use openports::parse::{kinds, links, passwd, process};
use openports::render::escape;

/// One fuzz target: its name (the file `fuzz_targets/NAME.rs`) and body.
pub struct Target {
    pub name: &'static str,
    pub body: fn(&[u8]),
}

/// Every target, in `make fuzz` order.
pub const TARGETS: &[Target] = &[
    Target {
        name: "inet_tcp",
        body: inet_tcp,
    },
    Target {
        name: "inet_tcp6",
        body: inet_tcp6,
    },
    Target {
        name: "inet_udp",
        body: inet_udp,
    },
    Target {
        name: "inet_udp6",
        body: inet_udp6,
    },
    Target {
        name: "inet_raw",
        body: inet_raw,
    },
    Target {
        name: "packet",
        body: packet,
    },
    Target {
        name: "unix",
        body: unix,
    },
    Target {
        name: "sctp",
        body: sctp,
    },
    Target {
        name: "ifnames",
        body: ifnames,
    },
    Target {
        name: "link",
        body: link,
    },
    Target {
        name: "status",
        body: status,
    },
    Target {
        name: "procfiles",
        body: procfiles,
    },
    Target {
        name: "escape",
        body: escape_text,
    },
    Target {
        name: "lines",
        body: lines,
    },
    Target {
        name: "addrs",
        body: addrs,
    },
    Target {
        name: "run",
        body: run,
    },
    Target {
        name: "policy",
        body: policy,
    },
    Target {
        name: "ssfilter",
        body: ssfilter,
    },
];

// Input caps. Real rows are under 200 bytes and real tables a few MB; what
// matters is the shape of the input, and short inputs keep executions fast.
const TABLE_CAP: usize = 64 * 1024;
const LINK_CAP: usize = 4096; // PATH_MAX: a symlink target is never longer
const TEXT_CAP: usize = 64 * 1024;
const LINES_CAP: usize = 16 * 1024;
const RUN_CAP: usize = 64 * 1024;

// ---------------------------------------------------------------------------
// packet, unix and SCTP tables, interface names (issue 14)

/// Every data line of a `/proc/net/packet`: a parsed row printed again in the
/// kernel's format (`packet_seq_show`) parses to the same row; an error points
/// into the line.
pub fn packet(data: &[u8]) {
    if data.len() > TABLE_CAP {
        return;
    }
    for line in Lines::new(data).skip(1) {
        match kinds::packet_line(line) {
            Ok(r) => {
                let again = format!(
                    "0000000000000000 3      {:<4} {:04x}   {:<5} {} {:<6} {:<6} {:<6}",
                    r.sock_type,
                    r.protocol,
                    r.ifindex,
                    u8::from(r.running),
                    r.rmem,
                    r.uid,
                    r.inode
                );
                assert_eq!(kinds::packet_line(again.as_bytes()), Ok(r), "{line:?}");
            }
            Err(e) => assert!(e.col >= 1 && e.col <= line.len() + 1, "{e}: {line:?}"),
        }
    }
}

/// Every data line of a `/proc/net/unix`: a name is at most 108 bytes and has
/// no newline; the row printed again (`unix_seq_show`) parses the same; the
/// name as the table shows it cannot steer a terminal.
pub fn unix(data: &[u8]) {
    if data.len() > TABLE_CAP {
        return;
    }
    for line in Lines::new(data).skip(1) {
        match kinds::unix_line(line) {
            Ok(r) => {
                let mut again = format!(
                    "0000000000000000: {:08X} 00000000 {:08X} {:04X} {:02X} {:5}",
                    r.refcnt, r.flags, r.sock_type, r.st, r.inode
                )
                .into_bytes();
                if let Some(n) = r.name {
                    assert!(
                        n.len() <= kinds::UNIX_NAME_MAX && !n.contains(&b'\n'),
                        "{n:?}"
                    );
                    again.push(b' ');
                    again.extend_from_slice(n);
                    assert_no_controls(escape::terminal(n).as_bytes(), "unix name");
                }
                assert_eq!(kinds::unix_line(&again), Ok(r), "{line:?}");
            }
            Err(e) => assert!(e.col >= 1 && e.col <= line.len() + 1, "{e}: {line:?}"),
        }
    }
}

/// `/proc/net/sctp/eps` (first byte even) or `assocs` (odd): rows printed
/// again in the kernel's format parse the same.
pub fn sctp(data: &[u8]) {
    if data.len() > TABLE_CAP {
        return;
    }
    let assocs = data.starts_with(b" ASSOC") || data.first().is_some_and(|b| b % 2 == 1);
    let addrs = |v: &mut String, a: &[(std::net::IpAddr, bool)]| {
        for (ip, primary) in a {
            if *primary {
                v.push('*');
            }
            v.push_str(&sctp_text(*ip));
            v.push(' ');
        }
    };
    for line in Lines::new(data).skip(1) {
        if assocs {
            match kinds::sctp_assoc_line(line) {
                Ok(r) => {
                    assert!(!r.laddrs.is_empty() && !r.raddrs.is_empty());
                    let mut again = format!(
                        "0 0 {} {} {} 0 {} {} {} {} {} {} {}  ",
                        r.sty,
                        r.sst,
                        r.st,
                        r.assoc_id as i32,
                        r.tx_queue,
                        r.rx_queue,
                        r.uid,
                        r.inode,
                        r.lport,
                        r.rport
                    );
                    addrs(&mut again, &r.laddrs);
                    again.push_str("<-> ");
                    addrs(&mut again, &r.raddrs);
                    again.push_str("\t 1000 10");
                    let back = kinds::sctp_assoc_line(again.as_bytes());
                    // Negative queue lengths are clamped to 0 on the way in.
                    assert_eq!(back, Ok(r), "{line:?} / {again:?}");
                }
                Err(e) => assert!(e.col >= 1 && e.col <= line.len() + 1, "{e}: {line:?}"),
            }
        } else {
            match kinds::sctp_ep_line(line) {
                Ok(r) => {
                    assert!(!r.laddrs.is_empty());
                    let mut again = format!(
                        "0 0 {} {} 0 {} {} {} ",
                        r.sty, r.sst, r.lport, r.uid, r.inode
                    );
                    let a: Vec<_> = r.laddrs.iter().map(|&ip| (ip, false)).collect();
                    addrs(&mut again, &a);
                    assert_eq!(kinds::sctp_ep_line(again.as_bytes()), Ok(r), "{line:?}");
                }
                Err(e) => assert!(e.col >= 1 && e.col <= line.len() + 1, "{e}: {line:?}"),
            }
        }
    }
}

/// An address as `%pI4` / `%pI6` print it.
fn sctp_text(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(a) => a.to_string(),
        std::net::IpAddr::V6(a) => a
            .segments()
            .iter()
            .map(|s| format!("{s:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// `dev_mcast`, `igmp`, `if_inet6` (by the first byte): every name is a valid
/// interface name and every index appears once.
pub fn ifnames(data: &[u8]) {
    if data.len() > TABLE_CAP {
        return;
    }
    let kind = match data.first().map(|b| b % 3) {
        Some(0) => kinds::IfFile::DevMcast,
        Some(1) => kinds::IfFile::Igmp,
        _ => kinds::IfFile::IfInet6,
    };
    let names = kinds::ifindex_names(kind, data);
    let mut ix: Vec<u32> = names.iter().map(|n| n.0).collect();
    ix.sort_unstable();
    ix.dedup();
    assert_eq!(ix.len(), names.len(), "an index twice: {names:?}");
    for (_, n) in &names {
        assert!(!n.is_empty() && n.len() < 16, "{n:?}");
        assert!(
            n.iter()
                .all(|&b| b > b' ' && b != b'/' && b != b':' && b != 0x7f),
            "{n:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// inet tables

pub fn inet_tcp(data: &[u8]) {
    inet_table(data, Proto::Tcp, Family::Inet)
}
pub fn inet_tcp6(data: &[u8]) {
    inet_table(data, Proto::Tcp, Family::Inet6)
}
pub fn inet_udp(data: &[u8]) {
    inet_table(data, Proto::Udp, Family::Inet)
}
pub fn inet_udp6(data: &[u8]) {
    inet_table(data, Proto::Udp, Family::Inet6)
}
pub fn inet_raw(data: &[u8]) {
    inet_table(data, Proto::Raw, Family::Inet)
}

fn config(args: &[&str]) -> cli::Config {
    match cli::parse_from(args.iter().copied()) {
        Ok(Parsed::Run(c)) => c,
        other => panic!("harness arguments {args:?}: {other:?}"),
    }
}

/// A reader that hands out its bytes in pieces of varying size, as the kernel
/// does when a table is read in several `read()` calls.
struct Pieces<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    k: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = match self.sizes.get(self.k % self.sizes.len().max(1)) {
            Some(&s) => usize::from(s % 61) + 1,
            None => 7,
        };
        self.k += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A whole table file as `tables::read_table` reads it, then every line alone
/// through `inet::inet_line` in both byte orders and both table kinds.
fn inet_table(data: &[u8], proto: Proto, family: Family) {
    if data.len() > TABLE_CAP {
        return;
    }
    let filter = Filter::new(&openports::cmd::listing_request(&config(&[
        "-a",
        "-tuw",
        "--udplite",
    ])));
    // Either byte order (`--byte-order` reads captures from the other kind).
    let order = match data.first() {
        Some(b) if b % 2 == 1 => ByteOrder::Big,
        _ => ByteOrder::Little,
    };
    let o = ReadOpts {
        ns: 0,
        proto,
        family,
        order,
        stop_after_listeners: false,
    };
    let mut diag = Vec::new();
    let mut whole = Vec::new();
    tables::read_table(data, b"t", o, &filter, &mut diag, &mut whole).expect("reading a slice");
    let diag = diag.iter().map(ToString::to_string).collect::<Vec<_>>();
    let lines = Lines::new(data).count();
    assert!(whole.len() < lines.max(1), "more rows than data lines");
    // Ten warnings per file, then one summary: a hostile table cannot flood stderr.
    assert!(diag.len() <= 11, "{} warnings", diag.len());
    for w in &diag {
        assert_no_controls(w.as_bytes(), "warning");
    }
    for s in &whole {
        assert_eq!((s.proto, s.family), (proto, family));
        {
            let v6 = family == Family::Inet6;
            assert!(
                s.local.ip.is_ipv6() == v6 && s.remote.ip.is_ipv6() == v6,
                "{s:?}"
            );
        }
    }

    // Streaming in small pieces gives the same rows and warnings.
    let mut diag2 = Vec::new();
    let mut pieces = Vec::new();
    let r = Pieces {
        data,
        sizes: &data[..data.len().min(16)],
        k: 0,
    };
    tables::read_table(r, b"t", o, &filter, &mut diag2, &mut pieces).expect("reading pieces");
    let diag2 = diag2.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(pieces, whole, "rows depend on read sizes");
    assert_eq!(diag2, diag, "warnings depend on read sizes");

    // Stopping after the listening part yields a prefix of the rows.
    let mut diag3 = Vec::new();
    let mut prefix = Vec::new();
    let o3 = ReadOpts {
        stop_after_listeners: true,
        ..o
    };
    tables::read_table(data, b"t", o3, &filter, &mut diag3, &mut prefix).expect("reading");
    assert!(
        whole.starts_with(&prefix),
        "stop_after_listeners reordered rows"
    );

    for line in Lines::new(data).skip(1) {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            // The listing's fast path accepts and rejects exactly the same lines.
            let required = inet::inet_line_required(line, order);
            for kind in [TableKind::Tcp, TableKind::Datagram] {
                match (inet::inet_line(line, kind, order), &required) {
                    (Ok(row), Ok(req)) => {
                        assert_eq!(&required_fields(&row), req, "{line:?}");
                        round_trip(line, &row, kind, order);
                    }
                    (Err(e), Err(e2)) => {
                        assert_eq!(&e, e2, "{line:?}");
                        assert!(e.col >= 1 && e.col <= line.len() + 1, "{e}");
                    }
                    (full, req) => {
                        panic!("inet_line {full:?} but inet_line_required {req:?}: {line:?}")
                    }
                }
            }
        }
    }
}

/// A row without its optional trailing fields.
fn required_fields(row: &InetRow) -> InetRow {
    InetRow {
        refcnt: None,
        pointer: None,
        rto: None,
        ato: None,
        quick_pingpong: None,
        cwnd: None,
        ssthresh: None,
        drops: None,
        ..row.clone()
    }
}

fn encode_addr(ip: std::net::IpAddr, order: ByteOrder) -> String {
    let word = |b: [u8; 4]| match order {
        ByteOrder::Little => u32::from_le_bytes(b),
        ByteOrder::Big => u32::from_be_bytes(b),
    };
    match ip {
        std::net::IpAddr::V4(a) => format!("{:08X}", word(a.octets())),
        std::net::IpAddr::V6(a) => {
            let o = a.octets();
            (0..4)
                .map(|k| {
                    format!(
                        "{:08X}",
                        word([o[4 * k], o[4 * k + 1], o[4 * k + 2], o[4 * k + 3]])
                    )
                })
                .collect()
        }
    }
}

/// Print a parsed row the way the kernel does and parse it again: the parser
/// must read back exactly what it read the first time.
fn round_trip(line: &[u8], row: &InetRow, kind: TableKind, order: ByteOrder) {
    let mut s = format!(
        "{:4}: {}:{:04X} {}:{:04X} {:02X} {:08X}:{:08X} {:02X}:{:08X} {:08X} {:5} {:8} {}",
        row.sl,
        encode_addr(row.local.ip, order),
        row.local.port,
        encode_addr(row.remote.ip, order),
        row.remote.port,
        row.state,
        row.tx_queue,
        row.rx_queue,
        row.timer,
        row.expires,
        row.retransmits,
        row.uid,
        row.timeout,
        row.inode
    );
    let opt_u = |v: Option<u64>| v.map(|x| format!(" {x}")).unwrap_or_default();
    let opt_i = |v: Option<i64>| v.map(|x| format!(" {x}")).unwrap_or_default();
    s.push_str(&opt_u(row.refcnt));
    if let Some(p) = row.pointer {
        s.push_str(&format!(" {p:016x}"));
    }
    s.push_str(&opt_u(row.rto));
    s.push_str(&opt_u(row.ato));
    s.push_str(&opt_u(row.quick_pingpong));
    s.push_str(&opt_u(row.cwnd));
    s.push_str(&opt_i(row.ssthresh));
    s.push_str(&opt_u(row.drops));
    let again = inet::inet_line(s.as_bytes(), kind, order)
        .unwrap_or_else(|e| panic!("re-printed row {s:?} of {line:?} fails: {e}"));
    assert_eq!(&again, row, "re-printed row {s:?} of {line:?}");
}

// ---------------------------------------------------------------------------
// link targets and small process files

/// `readlink` targets of `/proc/PID/fd/N`, `/proc/PID/ns/net` and `/proc/PID/exe`,
/// and the names in a `/proc` or `fd/` directory listing.
pub fn link(data: &[u8]) {
    if data.len() > LINK_CAP {
        return;
    }
    for (prefix, got) in [
        (&b"socket:["[..], links::socket_link(data)),
        (b"net:[", links::netns_link(data)),
    ] {
        if let Some(n) = got {
            // Only the exact form is accepted (leading zeros aside).
            assert!(data.starts_with(prefix) && data.ends_with(b"]"), "{data:?}");
            let digits = &data[prefix.len()..data.len() - 1];
            assert!(digits.iter().all(u8::is_ascii_digit), "{data:?}");
            let canon = format!("{}{n}]", String::from_utf8_lossy(prefix));
            assert_eq!(
                links::bracketed_inode(canon.as_bytes(), &prefix[..prefix.len() - 1]),
                Some(n)
            );
        }
    }
    let (exe, deleted) = links::split_deleted(data.to_vec());
    let mut back = exe.unwrap_or_default();
    if deleted {
        back.extend_from_slice(b" (deleted)");
    }
    assert_eq!(back, data);
    // pid and fd names: decimal u32s of at most ten digits (procfs never
    // zero-pads, so a longer name is no pid).
    let want = std::str::from_utf8(data)
        .ok()
        .filter(|s| !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u32>().ok());
    assert_eq!(openports::parse::parse_u32(data), want, "{data:?}");
}

/// `/proc/PID/status` and `/proc/PID/stat`.
pub fn status(data: &[u8]) {
    if data.len() > TEXT_CAP {
        return;
    }
    let uid = process::status_uid(data);
    let field = process::status_field(data, b"Uid:");
    assert!(field.is_some() || uid.is_none());
    if let Some(c) = process::stat_comm(data) {
        // Between the first '(' and the last ')'.
        let start = c.as_ptr() as usize - data.as_ptr() as usize;
        let end = start + c.len();
        assert_eq!(data[start - 1], b'(');
        assert_eq!(data[end], b')');
        assert!(!data[..start - 1].contains(&b'('));
        assert!(!data[end + 1..].contains(&b')'));
    }
}

/// Other process-controlled or root-controlled text: mountinfo (nsfs mount
/// points), cgroup (container ids), passwd (user names), cmdline (argv).
pub fn procfiles(data: &[u8]) {
    if data.len() > TEXT_CAP {
        return;
    }
    for (_ino, point) in openports::parse::mountinfo::nsfs_mounts(data) {
        assert!(point.len() <= data.len());
    }
    if let Some(id) = openports::parse::cgroup::container_id(data) {
        assert_inert(&id, "container id");
    }
    for name in passwd::passwd_names(data).values() {
        assert_inert(name, "user name");
    }
    let argv = process::join_argv(data);
    assert!(argv.len() <= data.len() && !argv.contains(&0));
}

// ---------------------------------------------------------------------------
// address files (issue 12)

/// Every address-file parser on the whole input (as each file), the assembled
/// namespace and the reach of a few binds in it.
pub fn addrs(data: &[u8]) {
    use openports::model::reach::{self, AddrFiles, NsAddrs, Reach, V4Side};
    use openports::parse::addrs as pa;
    if data.len() > TEXT_CAP {
        return;
    }
    for line in Lines::new(data) {
        if let Ok(r) = pa::if_inet6_line(line) {
            // Printed back the kernel's way, it parses to the same row.
            let mut back = r
                .addr
                .octets()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>();
            back.push_str(&format!(
                " {:02x} {:02x} {:02x} {:02x} {:>8}",
                r.ifindex,
                r.prefix,
                r.scope,
                r.flags,
                String::from_utf8_lossy(&r.ifname)
            ));
            if std::str::from_utf8(&r.ifname).is_ok() {
                assert_eq!(
                    pa::if_inet6_line(back.as_bytes()).as_ref(),
                    Ok(&r),
                    "{back}"
                );
            }
            assert!(r.prefix <= 128 && r.ifname.len() <= 15);
        }
        for order in [ByteOrder::Little, ByteOrder::Big] {
            if let Ok(r) = pa::route_line(line, order) {
                assert!(r.prefix_len() <= 32);
            }
        }
    }
    let trie = pa::fib_trie(data);
    for (a, _) in &trie.entries {
        // Every entry is a leaf of the input.
        let leaf = format!("|-- {a}");
        assert!(
            data.windows(leaf.len()).any(|w| w == leaf.as_bytes()),
            "{a}"
        );
    }
    let (names, _) = pa::dev_names(data);
    assert!(names.iter().all(|n| !n.is_empty() && n.len() <= 15));
    let _ = pa::bindv6only(data);
    if let Some(f) = pa::docker_proxy(data) {
        let argv0 = data.split(|&b| b == 0).find(|a| !a.is_empty()).unwrap();
        assert!(argv0.ends_with(b"docker-proxy"));
        let _ = f;
    }
    let files = AddrFiles {
        if_inet6: Some(data.to_vec()),
        fib_trie: Some(trie),
        routes: Some(reach::connected_routes(data, ByteOrder::NATIVE)),
        dev: Some(data.to_vec()),
        bindv6only: Some(data.to_vec()),
        ..AddrFiles::default()
    };
    let (ns, _) = NsAddrs::from_files(&files);
    for a in &ns.addrs {
        assert_inert(a.iface.as_deref().unwrap_or(""), "interface name");
    }
    for ip in [
        "0.0.0.0",
        "::",
        "10.0.0.1",
        "fe80::1",
        "::ffff:192.168.1.1",
        "224.0.0.251",
    ] {
        for side in [V4Side::No, V4Side::Conditional] {
            let mut n = 0;
            let mut best = None;
            let (r, _) = reach::reach(ip.parse().unwrap(), Some(&ns), side, &mut |a, _| {
                n += 1;
                best = best.max(Some(Reach::of_class(a.class)));
            });
            // Never above the best entry (conditional ones may not count); local
            // with none.
            assert!(r != Reach::Unknown);
            assert!(r <= best.unwrap_or(Reach::Local), "{ip}: {r:?} {best:?}");
            if n == 0 {
                assert_eq!(r, Reach::Local, "{ip}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// escaping

/// Characters that must never reach a terminal raw (mirrors render::escape).
pub fn dangerous(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// No control character and no bidirectional override (a terminal cannot be steered).
pub fn assert_inert(s: &str, what: &str) {
    if let Some(c) = s.chars().find(|&c| dangerous(c)) {
        panic!("{what} holds {c:?}: {s:?}");
    }
}

/// Bytes that are valid UTF-8 and, except for '\n', inert.
pub fn assert_no_controls(b: &[u8], what: &str) {
    let s = std::str::from_utf8(b).unwrap_or_else(|e| panic!("{what} is not UTF-8 ({e}): {b:?}"));
    for line in s.split('\n') {
        assert_inert(line, what);
    }
}

/// Undo `escape::terminal` / `escape::quoted`; `None` when the text is not
/// something they can produce.
pub fn unescape_terminal(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match it.next()? {
            '\\' => out.push(b'\\'),
            '"' => out.push(b'"'),
            'n' => out.push(b'\n'),
            't' => out.push(b'\t'),
            'r' => out.push(b'\r'),
            'x' => {
                let h: String = [it.next()?, it.next()?].iter().collect();
                out.push(u8::from_str_radix(&h, 16).ok()?);
            }
            'u' => {
                if it.next()? != '{' {
                    return None;
                }
                let mut h = String::new();
                loop {
                    match it.next()? {
                        '}' => break,
                        d => h.push(d),
                    }
                }
                let c = char::from_u32(u32::from_str_radix(&h, 16).ok()?)?;
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Check one JSON string field of untrusted bytes: lossless when the bytes are
/// UTF-8; otherwise U+FFFD in the text and the exact bytes in `<key>_hex`.
pub fn check_json_bytes(obj: &serde_json::Value, key: &str, want: &[u8]) {
    let text = obj[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {obj}"));
    let hex_key = format!("{key}_hex");
    match std::str::from_utf8(want) {
        Ok(s) => {
            assert_eq!(text, s, "{key} in {obj}");
            assert!(
                obj.get(&hex_key).is_none(),
                "{hex_key} for valid UTF-8 in {obj}"
            );
        }
        Err(_) => {
            assert_eq!(text, String::from_utf8_lossy(want), "{key} in {obj}");
            let hex = obj[&hex_key]
                .as_str()
                .unwrap_or_else(|| panic!("no {hex_key} for invalid UTF-8 in {obj}"));
            assert_eq!(unhex(hex).as_deref(), Some(want), "{hex_key} in {obj}");
        }
    }
}

pub fn unhex(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The escaping of untrusted bytes for the terminal and for JSON.
pub fn escape_text(data: &[u8]) {
    if data.len() > TEXT_CAP {
        return;
    }
    let t = escape::terminal(data);
    assert_inert(&t, "terminal text");
    assert_eq!(
        unescape_terminal(&t).as_deref(),
        Some(data),
        "terminal({data:?}) = {t:?} is ambiguous"
    );
    let q = escape::quoted(data);
    assert_inert(&q, "quoted text");
    assert_eq!(
        unescape_terminal(&q).as_deref(),
        Some(data),
        "quoted({data:?}) = {q:?} is ambiguous"
    );
    // A quoted name cannot close its quotes: every '"' is escaped.
    let mut prev_backslashes = 0usize;
    for c in q.chars() {
        if c == '"' {
            assert!(
                !prev_backslashes.is_multiple_of(2),
                "unescaped quote in {q:?}"
            );
        }
        prev_backslashes = if c == '\\' { prev_backslashes + 1 } else { 0 };
    }
    let mut js = String::new();
    let lossless = escape::json_str(&mut js, data);
    assert_eq!(lossless, std::str::from_utf8(data).is_ok());
    assert_inert(&js, "JSON text");
    let back: String = serde_json::from_str(&js).unwrap_or_else(|e| panic!("{js:?}: {e}"));
    assert_eq!(back, String::from_utf8_lossy(data));
    assert_eq!(unhex(&escape::hex(data)).as_deref(), Some(data));
}

// ---------------------------------------------------------------------------
// the line splitter

/// `lines::scan` and `lines::Lines` against a naive split. The first two bytes
/// pick the read chunk and the line limit, so small inputs cross every boundary.
pub fn lines(data: &[u8]) {
    if data.len() > LINES_CAP || data.len() < 2 {
        return;
    }
    let chunk = usize::from(data[0] % 64) + 1;
    let max_line = usize::from(data[1] % 80);
    let text = &data[2..];
    let mut naive: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.is_empty() || text.ends_with(b"\n") {
        naive.pop();
    }
    assert_eq!(Lines::new(text).collect::<Vec<_>>(), naive);
    let want: Vec<Result<(usize, Vec<u8>), usize>> = naive
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if l.len() > max_line {
                Err(i + 1)
            } else {
                Ok((i + 1, l.to_vec()))
            }
        })
        .collect();
    let mut got = Vec::new();
    scan(
        Pieces {
            data: text,
            sizes: &data[..2],
            k: 0,
        },
        chunk,
        max_line,
        |l| {
            got.push(match l {
                Line::Text(n, t) => Ok((n, t.to_vec())),
                Line::TooLong(n) => Err(n),
            });
            std::ops::ControlFlow::Continue(())
        },
    )
    .expect("reading a slice");
    assert_eq!(got, want, "chunk {chunk} max_line {max_line}");
}

// ---------------------------------------------------------------------------
// a whole run over a generated /proc tree

/// Separates the parts of a `run` input (see [`RUN_PARTS`]).
pub const SEP: &[u8] = b"\n\0%%\0\n";

/// The files of a `run` input, in order. `@` marks symlinks (the part is the
/// target); `@fd` holds one fd link target per line (fd 3, 4, …); `/` marks a
/// file at the root. An empty part leaves the file out. Tables live in
/// `PID/net/` (`net` links there, `self` links to `PID`), process files in
/// `PID/`; `passwd` and `policy` (for `check`) sit beside the root.
pub const RUN_PARTS: &[&str] = &[
    "net/tcp",
    "net/tcp6",
    "net/udp",
    "net/udp6",
    "net/raw",
    "net/raw6",
    "net/udplite",
    "comm",
    "cmdline",
    "@exe",
    "@fd",
    "status",
    "stat",
    "mountinfo",
    "cgroup",
    "@ns/net",
    "passwd",
    "policy",
    "/sys/kernel/hostname",
    "net/packet",
    "net/unix",
    "net/sctp/eps",
    "net/sctp/assocs",
    // Address files (issue 12), last so that older inputs keep their meaning.
    "net/if_inet6",
    "net/fib_trie",
    "net/route",
    "net/dev",
    "net/ip_tables_names",
];

/// The pid of the process in a generated tree.
pub const RUN_PID: u32 = 4242;

/// Split a `run` input into its parts (missing trailing parts are empty).
pub fn run_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(RUN_PARTS.len());
    let mut rest = data;
    while parts.len() + 1 < RUN_PARTS.len() {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(p) => {
                parts.push(&rest[..p]);
                rest = &rest[p + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts.resize(RUN_PARTS.len(), &[][..]);
    parts
}

/// Join parts into a `run` input.
pub fn join_parts(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.join(SEP)
}

/// The parts of a fixture /proc tree (testdata/*), as a `run` seed: tables from
/// `net/` (or the first process's `net/`), files of the first process with fds.
pub fn tree_to_parts(root: &Path) -> Option<Vec<Vec<u8>>> {
    use std::fs;
    let mut pids: Vec<u32> = fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    let proc_dir = pids
        .iter()
        .map(|p| root.join(p.to_string()))
        .find(|d| d.join("fd").is_dir());
    let net = if root.join("net").is_dir() {
        root.join("net")
    } else {
        pids.iter()
            .map(|p| root.join(format!("{p}/net")))
            .find(|d| d.is_dir())?
    };
    let mut parts = Vec::new();
    for name in RUN_PARTS {
        let part = if let Some(t) = name.strip_prefix("net/") {
            fs::read(net.join(t)).unwrap_or_default()
        } else if let Some(d) = &proc_dir {
            match *name {
                "@fd" => {
                    let mut fds: Vec<(u32, Vec<u8>)> = fs::read_dir(d.join("fd"))
                        .ok()?
                        .filter_map(|e| {
                            let e = e.ok()?;
                            let fd = e.file_name().to_str()?.parse().ok()?;
                            let t = fs::read_link(e.path()).ok()?;
                            Some((fd, t.into_os_string().into_encoded_bytes()))
                        })
                        .collect();
                    fds.sort();
                    fds.into_iter()
                        .map(|f| f.1)
                        .collect::<Vec<_>>()
                        .join(&b'\n')
                }
                "passwd" => fs::read(root.join("passwd")).unwrap_or_default(),
                // A policy beside the tree (testdata/policy/*.policy).
                "policy" => root
                    .parent()
                    .and_then(|p| fs::read_dir(p).ok())
                    .and_then(|rd| {
                        let mut v: Vec<PathBuf> = rd
                            .flatten()
                            .map(|e| e.path())
                            .filter(|p| p.extension().is_some_and(|x| x == "policy"))
                            .collect();
                        v.sort();
                        fs::read(v.first()?).ok()
                    })
                    .unwrap_or_default(),
                n if n.starts_with('/') => fs::read(root.join(&n[1..])).unwrap_or_default(),
                n if n.starts_with('@') => fs::read_link(d.join(&n[1..]))
                    .map(|t| t.into_os_string().into_encoded_bytes())
                    .unwrap_or_default(),
                n => fs::read(d.join(n)).unwrap_or_default(),
            }
        } else {
            Vec::new()
        };
        parts.push(part);
    }
    Some(parts)
}

fn write_tree(root: &Path, parts: &[&[u8]]) -> io::Result<()> {
    use std::fs;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;
    let os = std::ffi::OsStr::from_bytes;
    let pid = root.join(RUN_PID.to_string());
    fs::create_dir_all(pid.join("net"))?;
    fs::create_dir_all(pid.join("fd"))?;
    fs::create_dir_all(pid.join("ns"))?;
    symlink(RUN_PID.to_string(), root.join("self"))?;
    symlink(format!("{RUN_PID}/net"), root.join("net"))?;
    for (name, part) in RUN_PARTS.iter().zip(parts) {
        if part.is_empty() {
            continue;
        }
        match *name {
            "passwd" | "policy" => fs::write(root.with_extension(name), part)?,
            n if n.starts_with('/') => {
                let p = root.join(&n[1..]);
                fs::create_dir_all(p.parent().unwrap())?;
                fs::write(p, part)?;
            }
            "@fd" => {
                for (i, t) in part.split(|&b| b == b'\n').enumerate() {
                    // Targets the kernel cannot hold (empty, NUL) are left out.
                    let _ = symlink(os(t), pid.join(format!("fd/{}", i + 3)));
                }
            }
            n if n.starts_with('@') => {
                let _ = symlink(os(part), pid.join(&n[1..]));
            }
            n => {
                let p = pid.join(n);
                fs::create_dir_all(p.parent().unwrap())?;
                fs::write(p, part)?
            }
        }
    }
    Ok(())
}

/// A scratch directory for this thread, emptied before each use.
fn scratch() -> PathBuf {
    thread_local! {
        static DIR: PathBuf = {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // tmpfs when there is one: creating files on a disk file system costs
            // more than the run itself.
            let shm = Path::new("/dev/shm");
            let tmp = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
            let base = tmp.join("openports-fuzz");
            let _ = std::fs::create_dir_all(&base);
            // Leftovers of fuzz processes that have exited.
            if let Ok(rd) = std::fs::read_dir(&base) {
                for e in rd.flatten() {
                    let name = e.file_name();
                    let pid = name.to_str().and_then(|s| s.split('-').next()?.parse::<u32>().ok());
                    if pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists()) {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            base.join(format!("{}-{n}", std::process::id()))
        };
    }
    DIR.with(|d| d.clone())
}

/// A whole run (`openports -a -e` as a table and as JSON) over a /proc tree
/// built from the input: it must succeed, and its output must be well-formed,
/// inert and faithful to the process's bytes.
pub fn run(data: &[u8]) {
    if data.len() > RUN_CAP {
        return;
    }
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    let root = dir.join("proc");
    let parts = run_parts(data);
    write_tree(&root, &parts).expect("writing the tree");
    check_run(&root, &parts);
}

/// Run over a tree written from `parts` and check every output.
pub fn check_run(root: &Path, parts: &[&[u8]]) {
    let part = |name: &str| parts[RUN_PARTS.iter().position(|p| *p == name).unwrap()];
    let root_s = root.to_str().expect("scratch path is UTF-8");
    let passwd = root.with_extension("passwd");
    let base = [
        "--proc-root",
        root_s,
        "--passwd",
        passwd.to_str().unwrap(),
        "-a",
        "-e",
        "-tuw",
        "--udplite",
        "-0",
        "-x",
        "-S",
    ];

    // What the process's bytes are, as the tool should show them. comm comes
    // from `comm` (256 bytes at most, one trailing newline dropped), else from
    // `stat`; without either the process has no details.
    let comm = if part("comm").is_empty() {
        let stat = part("stat");
        process::stat_comm(&stat[..stat.len().min(4096)]).map(<[u8]>::to_vec)
    } else {
        let mut c = part("comm").to_vec();
        c.truncate(256);
        if c.last() == Some(&b'\n') {
            c.pop();
        }
        Some(c)
    };
    let cmdline = {
        let c = part("cmdline");
        process::join_argv(&c[..c.len().min(64 * 1024)])
    };
    let (exe, exe_deleted) = links::split_deleted(part("@exe").to_vec());
    // A target the kernel could not hold (empty, NUL, over PATH_MAX) is no link.
    let link = part("@exe");
    let exe = exe
        .filter(|_| comm.is_some() && !link.is_empty() && !link.contains(&0) && link.len() < 4096);
    let has_cmdline = comm.is_some() && !part("cmdline").is_empty();
    let comm = comm.unwrap_or_default();

    // Table.
    let cfg = config(&base);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let r = openports::run(&cfg, &mut out, &mut err);
    assert!(matches!(r, Ok(Exit::Ok)), "table run: {r:?}");
    assert_no_controls(&err, "stderr");
    assert_no_controls(&out, "table");
    let table = String::from_utf8(out).unwrap();
    assert!(table.is_empty() || table.ends_with('\n'));
    for row in table.lines().skip(1) {
        if !row.contains("users:(") {
            continue;
        }
        // The Process cell is the last column; an earlier column (a namespace
        // name) may hold the same text.
        let owners = row
            .match_indices("users:(")
            .find_map(|(at, m)| parse_users(&row[at + m.len()..]))
            .unwrap_or_else(|| panic!("unparsable process cell: {row:?}"));
        // Details (exe, cmd, exe-deleted) are shown once per process: on its first fd.
        for (i, o) in owners.iter().enumerate() {
            assert_eq!(o.pid, RUN_PID, "{row:?}");
            assert_eq!(o.comm, comm, "comm in {row:?}");
            let first = i == 0;
            if let Some(e) = exe.as_ref().filter(|_| first) {
                assert_eq!(o.exe.as_deref(), Some(&e[..]), "exe in {row:?}");
                assert_eq!(o.exe_deleted, exe_deleted, "{row:?}");
            } else {
                assert!(o.exe.is_none() && !o.exe_deleted, "{row:?}");
            }
            if first && has_cmdline {
                assert_eq!(o.cmd.as_deref(), Some(&cmdline[..]), "cmd in {row:?}");
            } else {
                assert!(o.cmd.is_none(), "{row:?}");
            }
        }
    }

    // JSON.
    let mut args = base.to_vec();
    args.push("-j");
    let cfg = config(&args);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let r = openports::run(&cfg, &mut out, &mut err);
    assert!(matches!(r, Ok(Exit::Ok)), "json run: {r:?}");
    assert_no_controls(&err, "stderr");
    let text = std::str::from_utf8(&out).expect("JSON output is UTF-8");
    assert_inert(&text.replace('\n', ""), "JSON output");
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        let Some(procs) = v["processes"].as_array() else {
            continue;
        };
        for p in procs {
            assert_eq!(p["pid"], RUN_PID, "{p}");
            check_json_bytes(p, "comm", &comm);
            if has_cmdline {
                check_json_bytes(p, "cmdline", &cmdline);
            }
            if let Some(e) = &exe {
                check_json_bytes(p, "exe", e);
                assert_eq!(p["exe_deleted"], exe_deleted, "{p}");
            }
        }
    }

    check_and_baseline(root, part("policy"));
}

/// `openports baseline` over the tree, then `check` against that baseline and
/// against the input's own policy: output inert and well-formed; a tree checked
/// against its own baseline has no violations.
fn check_and_baseline(root: &Path, policy: &[u8]) {
    let root_s = root.to_str().unwrap();
    let passwd = root.with_extension("passwd");
    let passwd = passwd.to_str().unwrap();
    let common = ["--proc-root", root_s, "--passwd", passwd];
    let go = |args: &[&str]| {
        let cfg = config(args);
        let mut out = Vec::new();
        let mut err = Vec::new();
        let r = openports::run(&cfg, &mut out, &mut err);
        assert_no_controls(&out, "stdout");
        assert_no_controls(&err, "stderr");
        if args.contains(&"-j") {
            for l in std::str::from_utf8(&out).unwrap().lines() {
                let _: serde_json::Value =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
            }
        }
        (r, out)
    };
    let (r, base) = go(&[&["baseline"][..], &common].concat());
    assert!(matches!(r, Ok(Exit::Ok)), "baseline: {r:?}");
    if let Err(e) = openports::parse::policy::parse(&base) {
        panic!(
            "baseline does not parse: {e}\n{}",
            String::from_utf8_lossy(&base)
        );
    }
    let base_file = root.with_extension("baseline");
    std::fs::write(&base_file, &base).unwrap();
    for j in [false, true] {
        let mut args = vec!["check", base_file.to_str().unwrap()];
        args.extend(common);
        if j {
            args.push("-j");
        }
        let (r, out) = go(&args);
        assert!(
            matches!(r, Ok(Exit::Ok)),
            "check against its own baseline: {r:?}\n{}\n{}",
            String::from_utf8_lossy(&base),
            String::from_utf8_lossy(&out)
        );
    }
    if !policy.is_empty() {
        let file = root.with_extension("policy");
        for j in [false, true] {
            let mut args = vec!["check", file.to_str().unwrap()];
            args.extend(common);
            if j {
                args.push("-j");
            }
            let (r, _) = go(&args);
            let parses = openports::parse::policy::parse(policy).is_ok();
            match r {
                Ok(Exit::Ok | Exit::Violations) => assert!(parses),
                Err(openports::error::Error::Usage(_) | openports::error::Error::Fatal(_)) => {
                    assert!(!parses, "a policy that parses is refused: {r:?}")
                }
                other => panic!("check: {other:?}"),
            }
        }
    }
}

/// One owner as the table's Process cell shows it.
#[derive(Debug, Default)]
pub struct CellOwner {
    pub comm: Vec<u8>,
    pub pid: u32,
    pub fd: u32,
    pub exe: Option<Vec<u8>>,
    pub cmd: Option<Vec<u8>>,
    pub exe_deleted: bool,
}

/// A quoted string at the start of `s` (after its opening quote): the escaped
/// text up to the first unescaped `"`, and the rest after it.
fn take_quoted(s: &str) -> Option<(Vec<u8>, &str)> {
    let mut esc = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !esc => esc = true,
            '"' if !esc => return Some((unescape_terminal(&s[..i])?, &s[i + 1..])),
            _ => esc = false,
        }
    }
    None
}

/// Parse `("comm",pid=N,fd=M[,user=U][,exe="…"][,cmd="…"][,exe-deleted]),(…))`,
/// the Process cell after `users:(`. `None` when it does not have that shape,
/// which is what a forged name would produce.
pub fn parse_users(mut s: &str) -> Option<Vec<CellOwner>> {
    let mut v = Vec::new();
    loop {
        s = s.strip_prefix("(\"")?;
        let (comm, rest) = take_quoted(s)?;
        let mut o = CellOwner {
            comm,
            ..CellOwner::default()
        };
        s = rest;
        while let Some(r) = s.strip_prefix(',') {
            let (key, r) = r.split_at(r.find(['=', ',', ')'])?);
            if let Some(r) = r.strip_prefix("=\"") {
                let (val, r) = take_quoted(r)?;
                match key {
                    "exe" => o.exe = Some(val),
                    "cmd" => o.cmd = Some(val),
                    _ => return None,
                }
                s = r;
            } else if let Some(r) = r.strip_prefix('=') {
                let end = r.find([',', ')'])?;
                let val = &r[..end];
                match key {
                    "pid" => o.pid = val.parse().ok()?,
                    "fd" => o.fd = val.parse().ok()?,
                    "user" | "uid" | "tid" => {}
                    _ => return None,
                }
                s = &r[end..];
            } else if key == "exe-deleted" || key == "exe-replaced" {
                o.exe_deleted = true;
                s = r;
            } else if key == "exe-other-mntns" {
                s = r;
            } else {
                return None;
            }
        }
        s = s.strip_prefix(')')?;
        v.push(o);
        if let Some(r) = s.strip_prefix(',') {
            s = r;
            continue;
        }
        return (s == ")").then_some(v);
    }
}

// ---------------------------------------------------------------------------
// the policy language (`openports check`)

/// `policy::parse`: an error names a line of the input and prints inert; every
/// rule's canonical text (what `baseline` writes) is inert and parses back to
/// the same rule.
pub fn policy(data: &[u8]) {
    if data.len() > TEXT_CAP {
        return;
    }
    match openports::parse::policy::parse(data) {
        Ok(p) => {
            for rule in &p.rules {
                let text = rule.to_string();
                assert_inert(&text, "rule text");
                let again = openports::parse::policy::parse(text.as_bytes())
                    .unwrap_or_else(|e| panic!("canonical text {text:?} of {rule:?} fails: {e}"));
                assert_eq!(again.rules.len(), 1, "{text:?}");
                let mut back = again.rules[0].clone();
                back.line = rule.line;
                assert_eq!(&back, rule, "canonical text {text:?}");
            }
        }
        Err(e) => {
            let lines = data.split(|&b| b == b'\n').count();
            assert!(e.line >= 1 && e.line <= lines, "{e}");
            assert!(e.col >= 1, "{e}");
            assert_inert(&e.to_string(), "policy error");
        }
    }
}

// ---------------------------------------------------------------------------
// ss filter expressions (the listing's FILTER, `-F FILE`)

/// `ssfilter::parse`: an error names a place inside the input and prints
/// inert; a filter that parses evaluates on any socket without panicking, and
/// `not` of it is its complement.
pub fn ssfilter(data: &[u8]) {
    if data.len() > TEXT_CAP {
        return;
    }
    let services = b"ssh 22/tcp\nhttp 80/tcp www\nodd 100/tcp\nodd 101/udp\n";
    let resolve = |n: &[u8]| openports::parse::ssfilter::service_port(services, n, true, true);
    match openports::parse::ssfilter::parse(data, None, &resolve) {
        Ok(f) => {
            let Some(e) = f.expr else { return };
            let not = openports::parse::ssfilter::Expr::Not(Box::new(e.clone()));
            for (l, r) in [
                ("127.0.0.1:22", "0.0.0.0:0"),
                ("[::ffff:10.0.0.5]:80", "[::ffff:10.0.0.9]:40000"),
                ("[fe80::1]:443", "[::1]:1"),
            ] {
                let ep = |t: &str| {
                    let (a, p) = t.rsplit_once(':').unwrap();
                    let a = a.trim_start_matches('[').trim_end_matches(']');
                    openports::model::socket::Endpoint {
                        ip: a.parse().unwrap(),
                        port: p.parse().unwrap(),
                    }
                };
                let s = openports::model::socket::Socket {
                    ns: 0,
                    proto: Proto::Tcp,
                    family: if l.starts_with('[') {
                        Family::Inet6
                    } else {
                        Family::Inet
                    },
                    state: 1,
                    local: ep(l),
                    remote: ep(r),
                    recv_q: 0,
                    send_q: 0,
                    uid: 0,
                    inode: 1,
                    detail: None,
                };
                let (a, b) = (
                    openports::collect::filter::eval(&e, &s),
                    openports::collect::filter::eval(&not, &s),
                );
                assert_ne!(a, b, "{e:?}");
            }
        }
        Err(e) => {
            let lines = data.split(|&b| b == b'\n').count();
            assert!(e.line >= 1 && e.line <= lines, "{e}");
            assert!(e.col >= 1, "{e}");
            assert_inert(&e.to_string(), "filter error");
        }
    }
}

// ---------------------------------------------------------------------------
// seeds

/// The target a testdata file seeds, by its name (`tcp`, `tcp-crlf`, `status`…).
fn seed_target(name: &str) -> Option<&'static str> {
    if name.ends_with(".policy") {
        return Some("policy");
    }
    if name.ends_with(".ssfilter") {
        return Some("ssfilter");
    }
    let stem = name.split(['-', '.']).next().unwrap_or(name);
    Some(match stem {
        "tcp" => "inet_tcp",
        "tcp6" => "inet_tcp6",
        "udp" | "udplite" => "inet_udp",
        "udp6" | "udplite6" | "raw6" => "inet_udp6",
        "raw" => "inet_raw",
        "status" | "stat" => "status",
        "comm" => "escape",
        "cmdline" | "mountinfo" | "cgroup" | "passwd" => "procfiles",
        "packet" => "packet",
        "unix" => "unix",
        "eps" | "assocs" => "sctp",
        "igmp" | "dev_mcast" | "if_inet6" => "ifnames",
        "fib_trie" | "route" | "dev" | "bindv6only" => "addrs",
        _ => return None,
    })
}

/// Seeds for every target from a testdata directory: table and process files by
/// name, symlink targets for `link`, and every fixture /proc tree (a directory
/// with `net/` or `self`) serialized for `run`. Returns (target, seed name, bytes).
pub fn seeds(testdata: &Path) -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![testdata.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        let rel = |p: &Path| {
            p.strip_prefix(testdata)
                .unwrap_or(p)
                .to_string_lossy()
                .replace(['/', ' '], "_")
        };
        let name_is_pid = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !name_is_pid
            && (dir.join("net").is_dir() || dir.join("self").exists())
            && let Some(parts) = tree_to_parts(&dir)
        {
            out.push(("run", format!("seed-{}", rel(&dir)), join_parts(&parts)));
        }
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if ft.is_symlink() {
                if let Ok(t) = std::fs::read_link(&path) {
                    out.push((
                        "link",
                        format!("seed-{}", rel(&path)),
                        t.into_os_string().into_encoded_bytes(),
                    ));
                }
            } else if ft.is_dir() {
                if name != "expected" {
                    stack.push(path);
                }
            } else if let Some(t) = seed_target(&name)
                && let Ok(b) = std::fs::read(&path)
            {
                if t.starts_with("inet_") {
                    // `lines`: read chunk 16, line limit 60 (some real rows are longer).
                    let mut l = vec![15u8, 60];
                    l.extend_from_slice(&b);
                    out.push(("lines", format!("seed-{}", rel(&path)), l));
                }
                out.push((t, format!("seed-{}", rel(&path)), b));
            }
        }
    }
    out
}

/// Remove this thread's scratch directory (after replaying `run` inputs).
pub fn clean_scratch() {
    let _ = std::fs::remove_dir_all(scratch());
}
