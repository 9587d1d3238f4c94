//! The `check` and `baseline` flows on a hand-built snapshot: baselines that
//! parse back, rules that name namespaces and holders, violations.

use super::baseline::*;
use super::check::*;
use crate::model::owners::ProcInfo;
use crate::model::socket::{Proto, Socket};
use crate::parse::policy;
use crate::policy::evaluate::{evaluate, is_checked, subject};
use crate::render::View;
use crate::render::baseline::write_rules;
use crate::render::check::deleted_text;
#[test]
fn utc_dates_agree_with_gnu_date() {
    // `date -u -d @N '+%Y-%m-%d %H:%M:%S'`
    for (secs, want) in [
        (0, "1970-01-01 00:00:00 UTC"),
        (951_782_400, "2000-02-29 00:00:00 UTC"),
        (1_709_251_199, "2024-02-29 23:59:59 UTC"),
        (4_102_444_800, "2100-01-01 00:00:00 UTC"),
        (1_234_567_890, "2009-02-13 23:31:30 UTC"),
        (253_402_300_799, "9999-12-31 23:59:59 UTC"),
    ] {
        assert_eq!(utc(secs), want, "{secs}");
    }
}

#[test]
fn civil_from_days_is_consecutive() {
    // Every day of 1969..=2401 follows the previous one.
    let mut prev = civil_from_days(-366);
    for d in -365..158_000 {
        let cur = civil_from_days(d);
        let next_in_month = (prev.0, prev.1, prev.2 + 1);
        let next_month = (prev.0, prev.1 + 1, 1);
        let next_year = (prev.0 + 1, 1, 1);
        assert!(
            cur == next_in_month || cur == next_month || cur == next_year,
            "{prev:?} -> {cur:?}"
        );
        prev = cur;
    }
}

use crate::model::map::{ById, IdNames};
use crate::model::netns::Netns;
use crate::model::owners::{Owner, OwnerIndex};
use crate::model::socket::{Endpoint, Family, state};
use std::net::IpAddr;

struct World {
    sockets: Vec<Socket>,
    namespaces: Vec<Netns>,
    owners: OwnerIndex,
    procs: ById<ProcInfo>,
    users: IdNames,
}

fn sock(ns: u32, proto: Proto, ip: &str, port: u16, st: u8, inode: u64) -> Socket {
    let ip: IpAddr = ip.parse().unwrap();
    let unspecified: IpAddr = if ip.is_ipv4() {
        "0.0.0.0".parse().unwrap()
    } else {
        "::".parse().unwrap()
    };
    Socket {
        ns,
        proto,
        family: if ip.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        },
        state: st,
        local: Endpoint { ip, port },
        remote: Endpoint {
            ip: unspecified,
            port: 0,
        },
        recv_q: 0,
        send_q: 0,
        uid: 0,
        inode,
        detail: None,
    }
}

fn info(comm: &str, uid: u32, exe: &str, deleted: bool) -> ProcInfo {
    ProcInfo {
        comm: comm.as_bytes().to_vec(),
        uid: Some(uid),
        exe: Some(exe.as_bytes().to_vec()),
        exe_deleted: deleted,
        exe_id: crate::model::owners::ExeId::PathOnly,
        ..ProcInfo::default()
    }
}

/// Host, a container, an `ip netns` namespace named like a number, and one
/// named "host"; forked workers, a kernel socket, a loopback listener, a
/// connection, a deleted executable and a comm with a quote and a blank.
fn world() -> World {
    let ns = |inode, host: bool| Netns {
        inode: Some(inode),
        host,
        ..Netns::default()
    };
    let namespaces = vec![
        ns(4026531840, true),
        Netns {
            container: Some("3f2a9c0d1e2b4a5c6d7e8f9a".into()),
            ..ns(4026532500, false)
        },
        Netns {
            name: Some("42".into()),
            ..ns(4026532600, false)
        },
        Netns {
            name: Some("host".into()),
            ..ns(4026532700, false)
        },
        ns(4026532800, false),
    ];
    let sockets = vec![
        sock(0, Proto::Tcp, "0.0.0.0", 22, state::LISTEN, 1),
        sock(0, Proto::Tcp, "::", 22, state::LISTEN, 2),
        sock(0, Proto::Tcp, "0.0.0.0", 80, state::LISTEN, 3),
        sock(0, Proto::Tcp, "127.0.0.1", 5432, state::LISTEN, 4),
        sock(0, Proto::Tcp, "10.0.0.5", 22, state::ESTABLISHED, 5),
        sock(0, Proto::Udp, "0.0.0.0", 4789, state::CLOSE, 6),
        sock(0, Proto::Udp, "::ffff:10.0.0.5", 5353, state::CLOSE, 7),
        sock(1, Proto::Tcp, "0.0.0.0", 8080, state::LISTEN, 8),
        sock(2, Proto::Tcp, "0.0.0.0", 8080, state::LISTEN, 9),
        sock(3, Proto::Tcp, "fe80::1", 8080, state::LISTEN, 10),
        sock(4, Proto::Udp, "0.0.0.0", 53, state::CLOSE, 11),
    ];
    let o = |pid, fd| Owner { pid, tid: 0, fd };
    let owners = OwnerIndex::from_entries(vec![
        (1, o(100, 3)),
        (2, o(100, 4)),
        (3, o(200, 6)),
        (3, o(201, 6)),
        (4, o(300, 5)),
        (5, o(101, 4)),
        (7, o(400, 9)),
        (8, o(500, 3)),
        (9, o(600, 3)),
        (10, o(700, 3)),
        (11, o(800, 3)),
    ]);
    let procs = ById::from_iter([
        (100, info("sshd", 0, "/usr/sbin/sshd", false)),
        (101, info("sshd", 0, "/usr/sbin/sshd", false)),
        (200, info("nginx", 0, "/usr/sbin/nginx", true)),
        (201, info("nginx", 33, "/usr/sbin/nginx", true)),
        (300, info("postgres", 105, "/usr/bin/postgres", true)),
        (
            400,
            info("avahi-daemon", 0, "/usr/sbin/avahi-daemon", false),
        ),
        (500, info("my \"app\"", 1000, "/app/server", false)),
        (600, info("42", 0, "/bin/x", false)),
        (700, info("h\x1b[0m", 0, "/bin/y", false)),
        (800, info("dnsmasq", 0, "/usr/sbin/dnsmasq", false)),
    ]);
    let users = IdNames::from_iter([(0, "root".into()), (33, "www-data".into())]);
    World {
        sockets,
        namespaces,
        owners,
        procs,
        users,
    }
}

fn view(w: &World) -> View<'_> {
    View {
        sockets: &w.sockets,
        namespaces: &w.namespaces,
        owners: Some(&w.owners),
        procs: &w.procs,
        users: &w.users,
        groups: &w.users,
        full_visibility: true,
        unseen: None,
        extended: false,
        header: true,
        color: false,
        netns_column: true,
        exposure_column: false,
        reach: None,
    }
}

fn checked<'a>(v: &View<'a>, loopback: bool) -> Vec<&'a Socket> {
    v.sockets
        .iter()
        .filter(|s| is_checked(s, loopback))
        .collect()
}

#[test]
fn baseline_text_parses_back_and_allows_exactly_the_listeners() {
    let w = world();
    let v = view(&w);
    for loopback in [false, true] {
        let mut text = String::new();
        write_rules(&mut text, &baseline_rules(&v, loopback));
        let pol = policy::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let ch = checked(&v, loopback);
        assert_eq!(ch.len(), if loopback { 10 } else { 9 });
        assert_eq!(pol.rules.len(), ch.len(), "{text}");
        let verdict = evaluate(&v, &pol, &ch);
        assert_eq!(verdict.violations, Vec::<usize>::new(), "{text}");
        assert!(verdict.used.iter().all(|&u| u), "{text}");
        // Each rule allows its own listener and no other.
        for (k, r) in pol.rules.iter().enumerate() {
            let hits: Vec<usize> = (0..ch.len())
                .filter(|&i| r.matches(&subject(&v, ch[i])))
                .collect();
            assert_eq!(hits, vec![k], "{r}");
        }
    }
}

#[test]
fn baseline_rules_name_namespaces_and_first_holder() {
    let w = world();
    let v = view(&w);
    let mut text = String::new();
    write_rules(&mut text, &baseline_rules(&v, false));
    assert_eq!(
        text,
        "\
allow tcp 22   0.0.0.0         netns=host comm=sshd
allow tcp 22   ::              netns=host comm=sshd
allow tcp 80   0.0.0.0         netns=host comm=nginx
allow udp 4789 0.0.0.0         netns=host  # kernel socket: no process holds it
allow udp 5353 ::ffff:10.0.0.5 netns=host comm=avahi-daemon
allow tcp 8080 0.0.0.0         container=3f2a9c0d1e2b comm=\"my \\\"app\\\"\"
allow tcp 8080 0.0.0.0         netns=\"42\" comm=42
allow tcp 8080 fe80::1         netns=\"host\" comm=\"h\\x1b[0m\"
allow udp 53   0.0.0.0         netns=4026532800 comm=dnsmasq
"
    );
}

#[test]
fn violations_and_deleted_executables() {
    let w = world();
    let v = view(&w);
    let ch = checked(&v, false);
    let pol = policy::parse(
        b"allow tcp 22 comm=sshd\nallow udp * netns=host\nallow tcp 8080 container=3f2a9c\nallow tcp 9999\n",
    )
    .unwrap();
    let verdict = evaluate(&v, &pol, &ch);
    let ports: Vec<(u16, u32)> = verdict
        .violations
        .iter()
        .map(|&k| (ch[k].local.port, ch[k].ns))
        .collect();
    assert_eq!(ports, vec![(80, 0), (8080, 2), (8080, 3), (53, 4)]);
    assert_eq!(verdict.used, vec![true, true, true, false]);
    // nginx's two processes both hold 0.0.0.0:80; postgres is on loopback,
    // so it is not checked and not warned about.
    let d = deleted_exes(&v, &ch);
    let got: Vec<(u32, usize)> = d.iter().map(|d| (d.pid, d.sockets.len())).collect();
    assert_eq!(got, vec![(200, 1), (201, 1)]);
    assert_eq!(
        deleted_text(&d[0]),
        "warning: pid 200 (nginx) runs deleted executable /usr/sbin/nginx, listening on tcp 0.0.0.0:80"
    );
    let d = deleted_exes(&v, &checked(&v, true));
    assert_eq!(
        d.iter().map(|d| d.pid).collect::<Vec<_>>(),
        vec![200, 201, 300]
    );
}

#[test]
fn and_list_joins() {
    assert_eq!(and_list(&["tcp"]), "tcp");
    assert_eq!(and_list(&["tcp", "udp"]), "tcp and udp");
    assert_eq!(and_list(&["tcp", "udp", "raw"]), "tcp, udp and raw");
}

/// What `baseline` writes into its `# Check later with:` line reads back to
/// the same word in a shell, and never holds a raw control.
#[test]
fn shell_quote_round_trips_through_sh() {
    use crate::cmd::baseline::shell_quote;
    for w in [
        &b"blue"[..],
        b"my ns",
        b"it's",
        b"a\"b$(id)`x`",
        b"evil\n# allow tcp *",
        b"\x1b]0;t\x07",
        "x\u{202e}y".as_bytes(),
    ] {
        let q = shell_quote(w);
        assert!(!q.chars().any(crate::render::escape::is_dangerous), "{q:?}");
        let out = std::process::Command::new("bash")
            .args(["-c", &format!("printf %s {q}")])
            .output()
            .unwrap();
        assert_eq!(out.stdout, w, "{q}");
    }
    assert_eq!(shell_quote(b"blue"), "blue");
    assert_eq!(shell_quote(b"it's"), "'it'\\''s'");
}

// --- what each command asks collect for

fn parsed(args: &[&str]) -> crate::cli::Config {
    match crate::cli::parse_from(args.iter().copied()) {
        Ok(crate::cli::Parsed::Run(cfg)) => cfg,
        other => panic!("{args:?}: {other:?}"),
    }
}

#[test]
fn the_listing_asks_for_what_its_options_say() {
    let r = super::listing_request(&parsed(&["-a", "--exposed", "-e", "-N", "self", "-x"]));
    assert!(r.all_states && r.exposed && r.details && r.reach && r.processes);
    assert_eq!(r.protos, vec![Proto::Unix]);
    assert_eq!(r.netns.len(), 1);
    let r = super::listing_request(&parsed(&["state", "established", "sport", "=", ":22"]));
    assert!(r.states.is_some() && r.expr.is_some() && !r.details && !r.reach);
    assert!(super::listing_request(&parsed(&["-s"])).counters);
    assert!(super::listing_request(&parsed(&["-j", "--no-processes"])).details);
    assert!(!super::listing_request(&parsed(&["--no-processes"])).processes);
}

#[test]
fn a_policy_is_checked_against_listeners_whatever_the_listing_options() {
    // watch --policy takes the listing's -a, --exposed and filter; the policy
    // still sees every listener of the selected kinds.
    let cfg = parsed(&[
        "watch",
        "--policy",
        "p",
        "-a",
        "--exposed",
        "-u",
        "state",
        "listening",
        "sport",
        ":53",
    ]);
    let r = super::listener_request(&cfg);
    assert!(!r.all_states && !r.exposed && r.states.is_none());
    assert!(r.expr.is_some(), "the expression still selects");
    assert!(r.reach, "watch shows reach");
    assert_eq!(r.protos, vec![Proto::Udp]);
    // baseline's table shows no reach; check's violations do.
    assert!(!super::listener_request(&parsed(&["baseline"])).reach);
    assert!(super::listener_request(&parsed(&["check", "p"])).reach);
    // The request is built from the options: the Config is not changed.
    assert!(cfg.exposed && cfg.states == crate::cli::States::All);
}
