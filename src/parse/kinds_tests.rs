//! Tests with real lines, each named after where it was captured. SCTP lines
//! are built exactly as `net/sctp/proc.c` prints them (this kernel has no SCTP).

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn linux_6_18_x86_64_proc_net_packet_rows() {
    // Python sockets on Linux 6.18: ETH_P_ALL raw unbound, ip dgram on eth0 (4),
    // LLDP raw on lo (1), 0x1234 raw, and a protocol-0 socket that is not running.
    let all =
        packet_line(b"00000000a344eab1 3      3    0003   0     1 0      0      57137 ").unwrap();
    assert_eq!(
        all,
        PacketRow {
            sock_type: 3,
            protocol: 3,
            ifindex: 0,
            running: true,
            rmem: 0,
            uid: 0,
            inode: 57137
        }
    );
    let ip4 =
        packet_line(b"00000000bd2ca4a1 3      2    0800   4     1 0      0      57138 ").unwrap();
    assert_eq!((ip4.sock_type, ip4.protocol, ip4.ifindex), (2, 0x0800, 4));
    let lldp =
        packet_line(b"000000006b21cc43 3      3    88cc   1     1 0      0      57139 ").unwrap();
    assert_eq!((lldp.protocol, lldp.ifindex), (0x88cc, 1));
    let idle =
        packet_line(b"000000005be88be4 2      3    0000   0     0 0      0      57141 ").unwrap();
    assert!(!idle.running);
    assert_eq!(idle.protocol, 0);
}

#[test]
fn packet_rows_that_are_not_kernel_output_are_rejected() {
    for (line, col) in [
        (
            &b"00000000a344eab1 3      3    00003  0     1 0      0      57137"[..],
            30,
        ),
        (
            b"00000000a344eab1 3      3    0003   0     2 0      0      57137",
            43,
        ),
        (b"00000000a344eab1 3      3    0003   0     1 0      0", 53),
        (
            b"00000000a344eab1 3      3    0003   -1    1 0      0      57137",
            37,
        ),
        (b"zz", 1),
    ] {
        assert_eq!(packet_line(line).unwrap_err().col, col, "{line:?}");
    }
}

#[test]
fn ss_names_packet_protocols_as_iproute2_6_1_does() {
    // `ss -0p` on the sockets above printed *, ip, LLDP, [4660] and [0].
    assert_eq!(ethertype_name(3), Some("*"));
    assert_eq!(ethertype_name(0x0800), Some("ip"));
    assert_eq!(ethertype_name(0x88cc), Some("LLDP"));
    assert_eq!(ethertype_name(0x86dd), Some("ipv6"));
    assert_eq!(ethertype_name(0x1234), None);
    assert_eq!(ethertype_name(0), None);
}

#[test]
fn linux_6_18_x86_64_proc_net_unix_rows() {
    // Captured in a fresh network namespace from Python sockets (see
    // testdata/linux-6.18-kinds/README.md).
    let l = unix_line(
        b"000000009c8a4de9: 00000002 00000000 00010000 0001 01 104069 /tmp/k14u/world.sock",
    )
    .unwrap();
    assert!(l.listening());
    assert_eq!((l.sock_type, l.st, l.inode), (1, 1, 104069));
    assert_eq!(l.name, Some(&b"/tmp/k14u/world.sock"[..]));
    // A name with a space in it is the whole rest of the line.
    let s = unix_line(
        b"00000000c61c4cb2: 00000002 00000000 00010000 0005 01 104071 /tmp/k14u/seq sock",
    )
    .unwrap();
    assert_eq!((s.sock_type, s.name), (5, Some(&b"/tmp/k14u/seq sock"[..])));
    // Abstract, with a NUL byte inside: the kernel prints both as '@'.
    let a =
        unix_line(b"00000000ce8eb8ff: 00000002 00000000 00010000 0001 01 104070 @k14abs@with-nul")
            .unwrap();
    assert_eq!(a.name, Some(&b"@k14abs@with-nul"[..]));
    // The empty abstract name.
    let e = unix_line(b"0000000071ea71ab: 00000002 00000000 00010000 0001 01 104077 @").unwrap();
    assert_eq!(e.name, Some(&b"@"[..]));
    // Unbound, connected (socketpair): inode padded to 5 columns, no name.
    let p = unix_line(b"000000000899d3ac: 00000003 00000000 00000000 0001 03 104075").unwrap();
    assert_eq!((p.listening(), p.st, p.name), (false, 3, None));
    let short = unix_line(b"0000000053e8b3e6: 00000003 00000000 00000000 0001 03  1061").unwrap();
    assert_eq!(short.inode, 1061);
    // An embryo connection in a listener's queue: no struct socket, inode 0.
    let emb = unix_line(
        b"0000000076094bd3: 00000003 00000000 00000000 0001 02     0 /tmp/k14u/world.sock",
    )
    .unwrap();
    assert_eq!((emb.st, emb.inode), (2, 0));
}

#[test]
fn unix_rows_that_are_not_kernel_output_are_rejected() {
    let long = [b'a'; 109];
    let mut line = b"000000009c8a4de9: 00000002 00000000 00010000 0001 01 104069 ".to_vec();
    line.extend_from_slice(&long);
    assert_eq!(unix_line(&line).unwrap_err().col, 61);
    assert!(unix_line(b"000000009c8a4de9 00000002 00000000 00010000 0001 01 104069").is_err());
    assert!(unix_line(b"000000009c8a4de9: 00000002 00000000 00010000 0001 101 104069").is_err());
    assert!(unix_line(b"000000009c8a4de9: 00000002 00000000 00010000 0001 01").is_err());
    assert!(unix_line(b"000000009c8a4de9: 00000002 00000000 00010000 0001 01 1x").is_err());
    // CRLF and trailing padding are not names.
    assert_eq!(
        unix_line(b"000000000899d3ac: 00000003 00000000 00000000 0001 03 104075\r")
            .unwrap()
            .name,
        None
    );
    assert_eq!(
        unix_line(b"000000000899d3ac: 00000003 00000000 00000000 0001 03 104075 ")
            .unwrap()
            .name,
        None
    );
}

// /proc/net/sctp/eps as sctp_eps_seq_show prints it: "%8pK %8pK %-3d %-3d %-4d
// %-5d %5u %5lu " then "%pI4 " / "%pI6 " per address.
const EPS_MULTI: &[u8] =
    b"0000000000000000 0000000000000000 2   10  31   3868       0 48123 10.0.0.5 192.168.7.5 ";
const EPS_V6: &[u8] = b"0000000000000000 0000000000000000 0   10  12   2905     998 48200 0000:0000:0000:0000:0000:0000:0000:0000 ";

#[test]
fn sctp_eps_rows_as_net_sctp_proc_c_prints_them() {
    let r = sctp_ep_line(EPS_MULTI).unwrap();
    assert_eq!(
        (r.sty, r.sst, r.lport, r.uid, r.inode),
        (2, 10, 3868, 0, 48123)
    );
    assert_eq!(r.laddrs, vec![ip("10.0.0.5"), ip("192.168.7.5")]);
    let r = sctp_ep_line(EPS_V6).unwrap();
    assert_eq!((r.sty, r.lport, r.uid), (0, 2905, 998));
    assert_eq!(r.laddrs, vec![ip("::")]);
    assert!(
        sctp_ep_line(b"0000000000000000 0000000000000000 2   10  31   3868       0 48123 ")
            .is_err()
    );
    assert!(
        sctp_ep_line(
            b"0000000000000000 0000000000000000 2   10  31   3868       0 48123 10.0.0.300 "
        )
        .is_err()
    );
    assert!(
        sctp_ep_line(
            b"0000000000000000 0000000000000000 2   10  31   70000      0 48123 10.0.0.3 "
        )
        .is_err()
    );
}

// /proc/net/sctp/assocs as sctp_assocs_seq_show prints it, with the counters
// after a tab (Linux 6.x).
const ASSOC: &[u8] = b"0000000000000000 0000000000000000 2   1   3  0       1        0        0       0 48125 3868  40000  *10.0.0.5 192.168.7.5 <-> *10.0.0.9 192.168.7.9 \t    1000    10    10   10    0    0        0        1        0   212992   212992";

#[test]
fn sctp_assocs_rows_as_net_sctp_proc_c_prints_them() {
    let r = sctp_assoc_line(ASSOC).unwrap();
    assert_eq!((r.sty, r.sst, r.st, r.assoc_id), (2, 1, 3, 1));
    assert_eq!((r.uid, r.inode, r.lport, r.rport), (0, 48125, 3868, 40000));
    assert_eq!(
        r.laddrs,
        vec![(ip("10.0.0.5"), true), (ip("192.168.7.5"), false)]
    );
    assert_eq!(
        r.raddrs,
        vec![(ip("10.0.0.9"), true), (ip("192.168.7.9"), false)]
    );
    assert_eq!(r.primary_peer(), Some(ip("10.0.0.9")));
    // Older kernels end the line after the remote addresses.
    let old = b"0000000000000000 0000000000000000 0   1   3  0       2        0        0    1000 48126 3868  40001  fe80:0000:0000:0000:0000:0000:0000:0001 <-> fe80:0000:0000:0000:0000:0000:0000:0002 ";
    let r = sctp_assoc_line(old).unwrap();
    assert_eq!(r.laddrs, vec![(ip("fe80::1"), false)]);
    assert_eq!(r.primary_peer(), Some(ip("fe80::2")));
    assert!(sctp_assoc_line(b"0000000000000000 0000000000000000 2   1   3  0       1        0        0       0 48125 3868  40000  *10.0.0.5 ").is_err());
}

#[test]
fn linux_6_18_interface_names_from_dev_mcast_igmp_if_inet6() {
    let mc = b"2    ifb0            1     0     333300000001\n4    eth0            1     0     333300000001\n4    eth0            1     0     01005e000001\n";
    assert_eq!(
        ifindex_names(IfFile::DevMcast, mc),
        vec![(2, b"ifb0".to_vec()), (4, b"eth0".to_vec())]
    );
    let igmp = b"Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n4\teth0      :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n12\tveth-longname:     1      V3\n";
    assert_eq!(
        ifindex_names(IfFile::Igmp, igmp),
        vec![
            (1, b"lo".to_vec()),
            (4, b"eth0".to_vec()),
            (12, b"veth-longname".to_vec())
        ]
    );
    let v6 = b"fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n00000000000000000000000000000001 01 80 10 80       lo\n";
    assert_eq!(
        ifindex_names(IfFile::IfInet6, v6),
        vec![(4, b"eth0".to_vec()), (1, b"lo".to_vec())]
    );
    // Junk is skipped, not misread.
    assert!(ifindex_names(IfFile::DevMcast, b"x eth0\n4 a/b 1 0 00\n").is_empty());
}

#[test]
fn linux_6_18_x86_64_captured_tables_parse_whole() {
    // Every row of the captures in testdata/linux-6.18-kinds parses, and they
    // hold what `ss` printed at the same moment.
    let unix = include_bytes!("../../testdata/linux-6.18-kinds/unix");
    let rows: Vec<UnixRow<'_>> = crate::parse::lines::Lines::new(unix)
        .skip(1)
        .map(|l| unix_line(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows.iter().filter(|r| r.listening()).count(), 6);
    // The forged row parses like any other: only its context tells.
    assert!(
        rows.iter()
            .any(|r| r.inode == 99999 && r.name == Some(&b"/run/forged.sock"[..]))
    );
    assert!(rows.iter().any(|r| r.name == Some(&b"@evil"[..])));
    let packet = include_bytes!("../../testdata/linux-6.18-kinds/packet");
    let rows: Vec<PacketRow> = crate::parse::lines::Lines::new(packet)
        .skip(1)
        .map(|l| packet_line(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(
        rows.iter()
            .filter(|r| r.protocol == 3 && r.rmem > 0)
            .count(),
        2
    );
    assert_eq!(rows.iter().filter(|r| !r.running).count(), 2);
}
