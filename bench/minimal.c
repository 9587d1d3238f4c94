/*
 * minimal.c - the simplest reasonable C implementation of "listening sockets
 * with their owning processes" from /proc, used as the benchmark baseline.
 *
 *  1. read /proc/net/{tcp,tcp6,udp,udp6}, keep TCP LISTEN and UDP UNCONN rows
 *     (what `ss -tuln` shows) and remember their socket inodes in a hash table
 *  2. readlink every /proc/<pid>/fd/<n>; for "socket:[<inode>]" links look the
 *     inode up and record the pid
 *  3. print one line per socket: proto local-address:port pid/comm
 *
 * Host network namespace only (the one /proc/net shows for this process).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sock {
    unsigned long inode;
    int v6, udp, port;
    unsigned char addr[16];
    int pid;          /* first owner found, 0 = none */
    const char *comm; /* its command name */
};

static struct sock *socks;
static size_t nsocks, capsocks;
static size_t *table; /* open addressing: index+1 into socks, 0 = empty */
static size_t tablesize;

static void add_sock(struct sock s)
{
    if (nsocks == capsocks) {
        capsocks = capsocks ? capsocks * 2 : 1024;
        socks = realloc(socks, capsocks * sizeof *socks);
        if (!socks) {
            perror("realloc");
            exit(1);
        }
    }
    socks[nsocks++] = s;
}

static void read_table(const char *path, int v6, int udp)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return; /* e.g. IPv6 disabled */
    char line[512];
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        char local[64];
        unsigned int port, state;
        unsigned long inode;
        /* sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode */
        if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", local, &port,
                   &state, &inode) != 4)
            continue;
        if (udp ? state != 0x07 : state != 0x0A) /* UDP UNCONN / TCP LISTEN */
            continue;
        struct sock s = {.inode = inode, .v6 = v6, .udp = udp, .port = (int)port};
        /* the kernel prints each 32-bit word of the address as %08X in host byte order */
        for (int w = 0; w < (v6 ? 4 : 1); w++) {
            char word[9];
            memcpy(word, local + 8 * w, 8);
            word[8] = 0;
            uint32_t x = (uint32_t)strtoul(word, NULL, 16);
            memcpy(s.addr + 4 * w, &x, 4);
        }
        add_sock(s);
    }
    fclose(f);
}

static size_t hash(unsigned long inode)
{
    return (size_t)(inode * 0x9E3779B97F4A7C15ull) & (tablesize - 1);
}

static void build_table(void)
{
    tablesize = 16;
    while (tablesize < nsocks * 2)
        tablesize *= 2;
    table = calloc(tablesize, sizeof *table);
    if (!table) {
        perror("calloc");
        exit(1);
    }
    for (size_t i = 0; i < nsocks; i++) {
        if (socks[i].inode == 0)
            continue;
        size_t h = hash(socks[i].inode);
        while (table[h])
            h = (h + 1) & (tablesize - 1);
        table[h] = i + 1;
    }
}

static struct sock *lookup(unsigned long inode)
{
    size_t h = hash(inode);
    while (table[h]) {
        struct sock *s = &socks[table[h] - 1];
        if (s->inode == inode)
            return s;
        h = (h + 1) & (tablesize - 1);
    }
    return NULL;
}

static void scan_processes(void)
{
    DIR *proc = opendir("/proc");
    if (!proc) {
        perror("/proc");
        exit(1);
    }
    struct dirent *p;
    char path[600], link[64];
    while ((p = readdir(proc))) {
        if (p->d_name[0] < '0' || p->d_name[0] > '9')
            continue;
        int pid = atoi(p->d_name);
        snprintf(path, sizeof path, "/proc/%s/fd", p->d_name);
        DIR *fds = opendir(path);
        if (!fds)
            continue; /* gone, or no permission */
        struct dirent *fd;
        const char *comm = NULL; /* read once per process, on its first match */
        while ((fd = readdir(fds))) {
            if (fd->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "/proc/%s/fd/%s", p->d_name, fd->d_name);
            ssize_t n = readlink(path, link, sizeof link - 1);
            if (n < 9 || memcmp(link, "socket:[", 8) != 0)
                continue;
            link[n] = 0;
            struct sock *s = lookup(strtoul(link + 8, NULL, 10));
            if (s && !s->pid) {
                if (!comm) {
                    char buf[64] = "";
                    snprintf(path, sizeof path, "/proc/%s/comm", p->d_name);
                    FILE *f = fopen(path, "r");
                    if (f) {
                        if (fgets(buf, sizeof buf, f))
                            buf[strcspn(buf, "\n")] = 0;
                        fclose(f);
                    }
                    comm = strdup(buf);
                }
                s->pid = pid;
                s->comm = comm;
            }
        }
        closedir(fds);
    }
    closedir(proc);
}

int main(void)
{
    read_table("/proc/net/tcp", 0, 0);
    read_table("/proc/net/tcp6", 1, 0);
    read_table("/proc/net/udp", 0, 1);
    read_table("/proc/net/udp6", 1, 1);
    build_table();
    scan_processes();

    for (size_t i = 0; i < nsocks; i++) {
        struct sock *s = &socks[i];
        char addr[INET6_ADDRSTRLEN] = "?";
        inet_ntop(s->v6 ? AF_INET6 : AF_INET, s->addr, addr, sizeof addr);
        printf("%s%s %s%s%s:%d", s->udp ? "udp" : "tcp", s->v6 ? "6" : "", s->v6 ? "[" : "", addr,
               s->v6 ? "]" : "", s->port);
        if (s->pid)
            printf(" %d/%s\n", s->pid, s->comm);
        else
            printf(" -\n");
    }
    return 0;
}
