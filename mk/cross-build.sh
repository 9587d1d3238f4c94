#!/usr/bin/env bash
# Static musl build of one cargo package for a device CPU that has no
# prebuilt Rust standard library here (mk/cross.mk, vm/).
#
#   mk/cross-build.sh TRIPLE [MANIFEST [TARGET_DIR]]
#
# std is rebuilt from source (nightly -Zbuild-std, which the size build uses
# anyway); the C side (musl's libc.a and crt objects, libgcc.a, libgcc_eh.a)
# comes from Debian's musl-dev, musl and libgcc-12-dev for the target
# architecture, downloaded with vm/apt-fetch.sh into target/cross-sysroot/ARCH
# and unpacked, nothing installed. rust-lld links, with the crt objects given
# explicitly (-C link-self-contained=no). Traps, each handled below:
#   - libgcc_eh stands in for libunwind and references glibc's
#     _dl_find_object: mk/dl_find_object.rs defines it as "not found";
#   - a static-pie link (x86_64 and s390x by default; CROSS_RELOC=pic) needs
#     rcrt1.o + crtbeginS.o, a non-PIE one (CROSS_RELOC=static, the default
#     here) crt1.o: the wrong one crashes at start;
#   - Debian's mipsel musl is hard-float, Rust's mipsel-musl is soft-float:
#     -C target-feature=-soft-float;
#   - with gcc's crtbeginT.o/crtend.o, aarch64 and mipsel binaries crash at
#     start (a call through a null pointer from _init): static non-PIE links
#     leave them out (Rust needs neither);
#   - mipsel and s390x musl do not default to crt-static: +crt-static.
# Prints the path of the binary last.
set -euo pipefail
triple=${1:?usage: $0 TRIPLE [MANIFEST [TARGET_DIR]]}
manifest=${2:-Cargo.toml}
tdir=${3:-target}
here=$(cd "$(dirname "$0")/.." && pwd)
nightly=${NIGHTLY:-nightly}
suite=${CROSS_SUITE:-bookworm}
cargo=${CARGO:-cargo}

die() { echo "error: cross $triple: $*" >&2; exit 1; }

# TRIPLE -> Debian architecture, musl library directory, gcc directory.
case "$triple" in
  aarch64-unknown-linux-musl)      arch=arm64;  mt=aarch64-linux-musl;   gt=aarch64-linux-gnu;;
  armv7-unknown-linux-musleabihf)  arch=armhf;  mt=arm-linux-musleabihf; gt=arm-linux-gnueabihf;;
  mipsel-unknown-linux-musl)       arch=mipsel; mt=mipsel-linux-musl;    gt=mipsel-linux-gnu;;
  s390x-unknown-linux-musl)        arch=s390x;  mt=s390x-linux-musl;     gt=s390x-linux-gnu;;
  i686-unknown-linux-musl)         arch=i386;   mt=i386-linux-musl;      gt=i686-linux-gnu;;
  x86_64-unknown-linux-musl)       arch=amd64;  mt=x86_64-linux-musl;    gt=x86_64-linux-gnu;;
  *) die "no Debian musl mapping for this target (known: aarch64, armv7 hard-float, mipsel, s390x, i686, x86_64 -musl)";;
esac

rustup run "$nightly" rustc --version >/dev/null 2>&1 \
  || die "the $nightly toolchain is needed (-Zbuild-std rebuilds std for targets without a prebuilt one): rustup toolchain install $nightly"
rustup component list --toolchain "$nightly" --installed 2>/dev/null | grep -q '^rust-src' \
  || rustup component add rust-src --toolchain "$nightly" \
  || die "could not install rust-src for $nightly (needed by -Zbuild-std)"
# rust-objcopy (below, and make size) runs only with the llvm-tools component.
rustup component list --toolchain "$nightly" --installed 2>/dev/null | grep -q '^llvm-tools' \
  || rustup component add llvm-tools --toolchain "$nightly" \
  || die "could not install llvm-tools for $nightly (rust-objcopy, to drop the sections a strip leaves)"

# The C sysroot from Debian, once.
sys=$here/target/cross-sysroot/$arch
if [ ! -f "$sys/.complete" ]; then
  rm -rf "$sys"
  "$here/vm/apt-fetch.sh" "$here/target/apt" "$suite" "$arch" "$sys" musl-dev musl libgcc-12-dev \
    || die "could not fetch Debian's musl-dev, musl and libgcc-12-dev for $arch (see above)"
  touch "$sys/.complete"
fi
mlib=$sys/usr/lib/$mt
glib=$(ls -d "$sys"/usr/lib/gcc/"$gt"/*/ 2>/dev/null | sort -V | tail -1)
glib=${glib%/}
[ -f "$mlib/libc.a" ] || die "$mlib/libc.a missing after unpacking musl-dev"
[ -n "$glib" ] && [ -f "$glib/libgcc_eh.a" ] || die "libgcc_eh.a missing under $sys/usr/lib/gcc/$gt"

# libunwind.a (what std's unwind crate links for musl) = libgcc_eh.a, plus
# the _dl_find_object stub.
extra=$sys/rustlink
mkdir -p "$extra"
ln -sf "$glib/libgcc_eh.a" "$extra/libunwind.a"
features=+crt-static
case "$triple" in mips*) features="$features,-soft-float";; esac
if [ ! -f "$extra/dl_find_object.o" ] || [ "$here/mk/dl_find_object.rs" -nt "$extra/dl_find_object.o" ]; then
  rustup run "$nightly" rustc --target "$triple" --emit=obj -C panic=abort -C opt-level=2 \
    -C target-feature="$features" -o "$extra/dl_find_object.o" "$here/mk/dl_find_object.rs" \
    || die "could not compile mk/dl_find_object.rs"
fi

# Code generation and link flags for size: the same as the x86_64 release
# build's (.cargo/config.toml and the Makefile's BUILD_STD): position-
# dependent code (CROSS_RELOC, default static: no GOT indirection, no dynamic
# relocations), no unwind tables (panic=abort, std without its backtrace
# printer), panics as trap instructions without messages (immediate-abort),
# panic locations redacted, and rust-lld's identical code folding,
# no page-aligned separate code segment, no RELRO segment (musl's static
# start never write-protects it; lld placed the TLS template so that the
# armv7 file got a 64 KiB hole before it: 326,180 bytes instead of
# 260,524), no build id. They are passed as
# RUSTFLAGS, which replaces every config-file rustflags: .cargo/config.toml's
# x86_64 flags do not leak into an x86_64 build made here (vm/helper), so the
# crt objects below always match the code model.
reloc=${CROSS_RELOC:-static}
flags="-C linker=rust-lld -C link-self-contained=no -C target-feature=$features"
flags="$flags -C relocation-model=$reloc -C force-unwind-tables=no -Zlocation-detail=none"
flags="$flags -Zunstable-options -Cpanic=immediate-abort"
flags="$flags -C link-arg=--icf=all -C link-arg=-znoseparate-code -C link-arg=-znorelro -C link-arg=--build-id=none"

# A static-pie link (the target's default where its spec says so, x86_64 and
# s390x, unless CROSS_RELOC=static) needs rcrt1.o, which relocates the
# program itself at start, and the S variants of crtbegin/crtend; a static
# non-PIE link needs crt1.o (rcrt1.o in a non-PIE executable crashes at
# start: its self-relocation finds no dynamic section).
pie=no
if [ "$reloc" != static ] && rustup run "$nightly" rustc -Z unstable-options --print target-spec-json --target "$triple" 2>/dev/null \
    | grep -q '"static-position-independent-executables": true'; then
  pie=yes
fi
if [ $pie = yes ]; then
  start=("$mlib/rcrt1.o" "$mlib/crti.o" "$glib/crtbeginS.o"); end=("$glib/crtendS.o" "$mlib/crtn.o")
else
  start=("$mlib/crt1.o" "$mlib/crti.o"); end=("$mlib/crtn.o")
fi
for o in "${start[@]}"; do flags="$flags -Z pre-link-arg=$o"; done
flags="$flags -L native=$mlib -L native=$glib -L native=$extra"
flags="$flags -C link-arg=$extra/dl_find_object.o -C link-arg=-lgcc"
for o in "${end[@]}"; do flags="$flags -C link-arg=$o"; done
flags="$flags ${CROSS_EXTRA_RUSTFLAGS:-}"

echo "$cargo +$nightly build --locked --release --target $triple -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size (linker rust-lld, relocation-model $reloc, C sysroot Debian $suite $arch)" >&2
env "RUSTFLAGS=$flags" \
  "$cargo" "+$nightly" build --locked --release --target "$triple" \
  --manifest-path "$manifest" --target-dir "$tdir" \
  -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size >&2 \
  || die "cargo build failed (see above)"

# What the linker's strip leaves and nothing reads at run time (the kernel
# loads segments, not sections): MIPS procedure descriptors (.pdr, about
# 61 KiB on mipsel: LLVM writes one per function and has no option to
# leave them out), the objects' .gnu.attributes and the compilers'
# .comment. rust-objcopy is the toolchain's (llvm-tools, installed above).
# The binary is named after the manifest's package (openports, or vm/helper's).
name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -1)
bin="$tdir/$triple/release/$name"
host=$(rustup run "$nightly" rustc -vV | sed -n 's/^host: //p')
objcopy="$(rustup run "$nightly" rustc --print sysroot)/lib/rustlib/$host/bin/rust-objcopy"
"$objcopy" --remove-section=.pdr --remove-section=.gnu.attributes --remove-section=.comment "$bin" \
  || die "$objcopy could not remove the sections a strip leaves from $bin"
