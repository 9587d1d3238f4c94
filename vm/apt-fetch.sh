#!/usr/bin/env bash
# Download Debian packages for another architecture and/or release and unpack
# them, without installing anything and without touching the system's apt or
# dpkg state: a private apt configuration under CACHE (its own sources list,
# package lists and archive cache), signed by the system's Debian keyring.
#
#   vm/apt-fetch.sh CACHE SUITE ARCH DEST PKG...
#
# CACHE   directory for the private apt state (kept between runs)
# SUITE   Debian release: bullseye, bookworm, trixie, ...
# ARCH    Debian architecture: amd64, arm64, armhf, mipsel, s390x, ...
# DEST    directory the packages are unpacked into (dpkg-deb -x)
# PKG     package names; a name ending in '*' is a prefix: the newest package
#         whose name matches (e.g. 'linux-image-*-armmp' picks the versioned
#         kernel image behind the meta-package); 'dep:META' is the first
#         dependency of the meta-package META (dep:linux-image-armmp is the
#         versioned kernel image it points at)
#
# DEBIAN_MIRROR overrides http://deb.debian.org/debian.
set -euo pipefail

[ $# -ge 5 ] || { echo "usage: $0 CACHE SUITE ARCH DEST PKG..." >&2; exit 2; }
# Exit status: 0 done, 1 failed (the message says why), 3 the mirror does not
# carry SUITE for ARCH.
cache=$1 suite=$2 arch=$3 dest=$4
shift 4
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

die() { echo "error: apt-fetch ($suite/$arch): $*" >&2; exit 1; }
for t in apt-get apt-cache dpkg-deb; do
  command -v "$t" >/dev/null 2>&1 || die "$t not found: a Debian-based host is needed to fetch Debian packages"
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

root=$cache/$suite-$arch
mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/etc/parts" "$dest"
root=$(cd "$root" && pwd) dest=$(cd "$dest" && pwd)
: > "$root/status"
cat > "$root/etc/sources.list" <<EOF
deb [arch=$arch signed-by=$keyring] $mirror $suite main
EOF
opts=(
  -o "Dir::Etc::SourceList=$root/etc/sources.list"
  -o "Dir::Etc::SourceParts=$root/etc/parts"
  -o "Dir::Etc::Preferences=$root/etc/preferences"
  -o "Dir::Etc::PreferencesParts=$root/etc/parts"
  -o "Dir::State::Lists=$root/lists"
  -o "Dir::State::status=$root/status"
  -o "Dir::Cache=$root"
  -o "Dir::Cache::archives=$root/archives"
  -o "APT::Architecture=$arch"
  -o "APT::Architectures::=$arch"
  -o "Acquire::Languages=none"
  -o "Debug::NoLocking=1"
)

# One index download per suite and architecture (a day's worth of caching).
stamp=$root/lists/.updated
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
  echo "apt-fetch: apt-get update for $suite/$arch ($mirror)"
  apt-get "${opts[@]}" -q update >"$root/update.log" 2>&1 \
    || { cat "$root/update.log" >&2; die "apt-get update failed (is $mirror reachable, does it carry $suite for $arch?)"; }
  grep -q '^[WE]: ' "$root/update.log" && { cat "$root/update.log" >&2; die "apt-get update reported problems"; }
  touch "$stamp"
fi
# A suite the mirror no longer carries for this architecture (bullseye LTS:
# amd64, arm64, armhf and i386 only; trixie has no mipsel): exit 3.
rel=$(ls "$root"/lists/*_InRelease "$root"/lists/*_Release 2>/dev/null | head -1 || true)
archs=$(sed -n 's/^Architectures: //p' "$rel" 2>/dev/null | head -1 || true)
case " $archs " in
  *" $arch "*) ;;
  *) echo "apt-fetch: $mirror has no $arch in $suite (its Architectures: $archs)" >&2; exit 3;;
esac

names=()
for p in "$@"; do
  case "$p" in
    dep:*)
      n=$(apt-cache "${opts[@]}" show --no-all-versions "${p#dep:}" 2>/dev/null | sed -n 's/^Depends: //p' | head -1 | sed 's/[ ,(|].*//' || true)
      [ -n "$n" ] || die "no package ${p#dep:} (or it has no dependency) in $suite for $arch"
      names+=("$n");;
    *'*'*)
      re="^${p//\*/.*}\$"
      n=$(apt-cache "${opts[@]}" pkgnames 2>/dev/null | grep -E "$re" | grep -v -- '-dbg$' | grep -v -- '-unsigned$' | sort -V | tail -1 || true)
      [ -n "$n" ] || die "no package matching '$p' in $suite for $arch"
      names+=("$n");;
    *) names+=("$p");;
  esac
done

cd "$root/archives"
for n in "${names[@]}"; do
  if ! ls "$n"_*_"$arch".deb "$n"_*_all.deb >/dev/null 2>&1; then
    echo "apt-fetch: apt-get download $n ($suite/$arch)"
    apt-get "${opts[@]}" -q download "$n:$arch" >"$root/download.log" 2>&1 \
      || apt-get "${opts[@]}" -q download "$n" >>"$root/download.log" 2>&1 \
      || { cat "$root/download.log" >&2
           if grep -q ' 404 *Not Found' "$root/download.log"; then
             echo "apt-fetch: $mirror lists $n for $suite/$arch but does not have it (HTTP 404)" >&2; exit 3
           fi
           die "apt-get download $n failed"; }
  fi
  for deb in "$n"_*.deb; do
    dpkg-deb -x "$deb" "$dest" || die "dpkg-deb -x $deb failed"
  done
done
