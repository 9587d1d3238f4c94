//! The data model: protocols, families, TCP states and one socket row.

use std::net::IpAddr;

/// Transport protocol of a socket table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    UdpLite,
    Raw,
}

impl Proto {
    pub const ALL: [Proto; 4] = [Proto::Tcp, Proto::Udp, Proto::UdpLite, Proto::Raw];

    /// The name used in the table's Netid column and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::UdpLite => "udplite",
            Proto::Raw => "raw",
        }
    }

    /// The file under `net/` that holds this protocol's sockets of `family`.
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
        }
    }
}

/// Address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Inet,
    Inet6,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
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
    /// Index of the namespace the row was read from (into the run's namespace list).
    pub ns: u32,
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
}

impl Socket {
    /// ss's meaning of "listening": TCP LISTEN, or an unconnected UDP/raw socket.
    pub fn is_listening(&self) -> bool {
        match self.proto {
            Proto::Tcp => self.state == state::LISTEN,
            _ => self.state == state::CLOSE,
        }
    }
}
