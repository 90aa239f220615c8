/*
 * rsp_minimal: the yardstick for the RSP engine's speed.  A deliberately
 * minimal gdbstub client that connects to QEMU, then does N times "single-step
 * (`s`) + read all registers (`g`)" and prints steps per second.
 *
 * It shares no code with gdbstub/ on purpose: it is what any competent
 * hand-written client costs, so gdbstub/rsp.c is judged against it (goal: >= 90%
 * of its rate).  It checks checksums of what it receives but does no escaping,
 * run-length decoding, target description or error recovery: QEMU 7.2 sends
 * none of those for `s` and `g`.  TCP_NODELAY is set (without it each step waits
 * ~44 ms for delayed acks).
 *
 *   build: cc -O2 -o build/rsp_minimal bench/rsp_minimal.c
 *   usage: rsp_minimal [127.0.0.1]:PORT|UNIX-PATH [N]   (loopback only; VM stopped,
 *          e.g. qemu -S; do not run two clients on one stub)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int fd;
static char in[65536];
static size_t in_len, in_pos;

static int next_byte(void)
{
    if (in_pos == in_len) {
        ssize_t n = read(fd, in, sizeof in);
        if (n <= 0) {
            fprintf(stderr, "rsp_minimal: connection closed\n");
            exit(1);
        }
        in_len = (size_t)n;
        in_pos = 0;
    }
    return (unsigned char)in[in_pos++];
}

static void send_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            perror("rsp_minimal: write");
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Send $payload#xx and wait for the '+'. */
static void send_packet(const char *payload)
{
    char frame[256];
    unsigned sum = 0;
    for (const char *p = payload; *p; p++)
        sum += (unsigned char)*p;
    int n = snprintf(frame, sizeof frame, "$%s#%02x", payload, sum & 0xff);
    send_all(frame, (size_t)n);
    int c;
    while ((c = next_byte()) != '+')
        if (c == '-')
            send_all(frame, (size_t)n);
}

/* Read one packet into buf, verify its checksum, ack it; returns its length. */
static size_t recv_packet(char *buf, size_t cap)
{
    size_t len = 0;
    unsigned sum = 0;
    while (next_byte() != '$')
        ;
    for (int c; (c = next_byte()) != '#';) {
        sum += (unsigned)c;
        if (len + 1 < cap)
            buf[len++] = (char)c;
    }
    char hex[3] = { (char)next_byte(), (char)next_byte(), 0 };
    buf[len] = 0;
    if (strtoul(hex, NULL, 16) != (sum & 0xff)) {
        fprintf(stderr, "rsp_minimal: bad checksum\n");
        exit(1);
    }
    send_all("+", 1);
    return len;
}

static void connect_to(const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (strchr(addr, '/')) {
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        snprintf(un.sun_path, sizeof un.sun_path, "%s", addr);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&un, sizeof un) == 0)
            return;
    } else if (colon) {
        struct sockaddr_in sin = { .sin_family = AF_INET,
                                   .sin_port = htons((uint16_t)atoi(colon + 1)) };
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        fd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0)
            return;
    }
    perror("rsp_minimal: connect");
    exit(1);
}

int main(int argc, char **argv)
{
    static char reply[65536];
    if (argc < 2) {
        fprintf(stderr, "usage: rsp_minimal HOST:PORT|UNIX-PATH [N]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 10000;
    connect_to(argv[1]);
    send_packet("qSupported");
    recv_packet(reply, sizeof reply);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t glen = 0;
    for (long i = 0; i < n; i++) {
        send_packet("s");
        recv_packet(reply, sizeof reply);
        send_packet("g");
        glen = recv_packet(reply, sizeof reply);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("rsp_minimal: %ld steps in %.3f s: %.0f steps/s (g reply %zu hex digits)\n",
           n, secs, (double)n / secs, glen);
    close(fd);
    return 0;
}
