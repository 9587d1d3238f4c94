//! NDJSON: one object per socket per line. Keys are documented in the README and
//! are only ever added to, never renamed.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::{hex, json_str};
use super::{View, addr_text};
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

/// The object of one socket, without a newline.
pub fn socket_object(v: &View<'_>, s: &Socket, out: &mut String) {
    let ns = v.ns(s);
    let _ = write!(
        out,
        "{{\"proto\":\"{}\",\"family\":\"{}\",\"state\":\"{}\",\"local_addr\":\"{}\",\"local_port\":{},\"remote_addr\":\"{}\",\"remote_port\":{},\"recv_q\":{},\"send_q\":{},\"uid\":{},\"inode\":{},",
        s.proto.name(),
        s.family.name(),
        state_name(s.state),
        addr_text(s.local.ip),
        s.local.port,
        addr_text(s.remote.ip),
        s.remote.port,
        s.recv_q,
        s.send_q,
        s.uid,
        s.inode,
    );
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
    match v.owner_kind(s).name() {
        Some(k) => {
            let _ = write!(out, "\"owner\":\"{k}\",\"processes\":[");
        }
        None => {
            out.push_str("\"owner\":null,\"processes\":null}");
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
            ",\"exe_deleted\":{},",
            info.is_some_and(|p| p.exe_deleted)
        );
        match info.and_then(|p| p.cmdline.as_deref()) {
            Some(c) => bytes_field(out, "cmdline", c),
            None => out.push_str("\"cmdline\":null"),
        }
        out.push('}');
    }
    out.push_str("]}");
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
