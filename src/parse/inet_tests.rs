//! Parser tests with real lines, each named after where the line was captured.

use super::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const LE: ByteOrder = ByteOrder::Little;
const BE: ByteOrder = ByteOrder::Big;

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse::<Ipv4Addr>().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}

fn ep(ip: IpAddr, port: u16) -> Endpoint {
    Endpoint { ip, port }
}

#[test]
fn linux_6_18_x86_64_proc_net_tcp_listen_row() {
    // /proc/net/tcp on Linux 6.18 x86_64 (padded to 149 columns).
    let line = b"   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 491 1 00000000403ff616 100 0 0 10 0                       ";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.sl, 0);
    assert_eq!(r.local, ep(v4("0.0.0.0"), 2024));
    assert_eq!(r.remote, ep(v4("0.0.0.0"), 0));
    assert_eq!(r.state, 0x0A);
    assert_eq!((r.tx_queue, r.rx_queue), (0, 0));
    assert_eq!((r.timer, r.expires, r.retransmits), (0, 0, 0));
    assert_eq!((r.uid, r.timeout, r.inode), (0, 0, 491));
    assert_eq!(r.refcnt, Some(1));
    assert_eq!(r.pointer, Some(0x403ff616));
    assert_eq!(
        (r.rto, r.ato, r.quick_pingpong, r.cwnd, r.ssthresh),
        (Some(100), Some(0), Some(0), Some(10), Some(0))
    );
    assert_eq!(r.drops, None);
}

#[test]
fn linux_6_18_x86_64_proc_net_tcp_time_wait_row_is_short() {
    // TIME-WAIT rows (get_timewait4_sock): inode 0, refcnt, pointer, nothing more.
    let line = b"   1: 0100007F:1FA3 0100007F:8860 06 00000000:00000000 03:00000858 00000000     0        0 0 3 00000000f0285a06                                      ";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.local, ep(v4("127.0.0.1"), 8099));
    assert_eq!(r.remote, ep(v4("127.0.0.1"), 0x8860));
    assert_eq!(r.state, 0x06);
    assert_eq!((r.timer, r.expires), (3, 0x858));
    assert_eq!(r.inode, 0);
    assert_eq!(r.refcnt, Some(3));
    assert_eq!(r.rto, None);
}

#[test]
fn linux_6_18_x86_64_proc_net_tcp6_loopback_listener() {
    let line = b"   0: 00000000000000000000000001000000:76E7 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 197115 1 00000000fd71a490 100 0 0 10 0";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.local, ep(v6("::1"), 0x76E7));
    assert_eq!(r.remote, ep(v6("::"), 0));
    assert_eq!(r.inode, 197115);
}

#[test]
fn linux_6_18_x86_64_proc_net_udp_bucket_and_drops() {
    // udp4_format_sock: the first column is the hash bucket (wide), then ref pointer drops.
    let line = b" 9912: 01001E7F:2710 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 168522 2 00000000a3333027 0        ";
    let r = inet_line(line, TableKind::Datagram, LE).unwrap();
    assert_eq!(r.sl, 9912);
    assert_eq!(r.local, ep(v4("127.30.0.1"), 10000));
    assert_eq!(r.state, 0x07);
    assert_eq!(r.inode, 168522);
    assert_eq!(r.refcnt, Some(2));
    assert_eq!(r.drops, Some(0));
    assert_eq!(r.rto, None);
}

#[test]
fn linux_6_18_x86_64_proc_net_udp6_row() {
    let line = b" 9913: 00000000000000000000000001000000:2711 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 168587 2 00000000df3fd711 0";
    let r = inet_line(line, TableKind::Datagram, LE).unwrap();
    assert_eq!(r.local, ep(v6("::1"), 10001));
    assert_eq!(r.drops, Some(0));
}

#[test]
fn ipv4_mapped_ipv6_little_endian() {
    // PROC-NOTES: 0000000000000000FFFF00000100007F (LE) is ::ffff:127.0.0.1.
    let ip = decode_addr(b"0000000000000000FFFF00000100007F", LE).unwrap();
    assert_eq!(ip, v6("::ffff:127.0.0.1"));
}

#[test]
fn address_words_in_both_byte_orders() {
    // The same address printed by a little-endian (x86, arm) and a big-endian
    // (MIPS, PowerPC router) kernel.
    assert_eq!(decode_addr(b"0100007F", LE), Some(v4("127.0.0.1")));
    assert_eq!(decode_addr(b"7F000001", BE), Some(v4("127.0.0.1")));
    assert_eq!(decode_addr(b"0101A8C0", LE), Some(v4("192.168.1.1")));
    assert_eq!(decode_addr(b"C0A80101", BE), Some(v4("192.168.1.1")));
    // ::1 is NOT ::100:0 (the bug of treating 32 digits as one byte string).
    assert_eq!(
        decode_addr(b"00000000000000000000000001000000", LE),
        Some(v6("::1"))
    );
    assert_eq!(
        decode_addr(b"00000000000000000000000000000001", BE),
        Some(v6("::1"))
    );
    // fe80::1 on each order.
    assert_eq!(
        decode_addr(b"000080FE000000000000000001000000", LE),
        Some(v6("fe80::1"))
    );
    assert_eq!(
        decode_addr(b"FE800000000000000000000000000001", BE),
        Some(v6("fe80::1"))
    );
    assert_eq!(decode_word(0x0100007F, LE), [127, 0, 0, 1]);
    assert_eq!(decode_word(0x7F000001, BE), [127, 0, 0, 1]);
    assert_eq!(decode_addr(b"0100007", LE), None);
    assert_eq!(decode_addr(b"0100007G", LE), None);
}

#[test]
fn big_endian_mips_router_tcp_row() {
    // Synthesized in the layout of a big-endian kernel: 192.168.1.1:53 listening.
    let line = b"   0: C0A80101:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 81234567 300 0 0 2 -1";
    let r = inet_line(line, TableKind::Tcp, BE).unwrap();
    assert_eq!(r.local, ep(v4("192.168.1.1"), 53));
    assert_eq!(r.ssthresh, Some(-1));
    // Read as little-endian the same row would be 1.1.168.192: the order matters.
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.local.ip, v4("1.1.168.192"));
}

#[test]
fn ports_are_host_order_on_every_architecture() {
    for order in [LE, BE] {
        let line =
            b"0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1";
        assert_eq!(
            inet_line(line, TableKind::Tcp, order).unwrap().local.port,
            22
        );
    }
}

#[test]
fn sl_wider_than_four_digits_and_tabs() {
    let line = b"123456: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 99 1 0000000000000000 100 0 0 10 0";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.sl, 123456);
    assert_eq!(r.uid, 1000);
    let tabbed =
        b"1:\t0100007F:0050\t00000000:0000\t0A\t00000000:00000000\t00:00000000\t00000000\t0\t0\t7";
    assert_eq!(inet_line(tabbed, TableKind::Tcp, LE).unwrap().inode, 7);
}

#[test]
fn linux_2_6_old_kernel_short_rows() {
    // Linux 2.6.32 /proc/net/tcp: 32-bit pointer, ssthresh -1.
    let tcp = b"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4352 1 f6c8e1c0 3000 0 0 2 -1";
    let r = inet_line(tcp, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.inode, 4352);
    assert_eq!(r.pointer, Some(0xf6c8e1c0));
    assert_eq!(r.ssthresh, Some(-1));
    // Linux 2.6 /proc/net/udp before `drops` existed: row ends at the pointer.
    let udp = b"  7: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3021 2 f6d5c3c0";
    let r = inet_line(udp, TableKind::Datagram, LE).unwrap();
    assert_eq!(r.inode, 3021);
    assert_eq!(r.drops, None);
    // Only the ten required fields.
    let bare = b"  1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3021";
    let r = inet_line(bare, TableKind::Datagram, LE).unwrap();
    assert_eq!((r.inode, r.refcnt), (3021, None));
}

#[test]
fn request_socket_row_from_get_openreq4() {
    // A SYN_RECV request socket: uid 0, timeout 0, inode 0, refcnt 0, pointer.
    let line = b"   5: 0100007F:1F90 0100007F:D2F4 03 00000000:00000000 01:00000062 00000000     0        0 0 0 0000000000000000";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.state, 0x03);
    assert_eq!((r.inode, r.refcnt), (0, Some(0)));
}

#[test]
fn extra_trailing_fields_are_ignored() {
    let line = b"0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 77 1 0 100 0 0 10 0 999 future-field xyz";
    let r = inet_line(line, TableKind::Tcp, LE).unwrap();
    assert_eq!(r.inode, 77);
    assert_eq!(r.ssthresh, Some(0));
}

#[test]
fn unknown_state_value_still_parses() {
    let line = b"0: 00000000:0016 00000000:0000 FF 00000000:00000000 00:00000000 00000000 0 0 77";
    assert_eq!(inet_line(line, TableKind::Tcp, LE).unwrap().state, 0xFF);
}

#[test]
fn inode_and_drops_are_64_bit_and_signed_drops_wrap() {
    let line = b"1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 18446744073709551615 2 0 4294967296";
    let r = inet_line(line, TableKind::Datagram, LE).unwrap();
    assert_eq!(r.inode, u64::MAX);
    assert_eq!(r.drops, Some(1 << 32));
    // `drops` printed with %d by old kernels: -1 is the 32-bit counter 0xffffffff.
    let line =
        b"1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 5 2 0 -1";
    let r = inet_line(line, TableKind::Datagram, LE).unwrap();
    assert_eq!(r.drops, Some(0xffff_ffff));
}

#[test]
fn crlf_line_endings() {
    let line =
        b"0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 77 1 0\r";
    assert_eq!(inet_line(line, TableKind::Tcp, LE).unwrap().inode, 77);
}

#[test]
fn malformed_lines_name_the_column_and_the_expectation() {
    let cases: [(&[u8], usize, &str); 9] = [
        (b"", 1, "slot number followed by ':'"),
        (
            b"  sl  local_address rem_address",
            3,
            "slot number followed by ':'",
        ),
        (
            b"0: 0100007F0050 00000000:0000 0A",
            4,
            "local ADDR:PORT in hex",
        ),
        (
            b"0: 0100007F:10050 00000000:0000 0A",
            4,
            "local ADDR:PORT in hex",
        ),
        (
            b"0: 0100007F:0050 00000000:0000",
            31,
            "state (2 hex digits)",
        ),
        (
            b"0: 0100007F:0050 00000000:0000 ZZ",
            32,
            "state (2 hex digits)",
        ),
        (
            b"0: 0100007F:0050 00000000:0000 0A 0:0 00:0 0 0 0",
            49,
            "inode (decimal)",
        ),
        (
            b"0: 0100007F:0050 00000000:0000 0A 0:0 00:0 0 4294967296 0 1",
            46,
            "uid (decimal, 32 bits)",
        ),
        (
            b"0: 0100007F:0050 00000000:0000 0A 0:0 00:0 0 0 0 1\0",
            50,
            "inode (decimal)",
        ),
    ];
    for (line, col, what) in cases {
        let e = inet_line(line, TableKind::Tcp, LE).unwrap_err();
        assert_eq!(
            (e.col, e.what),
            (col, what),
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn blank_lines() {
    assert!(is_blank(b""));
    assert!(is_blank(b"      \r"));
    assert!(!is_blank(b"  0:"));
}
