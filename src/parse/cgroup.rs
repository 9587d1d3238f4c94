//! `/proc/PID/cgroup`: the container a process runs in.

use super::lines::Lines;

/// A container id in `/proc/PID/cgroup`: Docker (`docker-ID.scope`, `/docker/ID`),
/// containerd (`cri-containerd-ID.scope`), CRI-O (`crio-ID.scope`), Podman
/// (`libpod-ID.scope`), Kubernetes (`/kubepods/.../podUID/ID`) and LXC
/// (`lxc.payload.NAME`, `/lxc/NAME`).
pub fn container_id(cgroup: &[u8]) -> Option<String> {
    for line in Lines::new(cgroup) {
        // hierarchy-ID:controllers:path
        let Some(path) = line.splitn(3, |&b| b == b':').nth(2) else {
            continue;
        };
        for comp in path.split(|&b| b == b'/') {
            for prefix in [
                &b"docker-"[..],
                b"cri-containerd-",
                b"crio-",
                b"libpod-",
                b"containerd-",
            ] {
                if let Some(rest) = comp.strip_prefix(prefix) {
                    let id = rest.strip_suffix(b".scope").unwrap_or(rest);
                    if is_hex_id(id) {
                        return Some(lossy(id));
                    }
                }
            }
            if let Some(name) = comp.strip_prefix(b"lxc.payload.")
                && !name.is_empty()
            {
                return Some(lossy(name));
            }
        }
        let comps: Vec<&[u8]> = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        for w in comps.windows(2) {
            if (w[0] == b"docker" || w[0].starts_with(b"pod") || w[0] == b"libpod")
                && is_hex_id(w[1])
            {
                return Some(lossy(w[1]));
            }
            if w[0] == b"lxc" && !w[1].is_empty() {
                return Some(lossy(w[1]));
            }
        }
    }
    None
}

pub fn is_hex_id(s: &[u8]) -> bool {
    s.len() >= 12 && s.iter().all(|b| b.is_ascii_hexdigit())
}

/// Raw (escaped where it is shown, once); exact in JSON when it is UTF-8.
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_from_real_cgroup_files() {
        let id = "3f2a9c0d1e2b4a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";
        let cases = [
            format!("0::/system.slice/docker-{id}.scope\n"),
            format!("12:pids:/docker/{id}\n0::/docker/{id}\n"),
            format!(
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-{id}.scope\n"
            ),
            format!("0::/kubepods/besteffort/pod0c6f6ba8-52a4-4f36-b5d6-2b55c7d1d3a1/{id}\n"),
            format!("0::/machine.slice/libpod-{id}.scope/container\n"),
            format!("0::/system.slice/crio-{id}.scope\n"),
        ];
        for c in &cases {
            assert_eq!(container_id(c.as_bytes()).as_deref(), Some(id), "{c}");
        }
        assert_eq!(
            container_id(b"0::/lxc.payload.web01\n").as_deref(),
            Some("web01")
        );
        assert_eq!(
            container_id(b"0::/user.slice/user-1000.slice/session-2.scope\n"),
            None
        );
        assert_eq!(container_id(b"0::/init.scope\n"), None);
    }
}
