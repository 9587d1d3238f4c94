//! Every syscall the tool makes beyond `std::fs`, and all of its `unsafe`.
//! Each wrapper takes and returns safe types (`&CStr`, `BorrowedFd`,
//! `OwnedFd`, slices) and turns a failure into `io::Error`.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// How many CPUs this thread may run on (`sched_getaffinity`); none if the
/// call fails or, as on some old MIPS kernels, reports an empty mask.
pub fn affinity_cpus() -> Option<usize> {
    // SAFETY: `set` is a zeroed, properly sized out-buffer.
    let n = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        libc::CPU_COUNT(&set)
    };
    usize::try_from(n).ok().filter(|&n| n > 0)
}

/// The online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`), if known.
pub fn online_cpus() -> Option<usize> {
    // SAFETY: sysconf takes a plain constant.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).ok().filter(|&n| n > 0)
}

/// procfs's `f_type` (`include/uapi/linux/magic.h`).
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// Whether `path` is on a mounted procfs (`statfs`).
pub fn is_procfs(path: &CStr) -> bool {
    // SAFETY: `path` is a valid NUL-terminated path and `st` a properly sized out-buffer.
    unsafe {
        let mut st: libc::statfs = std::mem::zeroed();
        libc::statfs(path.as_ptr(), &mut st) == 0 && st.f_type as i64 == PROC_SUPER_MAGIC
    }
}

/// `open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)`.
pub fn open_dir(path: &CStr) -> io::Result<OwnedFd> {
    open(path, libc::O_RDONLY | libc::O_DIRECTORY)
}

/// `open(path, flags | O_CLOEXEC)`, as the `openat` syscall itself: musl's
/// `open()` follows every `O_CLOEXEC` open with an `fcntl(F_SETFD)` for
/// kernels before 2.6.23, one syscall more per file (thousands per run).
/// `O_LARGEFILE` as musl adds it (a 32-bit build could not open a file over
/// 2 GiB without it).
pub fn open(path: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    openat_raw(libc::AT_FDCWD, path, flags, 0)
}

/// `open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)`: a new file
/// (never an existing one, nor what a symlink there points to), writable,
/// with the umask's permissions. Not `std::fs::OpenOptions`, whose flag
/// checks link std's boxed string errors (README, "Size").
pub fn create_new(path: &CStr) -> io::Result<OwnedFd> {
    openat_raw(
        libc::AT_FDCWD,
        path,
        libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
        0o666,
    )
}

/// `openat(dir, name, flags | O_CLOEXEC)`: a path resolved relative to an open
/// directory, so that what `dir` identified (a process's `/proc/PID`) is what
/// is read, even if the name it was found by now means something else.
pub fn openat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    openat_raw(dir.as_raw_fd(), name, flags, 0)
}

fn openat_raw(
    dir: libc::c_int,
    name: &CStr,
    flags: libc::c_int,
    mode: libc::mode_t,
) -> io::Result<OwnedFd> {
    // SAFETY: name is NUL-terminated; flags and mode are plain constants (the
    // mode is used only with O_CREAT).
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::c_long::from(dir),
            name.as_ptr(),
            libc::c_long::from(flags | libc::O_CLOEXEC | libc::O_LARGEFILE),
            mode as libc::c_long,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened by us and is owned by nobody else; it is an
    // int (the syscall returns one, widened to a long).
    Ok(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) })
}

/// `getdents64(dir, buf)`: the number of bytes of `linux_dirent64` records
/// written to `buf`, 0 at the end of the directory.
pub fn getdents64(dir: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is valid for writes of its length.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getdents64,
            dir.as_raw_fd(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// `readlinkat(dir, name, buf)`: the length of the target written to `buf`.
pub fn readlinkat(dir: BorrowedFd<'_>, name: &CStr, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: name is NUL-terminated; buf is valid for writes of its length.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// `kcmp(pid, tid, KCMP_FILES)`: whether two tasks share one fd table.
pub fn kcmp_files(pid: u32, tid: u32) -> io::Result<bool> {
    const KCMP_FILES: libc::c_long = 2;
    // pid_t is an int on every Linux; c_long is 32 bits on armv7 and mipsel,
    // where From<u32> does not exist (pids are below 2^22, so `as` is exact).
    let (pid, tid) = (pid as libc::pid_t, tid as libc::pid_t);
    // SAFETY: kcmp takes plain integers and touches no memory of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_kcmp,
            libc::c_long::from(pid),
            libc::c_long::from(tid),
            KCMP_FILES,
            0 as libc::c_long,
            0 as libc::c_long,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r == 0)
}

/// The value of environment variable `name`, if set. libc's `getenv`
/// without std's environment lock: openports never changes its environment,
/// so nothing writes it while this reads (README, "Size").
pub fn getenv(name: &CStr) -> Option<Vec<u8>> {
    // SAFETY: name is NUL-terminated; getenv returns null or a NUL-terminated
    // string in the environment, which no thread of this process modifies.
    unsafe {
        let v = libc::getenv(name.as_ptr());
        (!v.is_null()).then(|| CStr::from_ptr(v).to_bytes().to_vec())
    }
}

/// Standard output as the bare file descriptor 1, which the program buffers
/// itself (a `BufWriter`): not std's `Stdout`, a locked line buffer behind
/// a lazily made global, whose code the static link would carry along
/// (README, "Size"). Like std's, a closed fd 1 (EBADF) swallows the output.
pub struct Stdout;

impl io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            // SAFETY: buf is valid for reads of its length.
            let n =
                unsafe { libc::write(1, buf.as_ptr().cast(), buf.len().min(isize::MAX as usize)) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => {}
                Some(libc::EBADF) => return Ok(buf.len()),
                _ => return Err(e),
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Standard input as a file of its own (a duplicate of fd 0), read like any other
/// file: not std's `Stdin`, whose locked buffer the static link would carry
/// along (README, "Size").
pub fn stdin_file() -> io::Result<std::fs::File> {
    // SAFETY: F_DUPFD_CLOEXEC takes and returns plain fds.
    let fd = unsafe { libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just made by us and is owned by nobody else.
    Ok(std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    // SAFETY: isatty only inspects the fd.
    unsafe { libc::isatty(1) == 1 }
}

/// The effective uid of this process.
pub fn geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Move the calling thread into the network namespace `ns` refers to.
pub fn setns_net(ns: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: a valid open fd; CLONE_NEWNET checks that it refers to a net namespace.
    let rc = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The release build has no panic messages (`-Cpanic=immediate-abort`,
/// README "Size"): a failed check (index out of range, `unwrap` of
/// nothing, memory exhausted) runs a trap instruction, SIGILL or SIGTRAP by
/// architecture. This handler says so on stderr, then lets the signal kill
/// the process as it would have (exit status, core dump).
extern "C" fn on_trap(sig: libc::c_int) {
    const MSG: &[u8] = b"openports: internal error: a check in the program failed (a bug, or memory ran out); please report it with the command line and `openports --version`\n";
    // SAFETY: write, signal and raise are async-signal-safe; MSG is valid
    // for its length. The raised signal stays pending (blocked while this
    // handler runs) and kills the process with the default action when it
    // returns, wherever the trap left the program counter.
    unsafe {
        libc::write(2, MSG.as_ptr().cast(), MSG.len());
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Install [`on_trap`] for SIGILL and SIGTRAP (first thing in `main`).
pub fn report_traps() {
    for sig in [libc::SIGILL, libc::SIGTRAP] {
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        unsafe { libc::signal(sig, on_trap as *const () as libc::sighandler_t) };
    }
}

/// Set by the SIGINT/SIGTERM handler that [`catch_terminate`] installs.
static TERMINATE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_terminate(_: libc::c_int) {
    TERMINATE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// SIGINT and SIGTERM, caught and blocked: they are taken only inside
/// [`Terminate::wait`], so a poll in progress always finishes (and threads
/// started later inherit the blocked mask).
pub struct Terminate {
    /// The mask to wait with: the old one, SIGINT and SIGTERM let through.
    wait_mask: libc::sigset_t,
}

/// How a [`Terminate::wait`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    Timeout,
    /// SIGINT or SIGTERM arrived.
    Signal,
    /// Standard output was closed by its reader (a pipe) or hung up (a terminal).
    Closed,
}

/// Catch SIGINT and SIGTERM (see [`Terminate`]).
pub fn catch_terminate() -> io::Result<Terminate> {
    // SAFETY: sigset_t and sigaction are plain C structs, initialised by the
    // sig* functions before use; the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_terminate as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        for sig in [libc::SIGINT, libc::SIGTERM] {
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        let mut old: libc::sigset_t = std::mem::zeroed();
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        libc::sigdelset(&mut old, libc::SIGINT);
        libc::sigdelset(&mut old, libc::SIGTERM);
        Ok(Terminate { wait_mask: old })
    }
}

impl Terminate {
    /// Sleep up to `d`, waking early for SIGINT/SIGTERM or when standard
    /// output is closed (`ppoll` on fd 1 with no events: only POLLERR/POLLHUP).
    pub fn wait(&self, d: std::time::Duration) -> Wake {
        let deadline = std::time::Instant::now() + d;
        loop {
            if TERMINATE.load(std::sync::atomic::Ordering::Relaxed) {
                return Wake::Signal;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Wake::Timeout;
            }
            let ts = libc::timespec {
                tv_sec: left.as_secs().min(86_400) as _,
                tv_nsec: left.subsec_nanos() as _,
            };
            let mut fd = libc::pollfd {
                fd: 1,
                events: 0,
                revents: 0,
            };
            // SAFETY: one valid pollfd, a valid timespec and signal mask.
            let n = unsafe { libc::ppoll(&mut fd, 1, &ts, &self.wait_mask) };
            if n > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                return Wake::Closed;
            }
            // n < 0: EINTR (the flag is checked above); n == 0: timeout.
        }
    }
}

/// A thread of [`beside`]: the function it runs, and what came of it, read
/// only after the thread is joined.
struct Helper<'a, A> {
    f: &'a (dyn Fn() -> A + Sync),
    out: Option<std::thread::Result<A>>,
}

extern "C" fn helper_start<A>(p: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `p` is this thread's `Helper` in `beside`'s vector, which is
    // neither moved nor read until this thread has been joined.
    let h = unsafe { &mut *p.cast::<Helper<'_, A>>() };
    h.out = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(h.f)));
    std::ptr::null_mut()
}

/// Joins its threads when dropped: at the end of [`beside`], and also when
/// `main` unwinds (test builds), before what the threads borrow is gone.
struct Joined(Vec<libc::pthread_t>);

impl Drop for Joined {
    fn drop(&mut self) {
        for t in self.0.drain(..) {
            // SAFETY: a thread started by `beside` and not joined yet.
            unsafe { libc::pthread_join(t, std::ptr::null_mut()) };
        }
    }
}

/// Run `helper` on `n` new threads (2 MiB stacks, as std gives) while `main`
/// runs on this one, then wait for all of them: `main`'s result and each
/// helper's, in order, or the error that kept it from starting. A panic in
/// a helper is raised again here (test builds; release builds abort).
///
/// This is `std::thread::scope` without std's thread start, which links a
/// per-thread stack-overflow registry (a `BTreeMap`), thread names and spawn
/// hooks, none of which openports uses (README, "Size").
pub fn beside<A: Send, B>(
    n: usize,
    helper: &(dyn Fn() -> A + Sync),
    main: impl FnOnce() -> B,
) -> (B, Vec<io::Result<A>>) {
    let mut helpers: Vec<Helper<'_, A>> = (0..n)
        .map(|_| Helper {
            f: helper,
            out: None,
        })
        .collect();
    let mut errors: Vec<Option<io::Error>> = (0..n).map(|_| None).collect();
    let base = helpers.as_mut_ptr();
    let mut joined = Joined(Vec::with_capacity(n));
    // SAFETY: attr is initialised before use and destroyed after the last
    // create; each thread gets a pointer to its own `Helper`, which outlives
    // it (`joined` is dropped before `helpers` is read).
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let have_attr = libc::pthread_attr_init(&mut attr) == 0;
        if have_attr {
            libc::pthread_attr_setstacksize(&mut attr, 2 << 20);
        }
        let attr_ptr = if have_attr {
            &attr as *const _
        } else {
            std::ptr::null()
        };
        for (i, error) in errors.iter_mut().enumerate() {
            let mut t: libc::pthread_t = std::mem::zeroed();
            let rc = libc::pthread_create(&mut t, attr_ptr, helper_start::<A>, base.add(i).cast());
            match rc {
                0 => joined.0.push(t),
                _ => *error = Some(io::Error::from_raw_os_error(rc)),
            }
        }
        if have_attr {
            libc::pthread_attr_destroy(&mut attr);
        }
    }
    let b = main();
    drop(joined);
    let results = helpers
        .into_iter()
        .zip(errors)
        .map(|(h, e)| match (h.out, e) {
            (Some(Ok(a)), _) => Ok(a),
            (Some(Err(panic)), _) => std::panic::resume_unwind(panic),
            (None, e) => Err(e.unwrap_or_else(|| io::Error::from_raw_os_error(libc::EAGAIN))),
        })
        .collect();
    (b, results)
}

/// musl's `pthread_setname_np`, for the calling thread, which is the only one
/// std names (`std::sys::thread::set_name` passes `pthread_self()`; openports
/// names no thread, so it is never called here at all). Defined here so the
/// static link does not take musl's, whose other-thread branch formats
/// `/proc/self/task/%d/comm` with `snprintf` and so links all of musl's printf
/// and float formatting (about 9 KiB; README, "Size"). Same results as musl's
/// for the calling thread: ERANGE over 15 bytes, else `prctl(PR_SET_NAME)`.
/// Another thread's name cannot be set here (ESRCH): its kernel tid is
/// private to musl.
///
/// # Safety
/// `name` must point to a NUL-terminated string (the C contract).
#[cfg(all(target_os = "linux", target_env = "musl"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_setname_np(
    thread: libc::pthread_t,
    name: *const libc::c_char,
) -> libc::c_int {
    // SAFETY: `name` is NUL-terminated (above); prctl copies at most 16 bytes.
    unsafe {
        if libc::strnlen(name, 16) > 15 {
            return libc::ERANGE;
        }
        if thread != libc::pthread_self() {
            return libc::ESRCH;
        }
        if libc::prctl(libc::PR_SET_NAME, name as libc::c_ulong, 0, 0, 0) != 0 {
            return *libc::__errno_location();
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The helpers run while `main` does (it waits for each of them to say
    /// so), and their results come back in order, after `main`'s.
    #[test]
    fn beside_runs_helpers_alongside_main_and_returns_theirs_in_order() {
        let (tx, rx) = std::sync::mpsc::channel();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let helper = || {
            let me = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tx.send(me).unwrap();
            me * 10
        };
        let (heard, helpers) = beside(3, &helper, || {
            let mut heard: Vec<usize> = (0..3)
                .map(|_| rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap())
                .collect();
            heard.sort_unstable();
            heard
        });
        assert_eq!(heard, [0, 1, 2]);
        let mut got: Vec<usize> = helpers.into_iter().map(Result::unwrap).collect();
        got.sort_unstable();
        assert_eq!(got, [0, 10, 20]);
        let (_, none) = beside(0, &helper, || ());
        assert!(none.is_empty());
    }

    /// A helper's panic reaches the caller, after every helper is joined.
    #[test]
    fn a_helper_panic_is_raised_on_the_caller() {
        let done = std::sync::atomic::AtomicUsize::new(0);
        let helper = || {
            if done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                panic!("helper failed");
            }
        };
        let r =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| beside(2, &helper, || ())));
        assert!(r.is_err(), "the helper's panic was swallowed");
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
