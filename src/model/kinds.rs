//! The model of the other socket kinds: what a packet or unix socket row carries
//! beyond an inet row, and who may connect to a unix socket (pure: computed from
//! file modes that a reader gathered).

/// What a packet or unix socket has that an inet socket does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Packet {
        /// `SOCK_RAW` (3), `SOCK_DGRAM` (2), `SOCK_PACKET` (10).
        sock_type: u16,
        /// Ethertype in host order (0x0003: every frame).
        protocol: u16,
        /// 0 = every interface.
        ifindex: u32,
        /// The interface's name in the socket's namespace, when one of the
        /// namespace's files names it.
        ifname: Option<Vec<u8>>,
        running: bool,
    },
    Unix {
        /// `SOCK_STREAM` (1), `SOCK_DGRAM` (2), `SOCK_SEQPACKET` (5).
        sock_type: u16,
        /// The name as the kernel prints it (`@` first for an abstract one, NULs
        /// as `@`); `None` when unbound.
        name: Option<Vec<u8>>,
        /// The socket file, as seen from the holder's mount namespace.
        file: Option<FileMode>,
        access: Access,
        /// `(path, line)` of a row that could be the tail of the previous
        /// row's name (a name may hold a newline): checked against the owners.
        forged_hint: Option<(Vec<u8>, usize)>,
    },
}

/// Mode and owners of a socket file (`stat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileMode {
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Who may connect to a unix socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Every local user: the socket file is writable by others and every
    /// directory on its path searchable by others.
    Anyone,
    /// Members of this group (and the owner, and root).
    Group(u32),
    /// Only members of both groups (directory and socket restrict differently).
    Groups(u32, u32),
    /// At most this user (and root).
    Owner(u32),
    /// Nobody but root (no permission bit grants it, or two different owners).
    Root,
    /// An abstract name: no permissions at all, every process in the network
    /// namespace may connect.
    Netns,
    /// The path no longer leads to a socket file: nobody can connect by name.
    Gone,
    /// Could not be decided, and why.
    Unknown(&'static str),
    /// Not bound: nothing to connect to.
    Unnamed,
}

/// The permission bits a component must grant: search on directories, write on
/// the socket file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Search,
    Write,
}

impl Access {
    /// The JSON `access` value.
    pub fn name(self) -> &'static str {
        match self {
            Access::Anyone => "anyone",
            Access::Group(_) | Access::Groups(..) => "group",
            Access::Owner(_) => "owner",
            Access::Root => "root",
            Access::Netns => "netns",
            Access::Gone => "gone",
            Access::Unknown(_) => "unknown",
            Access::Unnamed => "unnamed",
        }
    }

    /// Anyone beyond the socket's owner may connect: what `--exposed`, the
    /// summary and `check` look at.
    pub fn beyond_owner(self) -> bool {
        matches!(
            self,
            Access::Anyone | Access::Netns | Access::Group(_) | Access::Groups(..)
        )
    }

    /// Who may pass one component of the path, by its mode.
    pub fn of(m: FileMode, need: Need) -> Access {
        let (o, g, u) = match need {
            Need::Search => (0o001, 0o010, 0o100),
            Need::Write => (0o002, 0o020, 0o200),
        };
        if m.mode & o != 0 {
            Access::Anyone
        } else if m.mode & g != 0 {
            Access::Group(m.gid)
        } else if m.mode & u != 0 {
            Access::Owner(m.uid)
        } else {
            Access::Root
        }
    }

    /// Who passes both `self` and `other` (an upper bound: group membership of
    /// an owner is not looked up).
    pub fn meet(self, other: Access) -> Access {
        use Access::*;
        match (self, other) {
            (Anyone, x) | (x, Anyone) => x,
            (Root, _) | (_, Root) => Root,
            (Owner(a), Owner(b)) => {
                if a == b {
                    Owner(a)
                } else {
                    Root
                }
            }
            (Owner(u), _) | (_, Owner(u)) => Owner(u),
            (Group(a), Group(b)) if a == b => Group(a),
            (Group(a), Group(b)) => Groups(a, b),
            (Groups(a, b), Group(c)) | (Group(c), Groups(a, b)) if c == a || c == b => Groups(a, b),
            (Groups(..), _) | (_, Groups(..)) => Root,
            (x, _) => x,
        }
    }

    /// The verdict for a path whose directories (root first) and socket file
    /// have these modes.
    pub fn of_path(dirs: &[FileMode], socket: FileMode) -> Access {
        dirs.iter().fold(Access::of(socket, Need::Write), |a, &d| {
            a.meet(Access::of(d, Need::Search))
        })
    }
}

/// ss's Netid for a packet socket type.
pub fn packet_netid(sock_type: u16) -> &'static str {
    if sock_type == 3 { "p_raw" } else { "p_dgr" }
}

/// SOCK_STREAM and SOCK_DGRAM as this CPU's kernel numbers them: MIPS swaps
/// them (there 1 is DGRAM, 2 STREAM), and /proc/net/unix and /proc/net/packet
/// print the kernel's number. Found by `make test-vm` on the Malta kernel.
const STREAM: u16 = libc::SOCK_STREAM as u16;
const DGRAM: u16 = libc::SOCK_DGRAM as u16;

/// ss's Netid for a unix socket type.
pub fn unix_netid(sock_type: u16) -> &'static str {
    match sock_type {
        STREAM => "u_str",
        DGRAM => "u_dgr",
        5 => "u_seq",
        _ => "u_???",
    }
}

/// The JSON `type` of a unix or packet socket.
pub fn sock_type_name(sock_type: u16) -> &'static str {
    match sock_type {
        STREAM => "stream",
        DGRAM => "dgram",
        3 => "raw",
        5 => "seqpacket",
        10 => "packet",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(mode: u32, uid: u32, gid: u32) -> FileMode {
        FileMode { mode, uid, gid }
    }

    const ROOT_DIR: FileMode = FileMode {
        mode: 0o755,
        uid: 0,
        gid: 0,
    };

    #[test]
    fn docker_sock_is_for_the_docker_group() {
        // /run/docker.sock on Debian 12: srw-rw---- root docker(999), /run 0755.
        let v = Access::of_path(&[ROOT_DIR, ROOT_DIR], m(0o660, 0, 999));
        assert_eq!(v, Access::Group(999));
        assert!(v.beyond_owner());
    }

    #[test]
    fn world_writable_socket_is_for_anyone_unless_a_directory_stops_it() {
        let sock = m(0o777, 1000, 1000);
        assert_eq!(Access::of_path(&[ROOT_DIR, ROOT_DIR], sock), Access::Anyone);
        // /run/user/1000 is 0700: the session bus is its owner's only.
        let user_dir = m(0o700, 1000, 1000);
        assert_eq!(
            Access::of_path(&[ROOT_DIR, ROOT_DIR, user_dir], sock),
            Access::Owner(1000)
        );
        // A 0750 directory of another group: members of both.
        let adm = m(0o750, 0, 4);
        assert_eq!(
            Access::of_path(&[ROOT_DIR, adm], m(0o660, 0, 999)),
            Access::Groups(999, 4)
        );
    }

    #[test]
    fn no_bit_or_two_owners_leave_root_only() {
        assert_eq!(Access::of_path(&[ROOT_DIR], m(0o000, 0, 0)), Access::Root);
        assert_eq!(
            Access::of_path(&[m(0o700, 1, 1)], m(0o600, 2, 2)),
            Access::Root
        );
        assert!(!Access::Root.beyond_owner());
        assert!(Access::Netns.beyond_owner());
    }

    #[test]
    fn ss_netids() {
        assert_eq!(packet_netid(3), "p_raw");
        assert_eq!(packet_netid(2), "p_dgr");
        assert_eq!(unix_netid(1), "u_str");
        assert_eq!(unix_netid(2), "u_dgr");
        assert_eq!(unix_netid(5), "u_seq");
    }
}
