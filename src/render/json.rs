//! NDJSON: one object per socket per line. Keys are documented in the README and
//! are only ever added to, never renamed.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::{hex, json_str};
use super::{View, addr_text};
use crate::model::kinds::{Access, Detail, sock_type_name};
use crate::model::reach::{ReachCtx, SockRef, Why};
use crate::model::socket::{Socket, state_name};

/// `"key":"text"` for untrusted bytes; adds `"key_hex":"…"` when they are not UTF-8.
pub fn bytes_field(out: &mut String, key: &str, bytes: &[u8]) {
    let _ = write!(out, "\"{key}\":");
    if !json_str(out, bytes) {
        let _ = write!(out, ",\"{key}_hex\":\"{}\"", hex(bytes));
    }
}

fn opt_str(out: &mut String, key: &str, v: Option<&str>) {
    match v {
        Some(s) => bytes_field(out, key, s.as_bytes()),
        None => {
            let _ = write!(out, "\"{key}\":null");
        }
    }
}

/// One JSON object being written: `{`, then fields, each key once, separated
/// by commas, then `}` from [`Obj::close`]. Every string value is escaped by
/// [`json_str`], whatever its bytes.
pub struct Obj<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Obj<'o> {
    /// Start an object at the end of `out`.
    pub fn open(out: &'o mut String) -> Obj<'o> {
        out.push('{');
        Obj { out, empty: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        let _ = write!(self.out, "\"{key}\":");
        self.out
    }

    /// `"key":N` for a number or a bool.
    pub fn num(&mut self, key: &str, n: impl std::fmt::Display) -> &mut Self {
        let _ = write!(self.key(key), "{n}");
        self
    }

    /// `"key":N`, or `null`.
    pub fn opt_num(&mut self, key: &str, n: Option<impl std::fmt::Display>) -> &mut Self {
        match n {
            Some(n) => self.num(key, n),
            None => self.null(key),
        }
    }

    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key).push_str("null");
        self
    }

    /// `"key":"text"`; see [`bytes_field`] for bytes that are not UTF-8.
    pub fn str(&mut self, key: &str, text: &str) -> &mut Self {
        self.bytes(key, text.as_bytes())
    }

    /// `"key":"text"` for untrusted bytes, and `"key_hex"` when they are not UTF-8.
    pub fn bytes(&mut self, key: &str, bytes: &[u8]) -> &mut Self {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        bytes_field(self.out, key, bytes);
        self
    }

    /// `"key":[…]`: one object per item, each written by `each`.
    pub fn objects<T>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Obj<'_>, T),
    ) -> &mut Self {
        let out = self.key(key);
        out.push('[');
        for (n, item) in items.into_iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let mut o = Obj::open(out);
            each(&mut o, item);
            o.close();
        }
        out.push(']');
        self
    }

    /// `"key":{…}`, its fields written by `fields`.
    pub fn object(&mut self, key: &str, fields: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        let mut o = Obj::open(self.key(key));
        fields(&mut o);
        o.close();
        self
    }

    /// The fields of the listing's object of socket `s` ([`socket_object`]).
    pub fn socket(&mut self, v: &View<'_>, s: &Socket) -> &mut Self {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        socket_fields(v, s, self.out);
        self
    }

    /// `}`.
    pub fn close(self) {
        self.out.push('}');
    }
}

/// The object of one socket, without a newline.
pub fn socket_object(v: &View<'_>, s: &Socket, out: &mut String) {
    let mut o = Obj::open(out);
    o.socket(v, s);
    o.close();
}

/// The keys of one socket's object, without its braces.
fn socket_fields(v: &View<'_>, s: &Socket, out: &mut String) {
    let ns = v.ns(s);
    // Packet and unix sockets have no address: their keys are below.
    let (local, remote) = match s.detail {
        Some(_) => (String::new(), String::new()),
        None => (addr_text(s.local.ip), addr_text(s.remote.ip)),
    };
    let _ = write!(
        out,
        "\"proto\":\"{}\",\"family\":\"{}\",\"state\":\"{}\",\"local_addr\":\"{}\",\"local_port\":{},\"remote_addr\":\"{}\",\"remote_port\":{},\"recv_q\":{},\"send_q\":{},",
        s.proto.name(),
        s.family.name(),
        state_name(s.state),
        local,
        s.local.port,
        remote,
        s.remote.port,
        s.recv_q,
        s.send_q,
    );
    match s.detail.as_deref() {
        // /proc/net/unix has no uid.
        Some(Detail::Unix { .. }) => out.push_str("\"uid\":null,"),
        _ => {
            let _ = write!(out, "\"uid\":{},", s.uid);
        }
    }
    let _ = write!(out, "\"inode\":{},", s.inode);
    if let Some(d) = s.detail.as_deref() {
        detail_keys(v, d, out);
    }
    match ns.inode {
        Some(i) => {
            let _ = write!(out, "\"netns\":{i},");
        }
        None => out.push_str("\"netns\":null,"),
    }
    opt_str(out, "netns_name", ns.name.as_deref());
    out.push(',');
    opt_str(out, "container", ns.container.as_deref());
    let _ = write!(
        out,
        ",\"host_netns\":{},\"exposure\":\"{}\",\"scope\":\"{}\",",
        ns.host,
        v.exposure(s).name(),
        v.scope(s)
    );
    if let Some(ctx) = v.reach {
        reach_fields(v, ctx, s, out);
    }
    match v.owner_kind(s).name() {
        Some(k) => {
            let _ = write!(out, "\"owner\":\"{k}\",");
            if let Some(why) = v.owner_reason(s) {
                bytes_field(out, "owner_reason", why.as_bytes());
                out.push(',');
            }
            out.push_str("\"processes\":[");
        }
        None => {
            out.push_str("\"owner\":null,\"processes\":null");
            return;
        }
    }
    for (i, (_, o)) in v.owners_of(s).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"pid\":{},", o.pid);
        let info = v.procs.get(&o.pid);
        bytes_field(out, "comm", info.map(|p| &p.comm[..]).unwrap_or(b""));
        let _ = write!(out, ",\"fd\":{},", o.fd);
        if o.tid != 0 {
            let _ = write!(out, "\"tid\":{},", o.tid);
        }
        match info.and_then(|p| p.uid) {
            Some(uid) => {
                let _ = write!(out, "\"uid\":{uid},");
                opt_str(out, "user", v.user_name(uid));
            }
            None => out.push_str("\"uid\":null,\"user\":null"),
        }
        out.push(',');
        match info.and_then(|p| p.exe.as_deref()) {
            Some(exe) => bytes_field(out, "exe", exe),
            None => out.push_str("\"exe\":null"),
        }
        let _ = write!(
            out,
            ",\"exe_deleted\":{},\"exe_replaced\":{},\"exe_other_mntns\":{},",
            info.is_some_and(|p| p.exe_deleted),
            info.is_some_and(|p| p.exe_replaced),
            info.is_some_and(|p| p.exe_other_mntns)
        );
        match info.and_then(|p| p.cmdline.as_deref()) {
            Some(c) => bytes_field(out, "cmdline", c),
            None => out.push_str("\"cmdline\":null"),
        }
        out.push('}');
    }
    out.push(']');
}

fn opt_u32(out: &mut String, key: &str, v: Option<u32>) {
    match v {
        Some(n) => {
            let _ = write!(out, "\"{key}\":{n},");
        }
        None => {
            let _ = write!(out, "\"{key}\":null,");
        }
    }
}

/// The keys of a packet or unix socket (README, "JSON").
fn detail_keys(v: &View<'_>, d: &Detail, out: &mut String) {
    match d {
        Detail::Packet {
            sock_type,
            protocol,
            ifindex,
            ifname,
            running,
        } => {
            let _ = write!(
                out,
                "\"sock_type\":\"{}\",\"ethertype\":{protocol},",
                sock_type_name(*sock_type)
            );
            opt_str(
                out,
                "ethertype_name",
                crate::parse::kinds::ethertype_name(*protocol),
            );
            let _ = write!(out, ",\"ifindex\":{ifindex},");
            match ifname {
                Some(n) => bytes_field(out, "interface", n),
                None => out.push_str("\"interface\":null"),
            }
            let _ = write!(out, ",\"running\":{running},");
        }
        Detail::Unix {
            sock_type,
            name,
            file,
            access,
            ..
        } => {
            let _ = write!(out, "\"sock_type\":\"{}\",", sock_type_name(*sock_type));
            match name {
                Some(n) => bytes_field(out, "name", n),
                None => out.push_str("\"name\":null"),
            }
            let abstract_ = name.as_deref().is_some_and(|n| n.first() == Some(&b'@'));
            let _ = write!(
                out,
                ",\"abstract\":{abstract_},\"access\":\"{}\",",
                access.name()
            );
            let mut text = String::new();
            super::push_access(v, *access, &mut text);
            bytes_field(out, "access_text", text.as_bytes());
            out.push(',');
            let (gid, uid) = match access {
                Access::Group(g) | Access::Groups(g, _) => (Some(*g), None),
                Access::Owner(u) => (None, Some(*u)),
                _ => (None, None),
            };
            opt_u32(out, "access_gid", gid);
            opt_u32(out, "access_uid", uid);
            match file {
                Some(f) => {
                    let _ = write!(
                        out,
                        "\"file_mode\":\"{:04o}\",\"file_uid\":{},\"file_gid\":{},",
                        f.mode, f.uid, f.gid
                    );
                    opt_str(out, "file_user", v.user_name(f.uid));
                    out.push(',');
                    opt_str(out, "file_group", v.groups.get(&f.gid).map(String::as_str));
                    out.push(',');
                }
                None => out.push_str(
                    "\"file_mode\":null,\"file_uid\":null,\"file_gid\":null,\"file_user\":null,\"file_group\":null,",
                ),
            }
        }
    }
}

/// `"reach"`, `"reach_reason"`, `"reachable_on"`, `"published_by"`, `"publishes"`.
pub fn reach_fields(v: &View<'_>, ctx: &ReachCtx, s: &Socket, out: &mut String) {
    let me = SockRef::of(s);
    let mut on = String::new();
    let (r, why) = ctx.of(&me, &mut |a, cond, port| {
        if !on.is_empty() {
            on.push(',');
        }
        on.push('{');
        opt_str(&mut on, "iface", a.iface.as_deref());
        let _ = write!(on, ",\"addr\":\"{}\"", addr_text(a.ip));
        if a.range {
            let _ = write!(on, ",\"prefix\":{}", a.prefix.unwrap_or(32));
        }
        let _ = write!(on, ",\"class\":\"{}\"", a.class.name());
        if let Some(p) = port {
            let _ = write!(on, ",\"port\":{p}");
        }
        if cond {
            on.push_str(",\"conditional\":\"if-dual-stack\"");
        }
        on.push('}');
    });
    let _ = write!(out, "\"reach\":\"{}\",", r.name());
    opt_str(out, "reach_reason", why.map(Why::text));
    let _ = write!(out, ",\"reachable_on\":[{on}],\"published_by\":");
    let mut pubs = ctx.publishers(&me).peekable();
    if pubs.peek().is_none() {
        out.push_str("null");
    } else {
        out.push('[');
        for (i, p) in pubs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"pid\":{},\"host_addr\":\"{}\",\"host_port\":{}}}",
                p.pid,
                addr_text(p.host.ip),
                p.host.port
            );
        }
        out.push(']');
    }
    out.push_str(",\"publishes\":");
    match ctx.forwarding(&me) {
        Some(f) => {
            let _ = write!(
                out,
                "{{\"addr\":\"{}\",\"port\":{},",
                addr_text(f.to),
                f.port
            );
            let ns = f.ns.map(|i| &v.namespaces[i as usize]);
            match ns.and_then(|n| n.inode) {
                Some(i) => {
                    let _ = write!(out, "\"netns\":{i},");
                }
                None => out.push_str("\"netns\":null,"),
            }
            opt_str(out, "container", ns.and_then(|n| n.container.as_deref()));
            out.push('}');
        }
        None => out.push_str("null"),
    }
    out.push(',');
}

pub fn write(v: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut line = String::new();
    for s in v.sockets {
        line.clear();
        socket_object(v, s, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Obj;

    #[test]
    fn obj_writes_fields_nested_objects_and_arrays_and_escapes_any_bytes() {
        let mut s = String::new();
        let mut o = Obj::open(&mut s);
        o.str("kind", "x\"y")
            .bytes("exe", b"/a\xff\n")
            .num("n", 7)
            .num("ok", true)
            .opt_num("netns", None::<u64>)
            .objects("l", [1, 2], |l, k| {
                l.num("k", k);
            })
            .object("o", |_| {});
        o.close();
        assert_eq!(
            s,
            r#"{"kind":"x\"y","exe":"/a�\n","exe_hex":"2f61ff0a","n":7,"ok":true,"netns":null,"l":[{"k":1},{"k":2}],"o":{}}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["exe_hex"], "2f61ff0a");
        let mut e = String::new();
        Obj::open(&mut e).close();
        assert_eq!(e, "{}");
    }
}
