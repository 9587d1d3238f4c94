//! ophelper: opens a known set of sockets inside a `make test-vm` guest and
//! says exactly what it opened, so the host can check openports' answer
//! against it. Not part of openports (Debian's busybox-static has no UDP nc,
//! no udpsvd and no netstat -p, so the guest needs a socket opener of its own).
//!
//!   ophelper [--unshare-net] [--name-ns PATH] [--uid UID] [--tag TAG] SPEC...
//!
//! --unshare-net  open the sockets in a new network namespace (loopback up)
//! --name-ns PATH bind-mount that namespace onto PATH (as `ip netns add` does)
//! --uid UID      drop to UID (and gid UID, no groups) before opening
//! --tag TAG      a word repeated on every report line
//! --exec CMD...  after the above, run CMD instead of opening sockets
//!                (busybox's setpriv cannot change uids)
//!
//! SPEC is KIND:ADDR, ADDR an IPv4 or IPv6 address, ports chosen by the kernel:
//!   tcp-listen:ADDR   a TCP listener
//!   udp-bind:ADDR     an unconnected UDP socket
//!   tcp-pair:ADDR     a listener and an established connection to it (both ends)
//!   udp-connect:ADDR  a bound UDP socket and a second one connected to it
//!   raw-icmp:4|6      a raw ICMP (ICMPv6) socket
//!   sctp-listen:ADDR  an SCTP listener (one-to-one style)
//!   unix-listen:NAME  a unix stream listener on a path, or an abstract name
//!                     for @NAME (reported with a leading @)
//!   unix-pair:-       an unnamed connected pair (socketpair)
//!   packet-raw:-      an AF_PACKET SOCK_RAW socket for every protocol
//!   packet-dgram:lo   an AF_PACKET SOCK_DGRAM socket for IPv4, bound to lo
//!
//! LADDR of unix sockets is the name ("-" unnamed), of packet sockets the
//! ethertype in hex and the interface index (0800:1); their ports are 0.
//!
//! Output, one line per socket, then `ready PID`; the process then waits
//! (holding its sockets) until it is killed:
//!   sock TAG PROTO FAMILY LADDR LPORT RADDR RPORT STATE UID PID FD INODE NETNS
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;

struct Opened {
    proto: &'static str,
    /// For unix and packet sockets: what LADDR says instead of an address.
    name: Option<String>,
    local: SocketAddr,
    remote: Option<SocketAddr>,
    state: &'static str,
    fd: RawFd,
}

fn fail(msg: &str) -> ! {
    eprintln!("ophelper: {msg}: {}", std::io::Error::last_os_error());
    std::process::exit(1);
}

fn check(r: libc::c_int, what: &str) {
    if r < 0 {
        fail(what);
    }
}

fn ino_of_fd(fd: RawFd) -> u64 {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    check(unsafe { libc::fstat(fd, &mut st) }, "fstat");
    st.st_ino as u64
}

/// SIOCSIFFLAGS IFF_UP on lo: a new namespace starts with loopback down.
fn loopback_up() {
    #[repr(C)]
    struct IfReq {
        name: [u8; 16],
        flags: libc::c_short,
        _pad: [u8; 22],
    }
    let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    check(s, "socket for SIOCSIFFLAGS");
    let mut r = IfReq {
        name: [0; 16],
        flags: 0,
        _pad: [0; 22],
    };
    r.name[..2].copy_from_slice(b"lo");
    check(
        unsafe { libc::ioctl(s, libc::SIOCGIFFLAGS as _, &mut r) },
        "SIOCGIFFLAGS lo",
    );
    r.flags |= libc::IFF_UP as libc::c_short;
    check(
        unsafe { libc::ioctl(s, libc::SIOCSIFFLAGS as _, &r) },
        "SIOCSIFFLAGS lo",
    );
    unsafe { libc::close(s) };
}

fn name_ns(path: &str) {
    if let Some(dir) = std::path::Path::new(path).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = std::fs::File::create(path) {
        eprintln!("ophelper: {path}: {e}");
        std::process::exit(1);
    }
    let src = c"/proc/self/ns/net";
    let dst = std::ffi::CString::new(path).unwrap();
    check(
        unsafe {
            libc::mount(
                src.as_ptr(),
                dst.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND,
                std::ptr::null(),
            )
        },
        "bind-mounting the namespace",
    );
}

fn drop_to(uid: u32) {
    check(unsafe { libc::setgroups(0, std::ptr::null()) }, "setgroups");
    check(unsafe { libc::setresgid(uid, uid, uid) }, "setresgid");
    check(unsafe { libc::setresuid(uid, uid, uid) }, "setresuid");
    // A credential change leaves the process undumpable, its /proc/PID/fd
    // root-only; a process started by that user would be dumpable.
    check(
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1) },
        "PR_SET_DUMPABLE",
    );
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|_| {
        eprintln!("ophelper: bad address {s:?}");
        std::process::exit(2)
    })
}

fn io<T>(r: std::io::Result<T>, what: &str) -> T {
    r.unwrap_or_else(|e| {
        eprintln!("ophelper: {what}: {e}");
        std::process::exit(1)
    })
}

fn raw_icmp(v6: bool) -> (OwnedFd, SocketAddr) {
    let (fam, proto) = if v6 {
        (libc::AF_INET6, libc::IPPROTO_ICMPV6)
    } else {
        (libc::AF_INET, libc::IPPROTO_ICMP)
    };
    let fd = unsafe { libc::socket(fam, libc::SOCK_RAW, proto) };
    check(fd, "raw socket");
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    // /proc/net/raw shows the protocol number as the local port.
    (
        unsafe { OwnedFd::from_raw_fd(fd) },
        SocketAddr::new(ip, proto as u16),
    )
}

/// bind() to ADDR and listen(): the address the kernel chose.
fn bind_listen(fd: RawFd, a: SocketAddr) -> SocketAddr {
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match a {
        SocketAddr::V4(v4) => {
            let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as u16;
            sin.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as u16;
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    } as u32;
    check(
        unsafe { libc::bind(fd, &ss as *const _ as *const libc::sockaddr, len) },
        "bind",
    );
    check(unsafe { libc::listen(fd, 16) }, "listen");
    let mut l = std::mem::size_of::<libc::sockaddr_storage>() as u32;
    check(
        unsafe { libc::getsockname(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut l) },
        "getsockname",
    );
    let port = unsafe { (*(&ss as *const _ as *const libc::sockaddr_in)).sin_port };
    SocketAddr::new(a.ip(), u16::from_be(port))
}

/// A unix stream listener on a path, or on an abstract name for "@NAME".
fn unix_listener(name: &str) -> OwnedFd {
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    check(fd, "unix socket");
    let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as u16;
    let b = name.as_bytes();
    if b.len() >= sun.sun_path.len() {
        eprintln!("ophelper: unix name too long: {name}");
        std::process::exit(2);
    }
    let abs = b.first() == Some(&b'@');
    for (i, c) in b.iter().enumerate() {
        sun.sun_path[i] = if abs && i == 0 { 0 } else { *c as libc::c_char };
    }
    let len = if abs {
        std::mem::size_of::<libc::sa_family_t>() + b.len()
    } else {
        std::mem::size_of::<libc::sockaddr_un>()
    } as u32;
    check(
        unsafe { libc::bind(fd, &sun as *const _ as *const libc::sockaddr, len) },
        "bind unix",
    );
    check(unsafe { libc::listen(fd, 16) }, "listen unix");
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut tag = String::from("-");
    let mut uid = None;
    let mut unshare = false;
    let mut ns_path = None;
    let mut specs = Vec::new();
    let mut exec = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--unshare-net" => unshare = true,
            "--name-ns" => ns_path = args.next(),
            "--uid" => uid = args.next().and_then(|u| u.parse::<u32>().ok()),
            "--tag" => tag = args.next().unwrap_or_default(),
            "--exec" => {
                specs = args.by_ref().collect();
                exec = true;
            }
            _ => specs.push(a),
        }
    }
    if unshare {
        check(unsafe { libc::unshare(libc::CLONE_NEWNET) }, "unshare");
        loopback_up();
    }
    if let Some(p) = &ns_path {
        name_ns(p);
    }
    if let Some(u) = uid {
        drop_to(u);
    }
    if exec {
        use std::os::unix::process::CommandExt;
        let Some((cmd, rest)) = specs.split_first() else {
            eprintln!("ophelper: --exec needs a command");
            std::process::exit(2);
        };
        let e = std::process::Command::new(cmd).args(rest).exec();
        eprintln!("ophelper: {cmd}: {e}");
        std::process::exit(127);
    }

    // Everything opened stays open until the process is killed.
    let mut keep_tcp = Vec::new();
    let mut keep_listen = Vec::new();
    let mut keep_udp = Vec::new();
    let mut keep_raw = Vec::new();
    let mut out = Vec::new();
    for spec in &specs {
        let (kind, a) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
        match kind {
            "tcp-listen" | "tcp-pair" => {
                let l = io(TcpListener::bind((addr(a), 0)), spec);
                let la = io(l.local_addr(), "local_addr");
                out.push(Opened {
                    proto: "tcp",
                    name: None,
                    local: la,
                    remote: None,
                    state: "LISTEN",
                    fd: l.as_raw_fd(),
                });
                if kind == "tcp-pair" {
                    let c = io(TcpStream::connect(la), "connect");
                    let (s, peer) = io(l.accept(), "accept");
                    out.push(Opened {
                        proto: "tcp",
                        name: None,
                        local: io(c.local_addr(), "local_addr"),
                        remote: Some(la),
                        state: "ESTAB",
                        fd: c.as_raw_fd(),
                    });
                    out.push(Opened {
                        proto: "tcp",
                        name: None,
                        local: la,
                        remote: Some(peer),
                        state: "ESTAB",
                        fd: s.as_raw_fd(),
                    });
                    keep_tcp.push(c);
                    keep_tcp.push(s);
                }
                keep_listen.push(l);
            }
            "udp-bind" | "udp-connect" => {
                let u = io(UdpSocket::bind((addr(a), 0)), spec);
                let ua = io(u.local_addr(), "local_addr");
                out.push(Opened {
                    proto: "udp",
                    name: None,
                    local: ua,
                    remote: None,
                    state: "UNCONN",
                    fd: u.as_raw_fd(),
                });
                if kind == "udp-connect" {
                    let c = io(UdpSocket::bind((addr(a), 0)), spec);
                    io(c.connect(ua), "connect");
                    out.push(Opened {
                        proto: "udp",
                        name: None,
                        local: io(c.local_addr(), "local_addr"),
                        remote: Some(ua),
                        state: "ESTAB",
                        fd: c.as_raw_fd(),
                    });
                    keep_udp.push(c);
                }
                keep_udp.push(u);
            }
            "raw-icmp" => {
                let (fd, la) = raw_icmp(a == "6");
                out.push(Opened {
                    proto: "raw",
                    name: None,
                    local: la,
                    remote: None,
                    state: "UNCONN",
                    fd: fd.as_raw_fd(),
                });
                keep_raw.push(fd);
            }
            "sctp-listen" => {
                let ip = addr(a);
                let fam = if ip.is_ipv4() {
                    libc::AF_INET
                } else {
                    libc::AF_INET6
                };
                let fd = unsafe { libc::socket(fam, libc::SOCK_STREAM, libc::IPPROTO_SCTP) };
                check(fd, "SCTP socket (is the sctp module loaded?)");
                let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                let la = bind_listen(fd.as_raw_fd(), SocketAddr::new(ip, 0));
                out.push(Opened {
                    proto: "sctp",
                    name: None,
                    local: la,
                    remote: None,
                    state: "LISTEN",
                    fd: fd.as_raw_fd(),
                });
                keep_raw.push(fd);
            }
            "unix-listen" => {
                let fd = unix_listener(a);
                out.push(Opened {
                    proto: "unix",
                    name: Some(a.to_string()),
                    local: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                    remote: None,
                    state: "LISTEN",
                    fd: fd.as_raw_fd(),
                });
                keep_raw.push(fd);
            }
            "unix-pair" => {
                let (x, y) = io(std::os::unix::net::UnixStream::pair(), "socketpair");
                for u in [x, y] {
                    let fd = OwnedFd::from(u);
                    out.push(Opened {
                        proto: "unix",
                        name: Some("-".into()),
                        local: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                        remote: None,
                        state: "ESTAB",
                        fd: fd.as_raw_fd(),
                    });
                    keep_raw.push(fd);
                }
            }
            "packet-raw" | "packet-dgram" => {
                let (ty, proto, ifindex) = if kind == "packet-raw" {
                    (libc::SOCK_RAW, libc::ETH_P_ALL as u16, 0)
                } else {
                    (libc::SOCK_DGRAM, libc::ETH_P_IP as u16, 1)
                };
                let fd = unsafe { libc::socket(libc::AF_PACKET, ty, proto.to_be() as i32) };
                check(fd, "packet socket");
                if ifindex != 0 {
                    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
                    sll.sll_family = libc::AF_PACKET as u16;
                    sll.sll_protocol = proto.to_be();
                    sll.sll_ifindex = ifindex;
                    check(
                        unsafe {
                            libc::bind(
                                fd,
                                &sll as *const _ as *const libc::sockaddr,
                                std::mem::size_of::<libc::sockaddr_ll>() as u32,
                            )
                        },
                        "bind packet socket",
                    );
                }
                out.push(Opened {
                    proto: "packet",
                    name: Some(format!("{proto:04x}:{ifindex}")),
                    local: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
                    remote: None,
                    state: "UNCONN",
                    fd,
                });
                keep_raw.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            _ => {
                eprintln!("ophelper: unknown socket kind in {spec:?}");
                std::process::exit(2);
            }
        }
    }

    let netns = io(std::fs::metadata("/proc/self/ns/net"), "/proc/self/ns/net").ino();
    let me = std::process::id();
    let euid = unsafe { libc::geteuid() };
    let mut w = std::io::stdout().lock();
    for o in &out {
        let fam = match (o.proto, o.local.is_ipv4()) {
            ("unix", _) => "unix",
            ("packet", _) => "packet",
            (_, true) => "inet",
            (_, false) => "inet6",
        };
        let la = o.name.clone().unwrap_or_else(|| o.local.ip().to_string());
        let (ra, rp) = match o.remote {
            Some(r) => (r.ip(), r.port()),
            None if o.local.is_ipv4() => (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            None => (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
        };
        let _ = writeln!(
            w,
            "sock {tag} {} {fam} {la} {} {ra} {rp} {} {euid} {me} {} {} {netns}",
            o.proto,
            o.local.port(),
            o.state,
            o.fd,
            ino_of_fd(o.fd),
        );
    }
    let _ = writeln!(w, "ready {me}");
    let _ = w.flush();
    drop(w);
    loop {
        unsafe { libc::pause() };
    }
}
