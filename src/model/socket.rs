//! The data model: protocols, families, TCP states and one socket row.

use std::net::IpAddr;

use super::netns::NsId;

/// Transport protocol of a socket table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    UdpLite,
    Raw,
    Sctp,
    /// AF_PACKET (`-0`): sees link-layer frames.
    Packet,
    /// AF_UNIX (`-x`).
    Unix,
}

impl Proto {
    pub const ALL: [Proto; 4] = [Proto::Tcp, Proto::Udp, Proto::UdpLite, Proto::Raw];

    /// Every protocol, in output order.
    pub const EVERY: [Proto; 7] = [
        Proto::Tcp,
        Proto::Udp,
        Proto::UdpLite,
        Proto::Raw,
        Proto::Sctp,
        Proto::Packet,
        Proto::Unix,
    ];

    /// The name used in the table's Netid column and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::UdpLite => "udplite",
            Proto::Raw => "raw",
            Proto::Sctp => "sctp",
            Proto::Packet => "packet",
            Proto::Unix => "unix",
        }
    }

    /// The file under `net/` that holds this protocol's sockets of `family`
    /// (the inet tables; the other kinds have their own readers).
    pub fn table(self, family: Family) -> &'static str {
        match (self, family) {
            (Proto::Tcp, Family::Inet) => "tcp",
            (Proto::Tcp, Family::Inet6) => "tcp6",
            (Proto::Udp, Family::Inet) => "udp",
            (Proto::Udp, Family::Inet6) => "udp6",
            (Proto::UdpLite, Family::Inet) => "udplite",
            (Proto::UdpLite, Family::Inet6) => "udplite6",
            (Proto::Raw, Family::Inet) => "raw",
            (Proto::Raw, Family::Inet6) => "raw6",
            (Proto::Sctp, _) => "sctp/eps",
            (Proto::Packet, _) => "packet",
            (Proto::Unix, _) => "unix",
            (_, _) => "",
        }
    }
}

/// Address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Inet,
    Inet6,
    Packet,
    Unix,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
            Family::Packet => "packet",
            Family::Unix => "unix",
        }
    }
}

/// TCP state numbers from `include/net/tcp_states.h`.
pub mod state {
    pub const ESTABLISHED: u8 = 0x01;
    pub const SYN_SENT: u8 = 0x02;
    pub const SYN_RECV: u8 = 0x03;
    pub const FIN_WAIT1: u8 = 0x04;
    pub const FIN_WAIT2: u8 = 0x05;
    pub const TIME_WAIT: u8 = 0x06;
    pub const CLOSE: u8 = 0x07;
    pub const CLOSE_WAIT: u8 = 0x08;
    pub const LAST_ACK: u8 = 0x09;
    pub const LISTEN: u8 = 0x0A;
    pub const CLOSING: u8 = 0x0B;
    pub const NEW_SYN_RECV: u8 = 0x0C;
}

/// The name `ss` prints for a state number. UDP and raw sockets use the same
/// numbers: 07 (CLOSE) is an unconnected socket, which ss calls UNCONN.
pub fn state_name(st: u8) -> &'static str {
    match st {
        state::ESTABLISHED => "ESTAB",
        state::SYN_SENT => "SYN-SENT",
        state::SYN_RECV | state::NEW_SYN_RECV => "SYN-RECV",
        state::FIN_WAIT1 => "FIN-WAIT-1",
        state::FIN_WAIT2 => "FIN-WAIT-2",
        state::TIME_WAIT => "TIME-WAIT",
        state::CLOSE => "UNCONN",
        state::CLOSE_WAIT => "CLOSE-WAIT",
        state::LAST_ACK => "LAST-ACK",
        state::LISTEN => "LISTEN",
        state::CLOSING => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// An address and port as the kernel reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

/// One socket: a row of an inet table, reduced to what the tool reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    /// The namespace the row was read from.
    pub ns: NsId,
    pub proto: Proto,
    pub family: Family,
    pub state: u8,
    pub local: Endpoint,
    pub remote: Endpoint,
    /// rx_queue (for LISTEN: the current accept backlog).
    pub recv_q: u32,
    /// tx_queue.
    pub send_q: u32,
    pub uid: u32,
    /// Socket inode; 0 for TIME-WAIT and request sockets.
    pub inode: u64,
    /// What a packet or unix socket has beyond an inet row.
    pub detail: Option<Box<crate::model::kinds::Detail>>,
}

impl Socket {
    /// ss's meaning of "listening": TCP LISTEN, or an unconnected UDP/raw socket.
    pub fn is_listening(&self) -> bool {
        match self.proto {
            Proto::Tcp | Proto::Sctp => self.state == state::LISTEN,
            // Reachable by name: listening, or bound and unconnected (/dev/log).
            Proto::Unix => {
                self.state == state::LISTEN
                    || (self.state == state::CLOSE && self.unix_name().is_some())
            }
            _ => self.state == state::CLOSE,
        }
    }

    /// A unix socket's name (`@` first when abstract).
    pub fn unix_name(&self) -> Option<&[u8]> {
        match self.detail.as_deref() {
            Some(crate::model::kinds::Detail::Unix { name, .. }) => name.as_deref(),
            _ => None,
        }
    }

    /// A unix socket's access verdict.
    pub fn unix_access(&self) -> Option<crate::model::kinds::Access> {
        match self.detail.as_deref() {
            Some(crate::model::kinds::Detail::Unix { access, .. }) => Some(*access),
            _ => None,
        }
    }

    /// A unix socket file's mode and owners, when it was looked up.
    pub fn unix_file(&self) -> Option<crate::model::kinds::FileMode> {
        match self.detail.as_deref() {
            Some(crate::model::kinds::Detail::Unix { file, .. }) => *file,
            _ => None,
        }
    }

    /// The `SOCK_*` type of a packet or unix socket (0 for inet rows): ss
    /// groups unix sockets by it.
    pub fn sub_type(&self) -> u16 {
        match self.detail.as_deref() {
            Some(crate::model::kinds::Detail::Unix { sock_type, .. })
            | Some(crate::model::kinds::Detail::Packet { sock_type, .. }) => *sock_type,
            None => 0,
        }
    }

    /// Who could reach the socket: the class of its local address; for a packet
    /// socket, of its interface (every one: wildcard; `lo`: loopback; another:
    /// interface; none, protocol 0: local); a unix socket is local.
    pub fn exposure(&self) -> crate::model::exposure::Exposure {
        use crate::model::exposure::Exposure;
        use crate::model::kinds::Detail;
        match self.detail.as_deref() {
            Some(Detail::Packet {
                ifindex,
                ifname,
                protocol,
                ..
            }) => {
                if *protocol == 0 {
                    Exposure::Local
                } else if *ifindex == 0 {
                    Exposure::Wildcard
                } else if ifname.as_deref() == Some(b"lo") {
                    Exposure::Loopback
                } else {
                    Exposure::Interface
                }
            }
            Some(Detail::Unix { .. }) => Exposure::Local,
            None => crate::model::exposure::classify(self.local.ip),
        }
    }
}
