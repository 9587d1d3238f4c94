//! The executor: a small pool of workers taking [`Job`]s from one queue, each
//! job's findings kept in job order so that the result does not depend on
//! which worker ran what.
//!
//! The queue is open while the main thread plans: workers start on the first
//! jobs (our own namespace's tables, the fd walk) while processes are still
//! being listed and namespaces discovered; the main thread joins them once the
//! plan is complete. A panic in a worker is re-raised on the main thread.

use std::collections::VecDeque;
use std::io;
use std::sync::{Condvar, Mutex, MutexGuard};

use super::assemble::Found;
use super::filter::Filter;
use super::kinds;
use super::namespaces;
use super::netdir::NetDir;
use super::owners::{self, WalkPart};
use super::plan::{Entry, Job, NetFile};
use super::tables;
use crate::model::socket::Socket;
use crate::proc::{ProcRoot, sys};

/// What every job may read.
pub struct Ctx<'a> {
    pub src: &'a ProcRoot,
    pub filter: &'a Filter,
}

/// Jobs waiting for a worker, numbered in the order they were planned.
#[derive(Default)]
pub struct Queue {
    state: Mutex<State>,
    more: Condvar,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<(usize, Job)>,
    planned: usize,
    closed: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked while holding the lock is re-raised when it is
        // joined; the queue itself is never left half-updated.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Add jobs at the end of the plan.
    pub fn push(&self, jobs: impl IntoIterator<Item = Job>) {
        let mut st = self.lock();
        for job in jobs {
            let n = st.planned;
            st.jobs.push_back((n, job));
            st.planned += 1;
        }
        drop(st);
        self.more.notify_all();
    }

    /// No more jobs will come: workers return once the queue is empty.
    fn close(&self) {
        self.lock().closed = true;
        self.more.notify_all();
    }

    /// Drop the jobs not yet taken (the run failed) and close.
    pub fn cancel(&self) {
        let mut st = self.lock();
        st.jobs.clear();
        st.closed = true;
        drop(st);
        self.more.notify_all();
    }

    /// The next job, waiting while the plan is still open.
    fn take(&self) -> Option<(usize, Job)> {
        let mut st = self.lock();
        loop {
            if let Some(j) = st.jobs.pop_front() {
                return Some(j);
            }
            if st.closed {
                return None;
            }
            st = self.more.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Closes the queue however planning ends (an error or a panic included), so
/// that no worker waits forever.
struct CloseOnDrop<'a>(&'a Queue);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// What the jobs found: the findings in job order, the rows each worker read
/// (they go straight into their worker's vector, never copied per job), and
/// what the fd walk found (each job's entries appended to one vector). The
/// order of rows and entries does not matter: [`super::assemble`] sorts them.
pub struct Findings {
    pub found: Vec<Found>,
    pub rows: Vec<Vec<Socket>>,
    pub walk: WalkPart,
}

/// Run `plan` on this thread while `workers - 1` helper threads run the jobs
/// it pushes; then run what is left here too. Returns `plan`'s result and
/// what the jobs found.
pub fn execute<T>(ctx: &Ctx<'_>, workers: usize, plan: impl FnOnce(&Queue) -> T) -> (T, Findings) {
    let queue = Queue::default();
    let walk = Mutex::new(WalkPart::default());
    let helper = || work(ctx, &queue, &walk);
    // A helper that could not be started leaves its share to the others.
    let ((planned, (mut found, mine)), helpers) = sys::beside(workers.max(1) - 1, &helper, || {
        let planned = {
            let _close = CloseOnDrop(&queue);
            plan(&queue)
        };
        (planned, work(ctx, &queue, &walk))
    });
    let mut rows = vec![mine];
    for (f, r) in helpers.into_iter().flatten() {
        found.extend(f);
        rows.push(r);
    }
    let walk = walk.into_inner().unwrap_or_else(|p| p.into_inner());
    // In job order, each job's findings in the order the job made them.
    let mut by_job: Vec<Vec<Found>> = Vec::new();
    by_job.resize_with(queue.lock().planned, Vec::new);
    for (job, f) in found {
        by_job[job].push(f);
    }
    let found = by_job.into_iter().flatten().collect();
    (planned, Findings { found, rows, walk })
}

/// One worker: take jobs until the queue is closed and empty. An fd-walk job
/// fills this worker's scratch, which is then appended to `walk` (one vector
/// that grows in place, where per-worker vectors would be copied into one).
fn work(
    ctx: &Ctx<'_>,
    queue: &Queue,
    walk: &Mutex<WalkPart>,
) -> (Vec<(usize, Found)>, Vec<Socket>) {
    let mut out = Vec::new();
    let mut found = Vec::new();
    let mut rows = Vec::new();
    let mut scratch = WalkPart::default();
    while let Some((n, job)) = queue.take() {
        let walked = matches!(job, Job::Fds { .. });
        run(ctx, job, &mut found, &mut rows, &mut scratch);
        if walked {
            walk.lock()
                .unwrap_or_else(|p| p.into_inner())
                .take_from(&mut scratch);
        }
        out.extend(found.drain(..).map(|f| (n, f)));
    }
    (out, rows)
}

/// Run one job. Every kind of job is dispatched here, to its reader.
fn run(ctx: &Ctx<'_>, job: Job, out: &mut Vec<Found>, rows: &mut Vec<Socket>, walk: &mut WalkPart) {
    match job {
        Job::Net { ns, dir, file } => read_file(ctx, &dir, ns, file, out, rows),
        Job::Entered { targets, files } => entered(ctx, &targets, &files, out, rows),
        Job::Fds { pids, range } => owners::walk_pids(ctx.src, &pids[range], walk),
        #[cfg(test)]
        Job::Panic => panic!("a reader failed"),
    }
}

/// Read one file of namespace `ns` from `dir` with the reader of its kind.
fn read_file(
    ctx: &Ctx<'_>,
    dir: &NetDir,
    ns: u32,
    file: NetFile,
    out: &mut Vec<Found>,
    rows: &mut Vec<Socket>,
) {
    let mut diag = Vec::new();
    let (src, filter) = (ctx.src, ctx.filter);
    match file {
        NetFile::Inet(t) => tables::read_inet(src, dir, ns, t, filter, &mut diag, rows),
        NetFile::Sctp => {
            let assocs = filter.all_states();
            kinds::read_sctp(src, dir, ns, assocs, filter, &mut diag, rows);
        }
        NetFile::Packet => kinds::read_packet(src, dir, ns, filter, &mut diag, rows),
        NetFile::Unix => kinds::read_unix(src, dir, ns, filter.all_states(), &mut diag, rows),
        NetFile::Addrs => {
            let a = super::addrs::read_netdir(src, dir, &mut diag);
            out.push(Found::Addrs(ns, Box::new(a)));
        }
        NetFile::Sockstat => {
            if let Some(c) = super::sockstat::read_netdir(src, dir) {
                out.push(Found::Counters(ns, Box::new(c)));
            }
        }
    }
    out.extend(diag.into_iter().map(Found::Warning));
}

/// Enter each target on a thread of its own and read `files` there.
fn entered(
    ctx: &Ctx<'_>,
    targets: &[Entry],
    files: &[NetFile],
    out: &mut Vec<Found>,
    rows: &mut Vec<Socket>,
) {
    let body = || {
        let mut out = Vec::new();
        let mut rows = Vec::new();
        for t in targets {
            match namespaces::enter(&t.nsfs, t.inode) {
                Ok(()) => {
                    for &file in files {
                        let dir = NetDir::Path("thread-self/net");
                        read_file(ctx, &dir, t.ns, file, &mut out, &mut rows);
                    }
                }
                // Deleted since discovery (`ip netns del`: the mount point is
                // gone, or left as a plain file that is no namespace, or holds
                // another namespace now): skipped silently, like a vanished
                // process.
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EINVAL)) => {}
                Err(e) => out.push(Found::NotEntered(t.ns, e)),
            }
        }
        (out, rows)
    };
    match sys::beside(1, &body, || ()).1.pop() {
        Some(Ok((found, read))) => {
            out.extend(found);
            rows.extend(read);
        }
        // No thread to enter them on (this one must stay where it is).
        Some(Err(e)) => {
            let code = e.raw_os_error().unwrap_or(libc::EAGAIN);
            let lost = targets
                .iter()
                .map(|t| Found::NotEntered(t.ns, io::Error::from_raw_os_error(code)));
            out.extend(lost);
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{self, Parsed};

    fn fixture(name: &str) -> ProcRoot {
        ProcRoot::new(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn filter() -> Filter {
        match cli::parse_from(["-a"]) {
            Ok(Parsed::Run(cfg)) => Filter::new(&crate::cmd::listing_request(&cfg)),
            _ => unreachable!(),
        }
    }

    /// A panic in a helper thread reaches the caller: a worker's rows are
    /// never silently dropped.
    #[test]
    fn a_panic_in_a_worker_is_raised_on_the_caller() {
        let src = fixture("synth-multi-ns");
        let filter = filter();
        let ctx = Ctx {
            src: &src,
            filter: &filter,
        };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            execute(&ctx, 2, |q| {
                q.push([Job::Panic]);
                // Let the helper take it: this thread then finds the queue empty.
                let t0 = std::time::Instant::now();
                while !q.lock().jobs.is_empty() && t0.elapsed().as_secs() < 10 {
                    std::thread::yield_now();
                }
            })
        }));
        assert!(r.is_err(), "the worker's panic was swallowed");
    }

    /// Findings come back in job order, and the fd walk finds the same owners,
    /// whichever worker ran what.
    #[test]
    fn findings_are_in_job_order_for_any_number_of_workers() {
        let src = fixture("synth-multi-ns");
        let filter = filter();
        let ctx = Ctx {
            src: &src,
            filter: &filter,
        };
        let pids: std::sync::Arc<[u32]> = src.list_pids().unwrap().into();
        let run = |workers| {
            let ((), found) = execute(&ctx, workers, |q| {
                for ns in 0..6 {
                    q.push([Job::Net {
                        ns,
                        dir: NetDir::Path("net"),
                        file: NetFile::Addrs,
                    }]);
                    q.push(super::super::plan::fd_jobs(&pids));
                }
            });
            let order: Vec<u32> = found
                .found
                .iter()
                .filter_map(|f| match f {
                    Found::Addrs(ns, _) => Some(*ns),
                    _ => None,
                })
                .collect();
            let ix = owners::index_of(found.walk);
            (order, ix.entries().to_vec(), ix.walked)
        };
        let one = run(1);
        assert_eq!(one.0, [0, 1, 2, 3, 4, 5]);
        assert!(!one.1.is_empty());
        assert!(
            one.2 > 0 && one.2 % 6 == 0,
            "each pass walks the same processes"
        );
        for workers in [2, 3, 8] {
            assert_eq!(run(workers), one, "{workers} workers");
        }
    }
}
