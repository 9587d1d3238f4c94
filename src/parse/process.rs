//! Per-process files: `/proc/PID/status`, `stat`, `cmdline`.

use super::inet::{dec_u64, skip_space};
use super::lines::Lines;

/// The real uid from the `Uid:` line of `/proc/PID/status`
/// (`Uid:\t1000\t1000\t1000\t1000`: real, effective, saved, filesystem).
pub fn status_uid(status: &[u8]) -> Option<u32> {
    status_field(status, b"Uid:").and_then(|v| {
        let v = skip_space(v);
        let (_, n) = dec_u64(v).ok()?;
        u32::try_from(n).ok()
    })
}

/// The value part of a `Key:` line in a status-like file.
pub fn status_field<'a>(status: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    Lines::new(status).find_map(|l| l.strip_prefix(key))
}

/// The command name in `/proc/PID/stat`: between the first `(` and the **last** `)`,
/// since the name itself may contain `)`.
pub fn stat_comm(stat: &[u8]) -> Option<&[u8]> {
    let open = memchr::memchr(b'(', stat)?;
    let close = memchr::memrchr(b')', stat)?;
    if close <= open {
        return None;
    }
    Some(&stat[open + 1..close])
}

/// The `flags` field (`PF_*`) of `/proc/PID/stat`: the 7th field after the
/// comm's closing `)` (`state ppid pgrp session tty_nr tpgid flags`).
pub fn stat_flags(stat: &[u8]) -> Option<u64> {
    let close = memchr::memrchr(b')', stat)?;
    let mut f = stat[close + 1..]
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty());
    std::str::from_utf8(f.nth(6)?).ok()?.parse().ok()
}

/// `PF_KTHREAD`: the task is a kernel thread (`include/linux/sched.h`).
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// The number in `scm_fds: N` of a unix socket's `/proc/PID/fdinfo/FD`: how
/// many fds wait in flight in its receive queue (`net/unix/af_unix.c`,
/// `unix_show_fdinfo`). `None` when the file has no such line.
pub fn fdinfo_scm_fds(fdinfo: &[u8]) -> Option<u64> {
    crate::parse::lines::Lines::new(fdinfo).find_map(|l| {
        let v = l.strip_prefix(b"scm_fds:")?;
        std::str::from_utf8(v).ok()?.trim().parse().ok()
    })
}

/// NUL-separated argv → one line with spaces (trailing NULs dropped).
pub fn join_argv(raw: &[u8]) -> Vec<u8> {
    let trimmed = match raw.iter().rposition(|&b| b != 0) {
        Some(end) => &raw[..=end],
        None => &[][..],
    };
    trimmed
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_argv_joined() {
        // /proc/PID/cmdline of `sshd: /usr/sbin/sshd -D [listener]` style rewrites
        // and of a plain argv.
        assert_eq!(
            join_argv(b"/usr/sbin/sshd\0-D\0"),
            b"/usr/sbin/sshd -D".to_vec()
        );
        assert_eq!(
            join_argv(b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
            b"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups".to_vec()
        );
        assert_eq!(join_argv(b"\0\0"), Vec::<u8>::new());
    }

    #[test]
    fn fdinfo_of_unix_sockets_on_linux_6_18() {
        // /proc/PID/fdinfo/N of a unix socket with one fd in flight, and of a
        // TCP socket (no scm_fds line).
        assert_eq!(
            fdinfo_scm_fds(b"pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t1430377\nscm_fds: 1\n"),
            Some(1)
        );
        assert_eq!(
            fdinfo_scm_fds(b"pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t1430376\n"),
            None
        );
        assert_eq!(fdinfo_scm_fds(b"scm_fds: x\n"), None);
    }

    #[test]
    fn proc_pid_status_uid_and_stat_comm() {
        // Head of /proc/self/status on Linux 6.18.
        let status = b"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t7001\nNgid:\t0\nPid:\t7001\nPPid:\t6990\nTracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n";
        assert_eq!(status_uid(status), Some(1000));
        assert_eq!(status_uid(b"Name:\tx\n"), None);
        assert_eq!(status_uid(b"Uid:\tabc\n"), None);
        // comm may contain ')' and spaces: take the last ')'.
        let stat = b"4242 (evil) (x) y) S 1 4242 4242 0 -1 4194560 105 0 0 0";
        assert_eq!(stat_comm(stat), Some(&b"evil) (x) y"[..]));
        assert_eq!(stat_comm(b"1 (systemd) S 0 1 1"), Some(&b"systemd"[..]));
        assert_eq!(stat_comm(b"no parens"), None);
        assert_eq!(stat_comm(b") (x"), None);
        // /proc/2/stat of kthreadd on Linux 6.18 (flags 2129984 = PF_KTHREAD | …)
        // and /proc/1/stat of an init in a child PID namespace (flags 4194560).
        let kthreadd = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 2 0 0";
        assert_eq!(stat_flags(kthreadd), Some(2129984));
        assert_ne!(stat_flags(kthreadd).unwrap() & PF_KTHREAD, 0);
        let init = b"1 (sh) S 0 1 1 34816 1 4194560 207 0 0 0 0 0 0 0 20 0 1 0";
        assert_eq!(stat_flags(init).unwrap() & PF_KTHREAD, 0);
        assert_eq!(stat_flags(b"7 (a) b) S 1"), None);
    }
}
