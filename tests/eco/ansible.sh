#!/bin/bash
# Fleet audit test (make test-ansible): contrib/ansible/openports-audit.yml with
# ansible-core against three "hosts" that are network namespaces running sshd
# on their own veth addresses. The controller runs in a fourth namespace, so
# every packet stays between namespaces this test made (198.18.0.0/15, the
# benchmarking range). Keys are made here; everything is removed on exit.
#
#   tests/eco/ansible.sh VENV BIN
#
# host 1 (group web):  sshd, an allowed listener on 0.0.0.0:8080
# host 2 (group web):  sshd, an allowed listener on 0.0.0.0:8080 whose executable was deleted
# host 3 (group db):   sshd, a listener on 0.0.0.0:5432 that db.policy does not allow
set -u
venv=$1 bin=$2
fail() {
  [[ -n ${tmp:-} && -s $tmp/play.log ]] && sed 's/^/  | /' "$tmp/play.log" >&2
  echo "test-ansible: FAILED: $*" >&2
  exit 1
}
[[ $(id -u) == 0 ]] || { echo "SKIPPED: test-ansible needs root (ip netns, sshd)"; exit 0; }
for c in ip /usr/sbin/sshd ssh ssh-keygen /usr/bin/python3; do
  command -v "$c" >/dev/null || fail "$c not found (make eco-tools installs openssh-server)"
done
[[ -x $venv/bin/ansible-playbook ]] || fail "$venv/bin/ansible-playbook missing (make eco-venv)"
[[ -x $bin ]] || fail "$bin missing (make build)"

id=$$; tag=op$((id % 100000))
tmp=$(mktemp -d /tmp/openports-ansible.XXXXXX)
ctl=${tag}c
hosts=(${tag}h1 ${tag}h2 ${tag}h3)
pids=()
cleanup() {
  local rc=$?
  # Every process in the test's namespaces: the sshds, their sessions, the
  # listeners, ssh's control masters (in the controller's namespace).
  local n all=("${pids[@]}")
  for n in "$ctl" "${hosts[@]}"; do all+=($(ip netns pids "$n" 2>/dev/null)); done
  ((${#all[@]})) && kill "${all[@]}" 2>/dev/null
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for n in "$ctl" "${hosts[@]}"; do ip netns del "$n" 2>/dev/null; done
  [[ -n ${KEEP:-} ]] || rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s.%N)
ip netns add "$ctl" || fail "ip netns add $ctl"
ip -n "$ctl" link set lo up
ssh-keygen -q -t ed25519 -N '' -f "$tmp/client_key" || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key" || fail "ssh-keygen"
mkdir -p /run/sshd  # sshd's privilege separation directory (Debian's, normally made by its unit)
: > "$tmp/known_hosts"
inv="$tmp/inventory.ini"
printf '[web]\n' > "$inv"
for i in 1 2 3; do
  ns=${hosts[i-1]} a=198.18.$i.1 b=198.18.$i.2
  ip netns add "$ns" || fail "ip netns add $ns"
  ip -n "$ns" link set lo up
  ip link add "${tag}v$i" netns "$ctl" type veth peer name eth0 netns "$ns" || fail "veth for $ns"
  ip -n "$ctl" addr add "$a/30" dev "${tag}v$i"
  ip -n "$ctl" link set "${tag}v$i" up
  ip -n "$ns" addr add "$b/30" dev eth0
  ip -n "$ns" link set eth0 up
  cat > "$tmp/sshd_config.$i" <<CFG
ListenAddress $b
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/client_key.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $tmp/sshd.$i.pid
Subsystem sftp internal-sftp
CFG
  ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$tmp/sshd_config.$i" 2>"$tmp/sshd.$i.log" &
  pids+=($!)
  echo "$b $(cut -d' ' -f1,2 "$tmp/host_key.pub")" >> "$tmp/known_hosts"
  [[ $i == 3 ]] && printf '[db]\n' >> "$inv"
  echo "host$i ansible_host=$b" >> "$inv"
done

# The listeners: a Python server per host; host 2's runs from a copy of the
# interpreter that is deleted once it listens.
listener() { # NS PORT PYTHON
  ip netns exec "$1" "$3" -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(600)' "$2" "$tmp/ready.$1" &
  pids+=($!)
}
cp /usr/bin/python3.11 "$tmp/server-py"
listener "${hosts[0]}" 8080 /usr/bin/python3
listener "${hosts[1]}" 8080 "$tmp/server-py"
listener "${hosts[2]}" 5432 /usr/bin/python3
for i in 1 2 3; do
  for _ in $(seq 100); do
    [[ -e $tmp/ready.${hosts[i-1]} ]] && ip netns exec "$ctl" bash -c "exec 3<>/dev/tcp/198.18.$i.2/22" 2>/dev/null && break
    sleep 0.1
  done
  [[ -e $tmp/ready.${hosts[i-1]} ]] || fail "listener in ${hosts[i-1]} did not start"
  ip netns exec "$ctl" bash -c "exec 3<>/dev/tcp/198.18.$i.2/22" 2>/dev/null \
    || { cat "$tmp/sshd.$i.log" >&2; fail "sshd in ${hosts[i-1]} does not answer on 198.18.$i.2:22"; }
done
rm "$tmp/server-py"

cat > "$tmp/web.policy" <<'POL'
allow tcp 22 198.18.0.0/15 comm=sshd
allow tcp 8080 wildcard
POL
cat > "$tmp/db.policy" <<'POL'
allow tcp 22 198.18.0.0/15 comm=sshd
POL
mkdir -p "$tmp/group_vars" "$tmp/report"
# The test's hosts share this machine's kernel and /proc: -N self keeps each
# run to the namespace it was started in (a real host has no such need).
cat > "$tmp/group_vars/all.yml" <<VARS
ansible_user: root
ansible_ssh_private_key_file: $tmp/client_key
ansible_ssh_common_args: -o UserKnownHostsFile=$tmp/known_hosts -o StrictHostKeyChecking=yes -o ControlMaster=no
ansible_python_interpreter: /usr/bin/python3
openports_binaries: { x86_64: "$bin" }
openports_args: "-N self"
# 198.18.0.0/15 is a reserved (benchmarking) range, whose reach is private.
openports_public_reach: [public, private]
openports_remote_dir: $tmp/remote-{{ inventory_hostname }}
openports_report_dir: $tmp/report
VARS
echo "openports_policy: $tmp/web.policy" > "$tmp/group_vars/web.yml"
echo "openports_policy: $tmp/db.policy" > "$tmp/group_vars/db.yml"

echo "test-ansible: ansible-playbook against ${hosts[*]} (controller in $ctl)"
ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=$tmp/ansible-local \
ANSIBLE_REMOTE_TEMP=$tmp/ansible-remote ANSIBLE_SSH_CONTROL_PATH_DIR=$tmp/cp ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_FORKS=3 ANSIBLE_PIPELINING=1 \
  ip netns exec "$ctl" "$venv/bin/ansible-playbook" -i "$inv" \
  contrib/ansible/openports-audit.yml > "$tmp/play.log" 2>&1
rc=$?
sed -n '/^PLAY RECAP/,$p' "$tmp/play.log" | sed 's/^/  | /'
# ansible-playbook exits 2 when a host failed: host3, and only host3.
[[ $rc == 2 ]] || fail "ansible-playbook exited $rc, expected 2 (one host with a violation)"
grep -Eq '^host1 +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$tmp/play.log" || fail "host1 did not pass"
grep -Eq '^host2 +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=0' "$tmp/play.log" || fail "host2 did not pass"
grep -Eq '^host3 +: ok=[0-9]+ +changed=[0-9]+ +unreachable=0 +failed=1' "$tmp/play.log" || fail "host3 did not fail"
grep -q 'not allowed by db.policy: tcp 0.0.0.0:5432' "$tmp/play.log" || fail "host3's failure does not name tcp 0.0.0.0:5432"

for h in host1 host2 host3; do
  for k in check listeners; do
    [[ -s $tmp/report/$h.$k.ndjson ]] || fail "no $h.$k.ndjson on the controller"
  done
done
cat "$tmp/report/report.txt" | sed 's/^/  > /'
"$venv/bin/python" - "$tmp/report/report.json" "${hosts[@]}" <<'PY' || fail "report.json does not say what was found"
import json, sys
rep = json.load(open(sys.argv[1]))
ns = sys.argv[2:]
assert sorted(rep) == ["host1", "host2", "host3"], sorted(rep)
def ports(objs):
    return sorted((o["proto"], o["local_addr"], o["local_port"]) for o in objs)
for i, h in enumerate(["host1", "host2", "host3"], 1):
    r = rep[h]
    assert r["arch"] == "x86_64", r
    pub = r["public_listeners"]
    # Exactly what this host's namespace holds: its sshd on its veth address and its server.
    want = [("tcp", "0.0.0.0", 5432 if i == 3 else 8080), ("tcp", "198.18.%d.2" % i, 22)]
    assert ports(pub) == sorted(want), (h, ports(pub))
    assert all(o["netns_name"] == ns[i - 1] and o["reach"] == "private" for o in pub), (h, pub)
    ssh = [o for o in pub if o["local_port"] == 22][0]
    assert [p["comm"] for p in ssh["processes"]] == ["sshd"], ssh
    assert r["summary"]["checked"] == 2, r["summary"]
for h in ["host1", "host2"]:
    assert rep[h]["violations"] == [] and rep[h]["exit"] == 0, rep[h]
v = rep["host3"]["violations"]
assert ports(v) == [("tcp", "0.0.0.0", 5432)] and rep["host3"]["exit"] == 1, v
assert v[0]["kind"] == "violation" and v[0]["netns_name"] == ns[2], v
assert rep["host3"]["summary"]["violations"] == 1
d = rep["host2"]["deleted_exe"]
assert len(d) == 1 and d[0]["exe"].endswith("/server-py"), d
assert [l["local_port"] for l in d[0]["listeners"]] == [8080], d
assert rep["host1"]["deleted_exe"] == [] and rep["host3"]["deleted_exe"] == []
print("test-ansible: report.json: host3 has the one violation (tcp 0.0.0.0:5432), host2 the deleted executable")
PY
for h in host1 host2 host3; do
  [[ ! -e $tmp/remote-$h ]] || fail "openports was not removed from $h"
done
echo "test-ansible: ok ($(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
