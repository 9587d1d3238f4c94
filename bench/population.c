/*
 * population.c - build a socket population for the openports benchmark.
 *
 * One parent forks P worker processes.  Each worker holds F extra file
 * descriptors of assorted kinds (pipes, /dev/null, unix socketpairs, an
 * eventfd, an epoll fd, unbound TCP/UDP sockets) plus its share of:
 *
 *   - TCP listeners on 127.10.x.y (and a few on 0.0.0.0) / [::1]
 *   - established loopback TCP connections: the worker connects from
 *     127.20.x.y (explicit, unique source address:port, so the ephemeral port
 *     range is never exhausted) to one of its own listeners and accepts the
 *     connection, so both ends are in the socket table
 *   - UDP sockets bound on 127.30.x.y / [::1]
 *
 * With -n K, K more workers each join network namespace obench-<k>
 * (/run/netns/obench-<k>, created beforehand with `ip netns add`), bring lo up
 * and hold a few listeners, UDP sockets and one established connection there.
 *
 * When every worker is ready the parent prints one "READY ..." line to stdout
 * (and to the -r file, if given) and sleeps until it is killed.  Workers die
 * with the parent (PR_SET_PDEATHSIG), and all of them share the parent's
 * process group, so `kill -- -PGID` or killing the parent cleans up.
 *
 * Everything is bounded: every wait has a timeout (-t, overall deadline) and
 * any setup error makes the parent report it, kill the workers and exit 1.
 * Only loopback addresses are used.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNS_PER_SRC_ADDR 1000 /* client ports 20000..20999 per 127.20.x.y */
#define LISTENERS_PER_ADDR 1000 /* listener ports 10000..10999 per 127.10.x.y */
#define UDP_PER_ADDR 1000       /* udp ports 10000..10999 per 127.30.x.y */
#define WILDCARD_PORT_BASE 9000 /* a few listeners on 0.0.0.0:9000+i */
#define V6_LISTEN_PORT_BASE 30000
#define V6_LISTEN_PORTS 20000
#define V6_UDP_PORT_BASE 10000
#define V6_UDP_PORTS 20000
#define NETNS_PORT_BASE 8000

static long n_procs = 100, n_l4 = 950, n_l6 = 50, n_e4 = 1900, n_e6 = 100,
            n_u4 = 95, n_u6 = 5, n_extra = 20, n_netns = 0, timeout_s = 600;
static const char *netns_prefix = "obench-";
static const char *ready_file = NULL;
static int ready_wfd = -1;  /* worker -> parent status pipe */
static int worker_id = -1;  /* for messages */
static double deadline;     /* CLOCK_MONOTONIC seconds */

struct status {
    char ok;        /* 'K' ready, 'F' failed */
    char pad[3];
    int fallbacks;  /* sockets that had to fall back to a kernel-chosen port */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int remaining_ms(void)
{
    double r = deadline - now();
    if (r <= 0)
        return 0;
    if (r > 10.0)
        r = 10.0; /* no single wait longer than 10 s */
    return (int)(r * 1000) + 1;
}

static const char *hint(int err)
{
    switch (err) {
    case EMFILE:
    case ENFILE:
        return " (out of file descriptors: check RLIMIT_NOFILE, fs.nr_open, fs.file-max)";
    case EADDRNOTAVAIL:
        return " (address not available: is lo up and 127.0.0.0/8 local? ::1 disabled?)";
    case EADDRINUSE:
        return " (address in use)";
    case ETIMEDOUT:
        return " (timed out: loopback traffic dropped? nf_conntrack table full? deadline -t reached?)";
    case ENOBUFS:
    case ENOMEM:
        return " (kernel out of memory/buffers)";
    default:
        return "";
    }
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
    int err = errno;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (worker_id >= 0)
        fprintf(stderr, "population: worker %d: %s: %s%s\n", worker_id, msg, strerror(err), hint(err));
    else
        fprintf(stderr, "population: %s: %s%s\n", msg, strerror(err), hint(err));
    if (ready_wfd >= 0) {
        struct status st = {.ok = 'F'};
        ssize_t w = write(ready_wfd, &st, sizeof st);
        (void)w;
    }
    _exit(1);
}

/* ---------- address helpers ---------- */

static struct sockaddr_in sin4(uint32_t host_order_addr, int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host_order_addr);
    a.sin_port = htons(port);
    return a;
}

static struct sockaddr_in6 sin6_lo(int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    a.sin6_port = htons(port);
    return a;
}

/* 127.<b>.<idx/250>.<idx%250+1> */
static uint32_t lo_addr(int b, long idx)
{
    return (127u << 24) | ((uint32_t)b << 16) | ((uint32_t)(idx / 250) << 8) | (uint32_t)(idx % 250 + 1);
}

static int fallbacks;

/* bind; if the chosen port is taken by something else, let the kernel pick. */
static void bind_or_fallback(int fd, struct sockaddr *sa, socklen_t len, const char *what)
{
    if (bind(fd, sa, len) == 0)
        return;
    if (errno != EADDRINUSE)
        die("bind %s", what);
    if (sa->sa_family == AF_INET)
        ((struct sockaddr_in *)sa)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)sa)->sin6_port = 0;
    if (bind(fd, sa, len) != 0)
        die("bind %s (port 0 fallback)", what);
    fallbacks++;
}

static void set_v6only(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
        die("setsockopt IPV6_V6ONLY");
}

static int tcp_listener(struct sockaddr *sa, socklen_t len, const char *what)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket (%s)", what);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa->sa_family == AF_INET6)
        set_v6only(fd);
    bind_or_fallback(fd, sa, len, what);
    if (listen(fd, 128) != 0)
        die("listen (%s)", what);
    return fd;
}

static int udp_socket(struct sockaddr *sa, socklen_t len, const char *what)
{
    int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket (%s)", what);
    if (sa->sa_family == AF_INET6)
        set_v6only(fd);
    bind_or_fallback(fd, sa, len, what);
    return fd;
}

static int wait_fd(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int ms = remaining_ms();
        if (ms <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int r = poll(&p, 1, ms);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0 && now() >= deadline) {
            errno = ETIMEDOUT;
            return -1;
        }
        /* r == 0 before the deadline: one 10 s slice passed, keep waiting
         * (bounded by the deadline) */
    }
}

/*
 * Connect a new client socket (bound to src if non-NULL) to the listener lfd
 * and accept the server side.  Both fds stay open for the life of the worker.
 */
static void make_conn(int lfd, struct sockaddr *src, socklen_t srclen, const char *what)
{
    struct sockaddr_storage dst;
    socklen_t dlen = sizeof dst;
    if (getsockname(lfd, (struct sockaddr *)&dst, &dlen) != 0)
        die("getsockname (%s)", what);
    if (dst.ss_family == AF_INET && ((struct sockaddr_in *)&dst)->sin_addr.s_addr == htonl(INADDR_ANY))
        ((struct sockaddr_in *)&dst)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    int c = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c < 0)
        die("socket (%s client)", what);
    if (dst.ss_family == AF_INET6)
        set_v6only(c);
    if (src)
        bind_or_fallback(c, src, srclen, what);
    if (connect(c, (struct sockaddr *)&dst, dlen) != 0 && errno != EINPROGRESS)
        die("connect (%s)", what);
    if (wait_fd(c, POLLOUT) != 0)
        die("connect wait (%s)", what);
    int err = 0;
    socklen_t elen = sizeof err;
    if (getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
        die("getsockopt SO_ERROR (%s)", what);
    if (err) {
        errno = err;
        die("connect (%s)", what);
    }
    if (wait_fd(lfd, POLLIN) != 0)
        die("accept wait (%s)", what);
    int s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (s < 0)
        die("accept (%s)", what);
    /* Abortive close when we are killed: RST instead of FIN, so no TIME-WAIT
     * sockets linger to pollute the next run or block its source ports. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/* ~n extra descriptors of assorted kinds, none of them in the inet tables. */
static void make_extra_fds(long n)
{
    long made = 0;
    int kind = 0;
    while (made < n) {
        int fds[2];
        switch (kind++ % 7) {
        case 0: /* pipe: 2 fds */
            if (n - made < 2)
                continue;
            if (pipe2(fds, O_CLOEXEC) != 0)
                die("pipe");
            made += 2;
            break;
        case 1: /* /dev/null */
        case 4:
            if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0)
                die("open /dev/null");
            made += 1;
            break;
        case 2: /* unix socketpair: 2 socket fds not in tcp/udp tables */
            if (n - made < 2)
                continue;
            if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
                die("socketpair");
            made += 2;
            break;
        case 3:
            if (eventfd(0, EFD_CLOEXEC) < 0)
                die("eventfd");
            made += 1;
            break;
        case 5: /* unbound inet sockets: socket inodes absent from tables */
            if (socket(kind & 8 ? AF_INET6 : AF_INET, (kind & 16 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0) < 0)
                die("socket (unbound)");
            made += 1;
            break;
        case 6:
            if (epoll_create1(EPOLL_CLOEXEC) < 0)
                die("epoll_create1");
            made += 1;
            break;
        }
    }
}

static void report_ready(void)
{
    struct status st = {.ok = 'K', .fallbacks = fallbacks};
    if (write(ready_wfd, &st, sizeof st) != (ssize_t)sizeof st)
        die("write status");
    close(ready_wfd);
    ready_wfd = -1;
    /* Hold everything until killed (or until the parent dies). */
    for (;;)
        pause();
}

/* Count of items i in [0,n) with i % stride == c. */
static long share(long n, long stride, long c)
{
    if (c >= stride || n <= c)
        return 0;
    return (n - c + stride - 1) / stride;
}

static void worker(long c)
{
    worker_id = (int)c;
    make_extra_fds(n_extra);

    long nl4 = share(n_l4, n_procs, c), nl6 = share(n_l6, n_procs, c);
    int *l4 = calloc(nl4 + 1, sizeof *l4), *l6 = calloc(nl6 + 1, sizeof *l6);
    if (!l4 || !l6)
        die("calloc");
    long wild = n_l4 / 50 < 16 ? n_l4 / 50 : 16;
    char what[96];

    long k = 0;
    for (long i = c; i < n_l4; i += n_procs, k++) {
        struct sockaddr_in a;
        if (i < wild)
            a = sin4(INADDR_ANY, WILDCARD_PORT_BASE + i);
        else
            a = sin4(lo_addr(10, i / LISTENERS_PER_ADDR), 10000 + i % LISTENERS_PER_ADDR);
        snprintf(what, sizeof what, "tcp listener #%ld", i);
        l4[k] = tcp_listener((struct sockaddr *)&a, sizeof a, what);
    }
    k = 0;
    for (long i = c; i < n_l6; i += n_procs, k++) {
        struct sockaddr_in6 a = sin6_lo(i < V6_LISTEN_PORTS ? V6_LISTEN_PORT_BASE + i : 0);
        snprintf(what, sizeof what, "tcp6 listener #%ld", i);
        l6[k] = tcp_listener((struct sockaddr *)&a, sizeof a, what);
    }

    /* Connections go only to workers that own at least one listener. */
    long srv4 = n_l4 < n_procs ? n_l4 : n_procs;
    long srv6 = n_l6 < n_procs ? n_l6 : n_procs;
    for (long j = c; c < srv4 && j < n_e4; j += srv4) {
        long a = j / CONNS_PER_SRC_ADDR;
        struct sockaddr_in src = sin4(lo_addr(20, a), 20000 + j % CONNS_PER_SRC_ADDR);
        snprintf(what, sizeof what, "tcp connection #%ld", j);
        make_conn(l4[(j / srv4) % nl4], (struct sockaddr *)&src, sizeof src, what);
    }
    for (long j = c; c < srv6 && j < n_e6; j += srv6) {
        snprintf(what, sizeof what, "tcp6 connection #%ld", j);
        /* no explicit source: connect() picks an ephemeral port, unique per
         * 4-tuple, and the destinations differ */
        make_conn(l6[(j / srv6) % nl6], NULL, 0, what);
    }

    for (long i = c; i < n_u4; i += n_procs) {
        struct sockaddr_in a = sin4(lo_addr(30, i / UDP_PER_ADDR), 10000 + i % UDP_PER_ADDR);
        snprintf(what, sizeof what, "udp socket #%ld", i);
        udp_socket((struct sockaddr *)&a, sizeof a, what);
    }
    for (long i = c; i < n_u6; i += n_procs) {
        struct sockaddr_in6 a = sin6_lo(i < V6_UDP_PORTS ? V6_UDP_PORT_BASE + i : 0);
        snprintf(what, sizeof what, "udp6 socket #%ld", i);
        udp_socket((struct sockaddr *)&a, sizeof a, what);
    }
    report_ready();
}

static void netns_worker(long k)
{
    worker_id = (int)(n_procs + k);
    char path[256];
    snprintf(path, sizeof path, "/run/netns/%s%ld", netns_prefix, k);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        die("open %s (create it with: ip netns add %s%ld)", path, netns_prefix, k);
    if (setns(nsfd, CLONE_NEWNET) != 0)
        die("setns %s", path);
    close(nsfd);

    /* bring lo up (a fresh namespace has it down) */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket (ioctl)");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
        die("SIOCGIFFLAGS lo");
    if (!(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
            die("SIOCSIFFLAGS lo up");
    }
    close(s);

    char what[96];
    int first = -1;
    for (int i = 0; i < 4; i++) { /* 2 on 0.0.0.0, 2 on 127.0.0.1 */
        struct sockaddr_in a = sin4(i < 2 ? INADDR_ANY : INADDR_LOOPBACK, NETNS_PORT_BASE + i);
        snprintf(what, sizeof what, "netns %ld tcp listener %d", k, i);
        int fd = tcp_listener((struct sockaddr *)&a, sizeof a, what);
        if (first < 0)
            first = fd;
    }
    for (int i = 0; i < 2; i++) {
        struct sockaddr_in a = sin4(INADDR_ANY, NETNS_PORT_BASE + 100 + i);
        snprintf(what, sizeof what, "netns %ld udp socket %d", k, i);
        udp_socket((struct sockaddr *)&a, sizeof a, what);
    }
    snprintf(what, sizeof what, "netns %ld tcp connection", k);
    make_conn(first, NULL, 0, what);

    /* IPv6 is optional inside the namespace (it may be disabled) */
    int fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd6 >= 0) {
        struct sockaddr_in6 a = sin6_lo(NETNS_PORT_BASE + 200);
        int one = 1;
        setsockopt(fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd6, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd6, 16) != 0)
            close(fd6);
    }
    report_ready();
}

static void raise_nofile(long need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    if ((long)rl.rlim_cur >= need)
        return;
    long nr_open = 1048576;
    FILE *f = fopen("/proc/sys/fs/nr_open", "r");
    if (f) {
        if (fscanf(f, "%ld", &nr_open) != 1)
            nr_open = 1048576;
        fclose(f);
    }
    if (need > nr_open) {
        errno = EMFILE;
        die("need %ld fds in one process but fs.nr_open is %ld; use more processes", need, nr_open);
    }
    long hard = (long)rl.rlim_max;
    if (hard < need)
        rl.rlim_max = need; /* needs CAP_SYS_RESOURCE */
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("raising RLIMIT_NOFILE to %ld per process (hard limit %ld; raising it needs "
            "CAP_SYS_RESOURCE): use more processes (BENCH_PROCS) or fewer sockets",
            need, hard);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: population [-p procs] [-l tcp4_listeners] [-L tcp6_listeners]\n"
            "                  [-e tcp4_conns] [-E tcp6_conns] [-u udp4] [-U udp6]\n"
            "                  [-f extra_fds_per_proc] [-n netns_count] [-N netns_prefix]\n"
            "                  [-t timeout_s] [-r ready_file]\n");
    exit(2);
}

static long num(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "population: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "p:l:L:e:E:u:U:f:n:N:t:r:h")) != -1) {
        switch (opt) {
        case 'p': n_procs = num(optarg); break;
        case 'l': n_l4 = num(optarg); break;
        case 'L': n_l6 = num(optarg); break;
        case 'e': n_e4 = num(optarg); break;
        case 'E': n_e6 = num(optarg); break;
        case 'u': n_u4 = num(optarg); break;
        case 'U': n_u6 = num(optarg); break;
        case 'f': n_extra = num(optarg); break;
        case 'n': n_netns = num(optarg); break;
        case 'N': netns_prefix = optarg; break;
        case 't': timeout_s = num(optarg); break;
        case 'r': ready_file = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || n_procs < 1 || timeout_s < 1)
        usage();
    if ((n_e4 && !n_l4) || (n_e6 && !n_l6)) {
        fprintf(stderr, "population: connections need at least one listener of the same family\n");
        return 2;
    }
    /* source addresses 127.20.0.1 .. : 250 per /24, 256 /24s */
    if (n_e4 / CONNS_PER_SRC_ADDR >= 250L * 256 || n_l4 / LISTENERS_PER_ADDR >= 250L * 256 ||
        n_u4 / UDP_PER_ADDR >= 250L * 256) {
        fprintf(stderr, "population: counts too large\n");
        return 2;
    }

    double t0 = now();
    deadline = t0 + timeout_s;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getpgrp() != getpid() && setpgid(0, 0) != 0)
        perror("population: setpgid (continuing)");

    /* Per-worker descriptor need: the busiest worker's share plus slack. */
    long srv4 = n_l4 < n_procs ? n_l4 : n_procs, srv6 = n_l6 < n_procs ? n_l6 : n_procs;
    long need = 3 + 16 + n_extra + share(n_l4, n_procs, 0) + share(n_l6, n_procs, 0) +
                share(n_u4, n_procs, 0) + share(n_u6, n_procs, 0) + 2 * share(n_e4, srv4, 0) +
                2 * share(n_e6, srv6, 0);
    if (need < 64)
        need = 64;
    raise_nofile(need);

    long n_workers = n_procs + n_netns;
    pid_t *pids = calloc(n_workers, sizeof *pids);
    if (!pids)
        die("calloc");
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        die("pipe");

    pid_t parent = getpid();
    long started = 0;
    for (long w = 0; w < n_workers; w++) {
        pid_t pid = fork();
        if (pid < 0) {
            int e = errno;
            for (long i = 0; i < started; i++)
                kill(pids[i], SIGKILL);
            errno = e;
            die("fork (worker %ld of %ld; pids.max / kernel.pid_max?)", w, n_workers);
        }
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            close(pfd[0]);
            ready_wfd = pfd[1];
            if (w < n_procs)
                worker(w);
            else
                netns_worker(w - n_procs);
            _exit(1);
        }
        pids[w] = pid;
        started++;
    }
    close(pfd[1]);

    long ready = 0, failed = 0, total_fallbacks = 0;
    const char *why = NULL;
    while (ready < n_workers) {
        int ms = (int)((deadline - now()) * 1000);
        if (ms <= 0) {
            why = "timed out waiting for workers (raise -t?)";
            break;
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int r = poll(&p, 1, ms < 200 ? ms : 200);
        if (r < 0 && errno != EINTR) {
            why = "poll failed";
            break;
        }
        if (r > 0) {
            struct status st;
            ssize_t n = read(pfd[0], &st, sizeof st);
            if (n == (ssize_t)sizeof st) {
                if (st.ok == 'K') {
                    ready++;
                    total_fallbacks += st.fallbacks;
                } else {
                    failed++;
                }
            } else if (n == 0) {
                why = "all workers closed the status pipe";
                break;
            } else if (n < 0 && errno != EINTR) {
                why = "read failed";
                break;
            }
        }
        if (failed) {
            why = "a worker failed";
            break;
        }
        /* a worker that died without reporting (crash, OOM kill) */
        int wst;
        pid_t dead = waitpid(-1, &wst, WNOHANG);
        if (dead > 0) {
            why = "a worker exited unexpectedly";
            fprintf(stderr, "population: worker pid %d exited (status 0x%x)\n", (int)dead, wst);
            break;
        }
    }
    if (ready < n_workers) {
        fprintf(stderr, "population: setup failed: %s; %ld of %ld workers ready\n", why, ready, n_workers);
        for (long i = 0; i < n_workers; i++)
            kill(pids[i], SIGKILL);
        return 1;
    }

    char line[512];
    snprintf(line, sizeof line,
             "READY pgid=%d procs=%ld extra_fds=%ld tcp_listeners=%ld tcp6_listeners=%ld "
             "tcp_conns=%ld tcp6_conns=%ld udp=%ld udp6=%ld netns=%ld port_fallbacks=%ld "
             "nofile=%ld seconds=%.2f\n",
             (int)getpgrp(), n_procs, n_extra, n_l4, n_l6, n_e4, n_e6, n_u4, n_u6, n_netns,
             total_fallbacks, need, now() - t0);
    fputs(line, stdout);
    fflush(stdout);
    if (ready_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", ready_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fputs(line, f) < 0 || fclose(f) != 0 || rename(tmp, ready_file) != 0) {
            perror("population: writing ready file");
            for (long i = 0; i < n_workers; i++)
                kill(pids[i], SIGKILL);
            return 1;
        }
    }
    /* Sleep until killed; workers follow us via PR_SET_PDEATHSIG. */
    for (;;)
        pause();
}
