/*
 * runner.c - run one command and measure it, for bench/timeit.py.
 *
 *   runner TIMEOUT_MS STDOUT_PATH STDERR_PATH PROG [ARGS...]
 *
 * Forks, execs PROG with stdout/stderr redirected to the given paths (opened
 * for writing, truncated), waits with wait4() and prints one line:
 *
 *   wall_ns=<n> status=<exit code | -signal> utime_us=<n> stime_us=<n> maxrss_kib=<n> timeout=<0|1>
 *
 * Why not measure from python directly: Linux charges a process's ru_maxrss
 * with the RSS high-water mark of the address space it had *before* exec, so a
 * child forked (or vforked) from python reports at least python's RSS.  This
 * runner is tiny (and built static), so the peak RSS it reports is the
 * command's own, give or take this program's few hundred KiB floor (shown by
 * timing `true`).
 *
 * The command runs in its own process group, which is killed after TIMEOUT_MS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: runner TIMEOUT_MS STDOUT_PATH STDERR_PATH PROG [ARGS...]\n");
        return 2;
    }
    long timeout_ms = strtol(argv[1], NULL, 10);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || err < 0) {
        perror("runner: open");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) {
        perror("runner: fork");
        return 2;
    }
    if (child == 0) {
        setpgid(0, 0);
        if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        execvp(argv[4], argv + 4);
        _exit(127);
    }
    setpgid(child, child);
    if (timeout_ms > 0) {
        struct itimerval it = {.it_value = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000}};
        setitimer(ITIMER_REAL, &it, NULL);
    }
    int status;
    struct rusage ru;
    pid_t r;
    while ((r = wait4(child, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r < 0) {
        perror("runner: wait4");
        return 2;
    }
    int code = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("wall_ns=%lld status=%d utime_us=%lld stime_us=%lld maxrss_kib=%ld timeout=%d\n", wall, code,
           (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
           (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss, (int)timed_out);
    return 0;
}
