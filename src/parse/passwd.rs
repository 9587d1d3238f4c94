//! `/etc/passwd`: uid → user name.

use crate::model::map::IdNames;

use super::lines::Lines;
use super::parse_u32;

/// uid → name from a passwd file (read directly: a static binary has no NSS).
pub fn passwd_names(passwd: &[u8]) -> IdNames {
    let mut m = Vec::new();
    for line in Lines::new(passwd) {
        let mut f = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(uid)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if name.is_empty() || name.starts_with(b"#") {
            continue;
        }
        // Only plain names: the table prints `user=NAME` bare inside
        // users:((…)), where `,` `(` `)` `"` or a space would forge fields or
        // owners. Other names show as `uid=N` (JSON `"user":null`).
        let plain = name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b'@'));
        if plain && let Some(uid) = parse_u32(uid) {
            m.push((uid, String::from_utf8_lossy(name).into_owned()));
        }
    }
    m.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_from_debian_etc_passwd() {
        let m = passwd_names(
            b"root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
# comment\n\
broken-line\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        );
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&65534).map(String::as_str), Some("nobody"));
        assert_eq!(m.len(), 3);
    }
}
