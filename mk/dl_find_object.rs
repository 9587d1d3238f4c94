//! `_dl_find_object` for Debian's libgcc_eh in static musl cross builds
//! (mk/cross-build.sh). libgcc_eh (built against glibc) looks up unwind tables
//! with glibc's `_dl_find_object`, which musl lacks. This definition answers
//! "not found" (-1), so the unwinder falls back to finding nothing; openports
//! is built with panic=abort and never unwinds (only a panic backtrace with
//! RUST_BACKTRACE would ask). Compiled without core: no std for the target
//! exists before build-std has run.
#![no_core]
#![allow(internal_features)]
#![feature(no_core, lang_items)]
#![crate_type = "lib"]

#[lang = "pointee_sized"]
pub trait PointeeSized {}
#[lang = "meta_sized"]
pub trait MetaSized: PointeeSized {}
#[lang = "sized"]
pub trait Sized: MetaSized {}

/// int _dl_find_object(void *pc, struct dl_find_object *result): -1, not found.
#[unsafe(no_mangle)]
pub extern "C" fn _dl_find_object() -> u32 {
    0xffff_ffff
}
