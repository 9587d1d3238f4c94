//! The `KEY=VALUE` qualifiers of a rule (`comm=nginx`, `netns=host`, …): each
//! one is a [`Qualifier`] variant, and its value's parsing, its canonical text
//! and its match against a socket's facts are the variant's arm in
//! [`Qualifier::parse`], its `Display` and [`Qualifier::matches`], all here.
//!
//! A new qualifier is a [`Key`] (its name, whether only unix rules take it,
//! its place in the canonical order), a [`Qualifier`] variant, one arm in each
//! of the three, and its tests in `tests.rs`. The line grammar around them
//! (keys, `=`, bare and quoted values, columns of errors) is
//! [`crate::parse::policy`]; [`super::matches`] applies a rule's qualifiers
//! together with its protocol, ports and address.

use std::borrow::Cow;
use std::fmt;

use super::matches::{ProcFacts, Subject};
use super::{AccessSel, NetnsSel, UserSel, quote_name, quote_value};
use crate::model::kinds::Access;
use crate::model::owners::ExeId;
use crate::model::reach::Reach;
use crate::parse::policy::{all_digits, parse_num};

/// The key of a qualifier. The order of the variants is the canonical order
/// in which a rule holds and writes its qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Netns,
    Container,
    Reach,
    User,
    Comm,
    Exe,
    Access,
    Group,
}

impl Key {
    pub const ALL: [Key; 8] = [
        Key::Netns,
        Key::Container,
        Key::Reach,
        Key::User,
        Key::Comm,
        Key::Exe,
        Key::Access,
        Key::Group,
    ];

    /// The key as written (lower case; keys are read case-insensitively).
    pub fn name(self) -> &'static str {
        match self {
            Key::Netns => "netns",
            Key::Container => "container",
            Key::Reach => "reach",
            Key::User => "user",
            Key::Comm => "comm",
            Key::Exe => "exe",
            Key::Access => "access",
            Key::Group => "group",
        }
    }

    /// The key named `w` (any case).
    pub fn of(w: &[u8]) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|k| w.eq_ignore_ascii_case(k.name().as_bytes()))
    }

    /// Whether only `allow unix` rules take it.
    pub fn unix_only(self) -> bool {
        matches!(self, Key::Access | Key::Group)
    }
}

/// One qualifier of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Qualifier {
    /// `netns=host`, `netns=4026532329`, `netns=blue`.
    Netns(NetnsSel),
    /// `container=3f2a9c`: a container id or a prefix of it, or an LXC
    /// container name.
    Container(Vec<u8>),
    /// `reach=CLASS`: allowed only when the socket's reach is at most CLASS
    /// (local < link-local < private < public; unknown is above them all).
    Reach(Reach),
    /// `user=`: a holder runs as this uid or user name.
    User(UserSel),
    /// `comm=`: a holder's command name.
    Comm(Vec<u8>),
    /// `exe=PATH`: a holder runs this file.
    Exe {
        path: Vec<u8>,
        /// The file `path` names in our view (device, inode; symlinks
        /// followed), set by `check` on a live system: what a process's
        /// running file is compared with. Never parsed or printed.
        file: Option<(u64, u64)>,
    },
    /// `access=`: a unix socket is open to no more than this.
    Access(AccessSel),
    /// `group=`: a unix socket is open to this group at most.
    Group(UserSel),
}

/// A `user=` or `group=` value: a bare number is an id (`None` when out of
/// range), anything else (a quoted number too) a name.
fn id_or_name(v: Vec<u8>, quoted: bool) -> Option<UserSel> {
    if quoted || !all_digits(&v) {
        return Some(UserSel::Name(v));
    }
    parse_num(&v).map(UserSel::Uid)
}

/// How wide a unix socket's access is: 4 anyone, 3 a group, 2 the owner,
/// 1 root, 0 nobody.
fn width(a: Access) -> u8 {
    match a {
        Access::Anyone | Access::Netns | Access::Unknown(_) => 4,
        Access::Group(_) | Access::Groups(..) => 3,
        Access::Owner(_) => 2,
        Access::Root => 1,
        Access::Gone | Access::Unnamed => 0,
    }
}

fn user_sel_matches(sel: &UserSel, id: Option<u32>, name: Option<&str>) -> bool {
    match sel {
        UserSel::Uid(want) => id == Some(*want),
        UserSel::Name(want) => name.is_some_and(|n| n.as_bytes() == &want[..]),
    }
}

impl Qualifier {
    pub fn key(&self) -> Key {
        match self {
            Qualifier::Netns(_) => Key::Netns,
            Qualifier::Container(_) => Key::Container,
            Qualifier::Reach(_) => Key::Reach,
            Qualifier::User(_) => Key::User,
            Qualifier::Comm(_) => Key::Comm,
            Qualifier::Exe { .. } => Key::Exe,
            Qualifier::Access(_) => Key::Access,
            Qualifier::Group(_) => Key::Group,
        }
    }

    /// The qualifier `key=` with value `v` (already unquoted; `quoted` says
    /// whether it was written in quotes), or what was expected instead, said
    /// of the value.
    pub fn parse(key: Key, v: Vec<u8>, quoted: bool) -> Result<Qualifier, Cow<'static, str>> {
        Ok(match key {
            Key::Netns => Qualifier::Netns(if quoted {
                NetnsSel::Name(v)
            } else if v.eq_ignore_ascii_case(b"host") {
                NetnsSel::Host
            } else if all_digits(&v) {
                NetnsSel::Inode(parse_num(&v).ok_or("a namespace inode (a u64)")?)
            } else {
                NetnsSel::Name(v)
            }),
            Key::Container => Qualifier::Container(v),
            Key::Reach => Qualifier::Reach(
                std::str::from_utf8(&v)
                    .ok()
                    .and_then(Reach::parse)
                    .filter(|r| *r != Reach::Unknown)
                    .ok_or("a reach after reach=: local, link-local, private or public")?,
            ),
            Key::User => Qualifier::User(id_or_name(v, quoted).ok_or("a uid 0-4294967295")?),
            Key::Comm => Qualifier::Comm(v),
            Key::Exe => {
                if v.first() != Some(&b'/') {
                    return Err("an absolute path after exe=".into());
                }
                Qualifier::Exe {
                    path: v,
                    file: None,
                }
            }
            Key::Access => Qualifier::Access(
                AccessSel::ALL
                    .into_iter()
                    .find(|a| v.eq_ignore_ascii_case(a.name().as_bytes()))
                    .ok_or("anyone, netns, group, owner or root after access=")?,
            ),
            Key::Group => Qualifier::Group(id_or_name(v, quoted).ok_or("a gid 0-4294967295")?),
        })
    }

    /// Whether it is about a process holding the socket: such qualifiers
    /// must all hold for one visible holder, and match no socket without one.
    pub fn names_process(&self) -> bool {
        matches!(
            self,
            Qualifier::User(_) | Qualifier::Comm(_) | Qualifier::Exe { .. }
        )
    }

    /// Whether it allows socket `s`; a qualifier that [names a
    /// process](Self::names_process) is asked about one `holder` of it (none:
    /// it does not match).
    pub fn matches(&self, s: &Subject<'_>, holder: Option<&ProcFacts<'_>>) -> bool {
        match self {
            Qualifier::Netns(sel) => match sel {
                NetnsSel::Host => s.netns.host,
                NetnsSel::Inode(i) => s.netns.inode == Some(*i),
                NetnsSel::Name(want) => s.netns.name.is_some_and(|x| x.as_bytes() == &want[..]),
            },
            Qualifier::Container(want) => s.netns.container.is_some_and(|c| {
                let c = c.as_bytes();
                if want.iter().all(u8::is_ascii_hexdigit) {
                    c.len() >= want.len() && c[..want.len()].eq_ignore_ascii_case(want)
                } else {
                    c == &want[..]
                }
            }),
            Qualifier::Reach(max) => s.reach.is_some_and(|r| r <= *max),
            Qualifier::User(sel) => holder.is_some_and(|p| user_sel_matches(sel, p.uid, p.user)),
            Qualifier::Comm(c) => holder.is_some_and(|p| p.comm == &c[..]),
            Qualifier::Exe { path, file } => holder.is_some_and(|p| match p.exe_id {
                // The file the kernel runs, never the path it shows: a bind
                // mount in a private mount namespace makes any path show any
                // binary, and a deleted or replaced file is not the one named.
                ExeId::File { dev, ino } => *file == Some((dev, ino)),
                ExeId::PathOnly => p.exe == Some(&path[..]),
                ExeId::Unknown => false,
            }),
            Qualifier::Access(sel) => s.unix.is_some_and(|u| {
                let w = width(u.access);
                match sel {
                    AccessSel::Anyone => true,
                    AccessSel::Netns => w <= 3 || u.access == Access::Netns,
                    AccessSel::Group => w <= 3,
                    AccessSel::Owner => w <= 2,
                    AccessSel::Root => w <= 1,
                }
            }),
            Qualifier::Group(sel) => s.unix.is_some_and(|u| {
                let gids = match u.access {
                    Access::Group(g) => [Some(g), None],
                    Access::Groups(a, b) => [Some(a), Some(b)],
                    _ => [None, None],
                };
                // Open to the owner or less: within any group.
                width(u.access) <= 2
                    || gids
                        .iter()
                        .zip(u.group_names)
                        .any(|(g, n)| g.is_some() && user_sel_matches(sel, *g, n))
            }),
        }
    }
}

impl fmt::Display for Qualifier {
    /// `key=value`, the value bare when that reads back the same, else quoted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=", self.key().name())?;
        let sel = |f: &mut fmt::Formatter<'_>, s: &UserSel| match s {
            UserSel::Uid(u) => write!(f, "{u}"),
            UserSel::Name(n) => f.write_str(&quote_name(n)),
        };
        match self {
            Qualifier::Netns(NetnsSel::Host) => f.write_str("host"),
            Qualifier::Netns(NetnsSel::Inode(i)) => write!(f, "{i}"),
            Qualifier::Netns(NetnsSel::Name(n)) => f.write_str(&quote_name(n)),
            Qualifier::Container(c) => f.write_str(&quote_value(c)),
            Qualifier::Reach(r) => f.write_str(r.name()),
            Qualifier::User(u) => sel(f, u),
            Qualifier::Comm(c) => f.write_str(&quote_value(c)),
            Qualifier::Exe { path, .. } => f.write_str(&quote_value(path)),
            Qualifier::Access(a) => f.write_str(a.name()),
            Qualifier::Group(g) => sel(f, g),
        }
    }
}
