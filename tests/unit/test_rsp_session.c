/*
 * test_rsp_session: the session and connection layers over a fake transport
 * that replays a recorded conversation with a real QEMU 7.2 (tests/unit/data/
 * qemu72-{i386,x86_64}/session.txt, made by capture_rsp.py with an independent
 * client).  The fake checks every byte our client writes against the recorded
 * client side, so request order, chunking of `m` and qXfer, acks and the wait
 * before the interrupt byte are all checked; the answers are QEMU's.
 *
 * Truth beyond the transcript: the reset vector's bytes (SeaBIOS: `jmp far
 * f000:e05b`, its POST entry), the step landing on that jump's target, and
 * QEMU's monitor text (`info registers`), parsed here, agreeing with our `g`
 * decoding.  Hand-written scripts cover naks and corrupted frames both ways.
 */
#include "tests/unit/unit.h"
#include "gdbstub/rsp.h"

#include <errno.h>
#include <stdlib.h>

/* ---- the replaying transport -------------------------------------------- */

enum rec_kind { REC_CLIENT, REC_STUB, REC_TIMEOUT };
struct rec { enum rec_kind kind; size_t len; char *data; };

struct fake {
    struct rec recs[512];
    size_t nrecs, idx, pos;     /* next record, bytes of it done */
    char why[200];              /* first mismatch */
};

static size_t unescape(const char *s, char *out)
{
    size_t n = 0;
    for (; *s && *s != '\n'; s++) {
        if (*s != '\\') {
            out[n++] = *s;
        } else if (s[1] == 'n' || s[1] == '\\') {
            out[n++] = s[1] == 'n' ? '\n' : '\\';
            s++;
        } else {
            unsigned v;
            sscanf(s + 2, "%2x", &v);
            out[n++] = (char)v;
            s += 3;
        }
    }
    return n;
}

/* Lines: "> bytes" (client), "< bytes" (stub), "= timeout", "# comment". */
static void fake_load_text(struct fake *f, const char *text)
{
    memset(f, 0, sizeof *f);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        struct rec *r = &f->recs[f->nrecs];
        if (line[0] == '>' || line[0] == '<') {
            r->kind = line[0] == '>' ? REC_CLIENT : REC_STUB;
            r->data = malloc(nl ? (size_t)(nl - line) + 1 : strlen(line) + 1);
            r->len = unescape(line + 2, r->data);
            f->nrecs++;
        } else if (line[0] == '=') {
            r->kind = REC_TIMEOUT;
            f->nrecs++;
        }
        line = nl ? nl + 1 : NULL;
    }
}

static int fake_load_file(struct fake *f, const char *dir)
{
    char path[512];
    const char *root = getenv("HVT_ROOT");
    snprintf(path, sizeof path, "%s/tests/unit/data/%s/session.txt",
             root ? root : ".", dir);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = 0;
    fake_load_text(f, text);
    return 0;
}

static void fake_fail(struct fake *f, const char *what)
{
    if (!f->why[0])
        snprintf(f->why, sizeof f->why, "record %zu byte %zu: %s", f->idx, f->pos,
                 what);
}

static int fake_write(void *ctx, const void *buf, size_t n)
{
    struct fake *f = ctx;
    const char *p = buf;
    for (size_t i = 0; i < n; i++) {
        struct rec *r = &f->recs[f->idx];
        if (f->idx == f->nrecs || r->kind != REC_CLIENT || r->data[f->pos] != p[i]) {
            fake_fail(f, "client wrote something else");
            errno = EPROTO;
            return -1;
        }
        if (++f->pos == r->len) {
            f->idx++;
            f->pos = 0;
        }
    }
    return 0;
}

static ssize_t fake_read(void *ctx, void *buf, size_t cap, int timeout_ms)
{
    struct fake *f = ctx;
    if (f->idx == f->nrecs)
        return 0;
    struct rec *r = &f->recs[f->idx];
    if (r->kind == REC_TIMEOUT) {
        f->idx++;
        return -2;
    }
    if (r->kind == REC_CLIENT) {
        fake_fail(f, "client waits but still owes bytes");
        return -2;
    }
    size_t n = r->len - f->pos < cap ? r->len - f->pos : cap;
    memcpy(buf, r->data + f->pos, n);
    if ((f->pos += n) == r->len) {
        f->idx++;
        f->pos = 0;
    }
    return (ssize_t)n;
}

static void fake_close(void *ctx)
{
    struct fake *f = ctx;
    for (size_t i = 0; i < f->nrecs; i++)
        free(f->recs[i].data);
}

static const struct rsp_transport fake_ops = { fake_write, fake_read, fake_close };

/* ---- QEMU's monitor text as a second source of truth --------------------- */

/* Value after "KEY=" (or "KEY =" for segments) in `info registers` output. */
static uint64_t monitor_value(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 16) : UINT64_MAX;
}

static void check_against_monitor(const struct hvt_state *st, const char *text)
{
    static const struct { const char *key; enum hvt_field f; } keys[] = {
        { "EAX=", HVT_RAX }, { "EBX=", HVT_RBX }, { "ECX=", HVT_RCX },
        { "EDX=", HVT_RDX }, { "ESI=", HVT_RSI }, { "EDI=", HVT_RDI },
        { "EBP=", HVT_RBP }, { "ESP=", HVT_RSP }, { "EIP=", HVT_RIP },
        { "EFL=", HVT_EFLAGS }, { "ES =", HVT_ES_SEL }, { "CS =", HVT_CS_SEL },
        { "SS =", HVT_SS_SEL }, { "DS =", HVT_DS_SEL }, { "FS =", HVT_FS_SEL },
        { "GS =", HVT_GS_SEL }, { "CR0=", HVT_CR0 }, { "CR2=", HVT_CR2 },
        { "CR3=", HVT_CR3 }, { "CR4=", HVT_CR4 }, { "EFER=", HVT_EFER },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (monitor_value(text, keys[i].key) != st->f[keys[i].f])
            UNIT_FAIL("%s monitor %" PRIx64 " vs g %" PRIx64, keys[i].key,
                      monitor_value(text, keys[i].key), st->f[keys[i].f]);
}

/* ---- the recorded session ---------------------------------------------- */

static void replay(const char *dir, size_t nregs, uint64_t cpuid_sig)
{
    static struct fake f;
    struct rsp_session *s;
    struct hvt_state st;
    struct rsp_stop stop;
    hvt_error err = { "" };
    static uint8_t mem[4112];
    static char text[8192];
    unsigned flags;
    CHECK(fake_load_file(&f, dir) == 0);
    CHECK(rsp_attach(&s, rsp_conn_new(&fake_ops, &f, &err), &err) == 0);
    CHECK_EQ_U64(s->td.nregs, nregs);
    CHECK_EQ_U64(s->packet_size, 4096);          /* QEMU: PacketSize=1000 */
    CHECK_EQ_U64(s->mem_chunk, 2048);
    CHECK(rsp_read_regs(s, &st, &err) == 0);
    CHECK_EQ_U64(hvt_state_pc(&st), 0xffff0);
    CHECK_EQ_U64(st.f[HVT_RDX], cpuid_sig);
    CHECK(rsp_read_mem(s, 0xffff0, mem, 16, &err) == 0);
    CHECK(memcmp(mem, "\xea\x5b\xe0\x00\xf0", 5) == 0);   /* jmp far f000:e05b */
    CHECK(rsp_read_mem(s, 0xf0000, mem, 4112, &err) == 0); /* 2048+2048+16 */
    CHECK(rsp_get_sstep(s, &flags, &err) == 0);
    CHECK_EQ_U64(flags, RSP_SSTEP_ENABLE | RSP_SSTEP_NOIRQ | RSP_SSTEP_NOTIMER);
    CHECK(rsp_step(s, &stop, &err) == 0);
    CHECK_EQ_U64(stop.kind, RSP_STOP_SIGNAL);
    CHECK_EQ_U64(stop.code, 5);                  /* SIGTRAP */
    CHECK(rsp_read_regs(s, &st, &err) == 0);
    CHECK_EQ_U64(st.f[HVT_CS_SEL], 0xf000);
    CHECK_EQ_U64(st.f[HVT_RIP], 0xe05b);
    if (rsp_monitor(s, "info registers", text, sizeof text, &err))
        UNIT_FAIL("monitor: %s / %s", err.msg, f.why);
    CHECK(strstr(text, "CS =f000 000f0000") != NULL);   /* base after the far jmp */
    check_against_monitor(&st, text);
    CHECK(rsp_hwbreak(s, 0x7c00, 1, &err) == 0);
    /* No disk: 0x7c00 is never reached; the fake times out like the real VM. */
    CHECK_EQ_U64(rsp_continue(s, 100, &stop, &err), RSP_TIMEOUT);
    CHECK_EQ_U64(stop.code, 2);                  /* SIGINT from the interrupt */
    CHECK(rsp_hwbreak(s, 0x7c00, 0, &err) == 0);
    CHECK(rsp_set_sstep(s, RSP_SSTEP_ENABLE, &err) == 0);
    CHECK(rsp_get_sstep(s, &flags, &err) == 0);
    CHECK_EQ_U64(flags, RSP_SSTEP_ENABLE);
    if (f.why[0] || err.msg[0])
        UNIT_FAIL("%s %s", f.why, err.msg);
    rsp_close(s);                                /* pays the last ack */
    CHECK_EQ_U64(f.idx, f.nrecs);                /* the whole transcript was used */
}

UNIT_TEST(qemu_i386_session) { replay("qemu72-i386", 50, 0x663); }
UNIT_TEST(qemu_x86_64_session) { replay("qemu72-x86_64", 66, 0x60fb1); }

/* ---- ack discipline, hand-written ---------------------------------------- */

static struct rsp_conn *scripted(struct fake *f, const char *script)
{
    fake_load_text(f, script);
    return rsp_conn_new(&fake_ops, f, NULL);
}

/* The stub naks our packet: we send it again, identically. */
UNIT_TEST(resend_on_nak)
{
    static struct fake f;
    hvt_error err = { "" };
    struct rsp_conn *c = scripted(&f, "> $g#67\n< -\n> $g#67\n< +\n");
    CHECK(rsp_conn_send(c, "g", 1, &err) == 0);
    struct rsp_conn_stats cs;
    rsp_conn_stats(c, &cs);
    CHECK_EQ_U64(cs.resends, 1);
    CHECK_EQ_U64(f.idx, f.nrecs);
    rsp_conn_close(c);
}

/* A reply with a bad checksum is nak'd and the good resend acked; the ack and
 * reply may share one read, or be split anywhere. */
UNIT_TEST(nak_corrupted_reply)
{
    static struct fake f;
    hvt_error err = { "" };
    const char *reply;
    size_t n;
    struct rsp_conn *c = scripted(&f, "> $?#3f\n< +$S0\n< 5#b9\n> -\n"
                                      "< $S05#b8\n> +\n");
    CHECK(rsp_conn_send(c, "?", 1, &err) == 0);
    CHECK(rsp_conn_recv(c, &reply, &n, 0, &err) == 0);
    CHECK_STR(reply, "S05");
    rsp_conn_close(c);
    CHECK_EQ_U64(f.idx, f.nrecs);
}

UNIT_TEST(gives_up_after_repeated_naks)
{
    static struct fake f;
    hvt_error err = { "" };
    struct rsp_conn *c = scripted(&f, "> $g#67\n< -\n> $g#67\n< -\n> $g#67\n< -\n"
                                      "> $g#67\n< -\n");
    CHECK(rsp_conn_send(c, "g", 1, &err) < 0);
    CHECK(strstr(err.msg, "refused 4 times") != NULL);
    rsp_conn_close(c);
}

UNIT_TEST(timeout_and_hangup)
{
    static struct fake f;
    hvt_error err = { "" };
    const char *reply;
    size_t n;
    struct rsp_conn *c = scripted(&f, "> $c#63\n< +\n= timeout\n");
    CHECK(rsp_conn_send(c, "c", 1, &err) == 0);
    CHECK_EQ_U64(rsp_conn_recv(c, &reply, &n, 10, &err), RSP_TIMEOUT);
    CHECK(err.msg[0] == 0);                      /* a timeout is not an error */
    CHECK(rsp_conn_recv(c, &reply, &n, 10, &err) < 0);   /* end of stream */
    CHECK(strstr(err.msg, "closed") != NULL);
    rsp_conn_close(c);
}

/* Error replies: `m` on unreadable memory, unsupported commands. */
UNIT_TEST(error_replies)
{
    static struct fake f;
    hvt_error err = { "" };
    struct rsp_session s = { 0 };
    uint8_t b[4];
    s.conn = scripted(&f, "> $m1000,4#8e\n< +$E14#aa\n> +\n"
                          "> $Z1,7c00,1#0e\n< +$#00\n> +\n");
    s.mem_chunk = 2048;
    CHECK(rsp_read_mem(&s, 0x1000, b, 4, &err) < 0);
    CHECK(strstr(err.msg, "E14") != NULL);
    hvt_error_clear(&err);
    CHECK(rsp_hwbreak(&s, 0x7c00, 1, &err) < 0);
    CHECK(strstr(err.msg, "not supported") != NULL);
    rsp_conn_close(s.conn);
    CHECK_EQ_U64(f.idx, f.nrecs);
}

/* QEMU's gdbstub sends W at exit (a SIGTERM to QEMU), possibly before the `+`
 * of the `s` it had read: the exit packet stands for the ack and is the step's
 * reply.  Any other packet where the ack belongs is still an error. */
UNIT_TEST(exit_packet_instead_of_ack)
{
    static struct fake f;
    hvt_error err = { "" };
    struct rsp_session s = { 0 };
    struct rsp_stop stop;
    s.conn = scripted(&f, "> $s#73\n< $W00#b7\n");
    CHECK(rsp_step(&s, &stop, &err) == 0);
    CHECK_EQ_U64(stop.kind, RSP_STOP_EXITED);
    CHECK_EQ_U64(stop.code, 0);
    CHECK_EQ_U64(f.idx, f.nrecs);
    rsp_conn_close(s.conn);
    s.conn = scripted(&f, "> $g#67\n< $OK#9a\n");
    CHECK(rsp_conn_send(s.conn, "g", 1, &err) < 0);
    CHECK(strstr(err.msg, "packet 'OK' before the ack") != NULL);
    rsp_conn_close(s.conn);
}

UNIT_MAIN()
