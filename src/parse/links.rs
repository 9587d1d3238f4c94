//! Link targets: `/proc/PID/fd/N` (`socket:[N]`), `/proc/PID/ns/net`
//! (`net:[N]`), `/proc/PID/exe` (` (deleted)`).

/// `socket:[12345]` → 12345. Other fd targets (pipes, files, anon inodes) → `None`.
pub fn socket_link(target: &[u8]) -> Option<u64> {
    bracketed_inode(target, b"socket:")
}

/// `net:[4026531840]` (the target of `/proc/PID/ns/net`) → 4026531840.
pub fn netns_link(target: &[u8]) -> Option<u64> {
    bracketed_inode(target, b"net:")
}

/// `PREFIX[N]` with nothing after the `]`.
pub fn bracketed_inode(target: &[u8], prefix: &[u8]) -> Option<u64> {
    let rest = target.strip_prefix(prefix)?;
    super::digits_u64(rest.strip_prefix(b"[")?.strip_suffix(b"]")?)
}

/// `/usr/sbin/sshd (deleted)` → (`/usr/sbin/sshd`, true).
pub fn split_deleted(mut target: Vec<u8>) -> (Option<Vec<u8>>, bool) {
    const SUFFIX: &[u8] = b" (deleted)";
    if target.ends_with(SUFFIX) {
        target.truncate(target.len() - SUFFIX.len());
        (Some(target), true)
    } else {
        (Some(target), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exe_deleted_suffix_from_proc_pid_exe() {
        assert_eq!(
            split_deleted(b"/usr/sbin/nginx (deleted)".to_vec()),
            (Some(b"/usr/sbin/nginx".to_vec()), true)
        );
        assert_eq!(
            split_deleted(b"/usr/sbin/nginx".to_vec()),
            (Some(b"/usr/sbin/nginx".to_vec()), false)
        );
    }

    #[test]
    fn link_targets_from_proc_pid_fd_and_ns() {
        // readlink of /proc/PID/fd/N and /proc/PID/ns/net on Linux 6.18.
        assert_eq!(socket_link(b"socket:[491]"), Some(491));
        assert_eq!(
            socket_link(b"socket:[18446744073709551615]"),
            Some(u64::MAX)
        );
        assert_eq!(socket_link(b"pipe:[12345]"), None);
        assert_eq!(socket_link(b"anon_inode:[eventfd]"), None);
        assert_eq!(socket_link(b"/dev/null"), None);
        assert_eq!(socket_link(b"socket:[12]x"), None);
        assert_eq!(socket_link(b"socket:[]"), None);
        assert_eq!(socket_link(b"socket:[99999999999999999999]"), None);
        assert_eq!(netns_link(b"net:[4026531833]"), Some(4026531833));
        assert_eq!(netns_link(b"mnt:[4026531832]"), None);
    }
}
