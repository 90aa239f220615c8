/*
 * recorder_poweroff: where the trace of a guest that powered off (ACPI) ends.
 *
 * A power-off is the guest's `out` of SLP_EN to PM1a_CNT (ACPI 6.4, 4.8.3.2.1;
 * QEMU's acpi_pm1_cnt_write calls qemu_system_shutdown_request).  That only
 * requests the shutdown: the vCPU goes on until QEMU's main loop acts on the
 * request and pauses the VM (-no-shutdown), a moment host threads decide.
 * poweroff.asm's `hlt` after its `out` ran in some recordings and not in
 * others (94 or 95 steps), and the RSP engine, stopped after every
 * instruction, never runs it.  The rule, the same in every engine: the trace
 * ends with the step whose `out` requested the power-off (QMP SHUTDOWN reason
 * guest-shutdown and an `out` that reaches QEMU's "acpi-cnt" range, read from
 * `info mtree -f` while the VM is paused).  What the vCPU ran after it is an
 * artifact of QEMU's asynchronous shutdown: not recorded, counted in an
 * `after-poweroff` event, which also says whether any of it may have written
 * memory (the end snapshot is read once the VM paused, after it).
 *
 * How: the run file's step sink (recorder_sink.c) writes an `out` at once and,
 * if that `out` can be the power-off, holds the steps after it (at most
 * POWEROFF_HOLD) until the next `out` or the end; rec_poweroff_end drops them
 * when the rule applies, else writes them.  An `out` can be the power-off only
 * if a byte it writes has bit 5 set: SLP_EN is bit 13 of PM1_CNT (ACPI 6.4,
 * 4.8.3.2.1, table 4.13), bit 5 of the register's second byte, whichever port
 * the register has (QEMU's memory map says, read at the end).  Every other
 * step costs a scan of its bytes for an `out` opcode: no decode, no copy
 * (a boot's UART `out`s of 'A'-'Z' hold nothing; lower case and digits still do).
 * Invariant: steps reach the run file in step order; held steps are exactly
 * those after po.out, and none is written twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/mtree.h"
#include "recipes/recipe.h"
#include "record/recorder_int.h"

#define POWEROFF_HOLD 16384     /* steps after an `out` held back */
#define MTREE_BYTES   (64 * 1024)

/* Can s be an `out` (OUT e6/e7/ee/ef, OUTS 6e/6f; SDM vol 2 table A-2)?  A
 * necessary condition, checked before any decode: one of its bytes is such
 * an opcode (prefixes and immediates included, so never a false "no"). */
static int may_be_out(const struct hvt_step *s)
{
    for (unsigned i = 0; i < s->insn_len; i++) {
        uint8_t b = s->insn[i];
        if ((b & 0xfe) == 0xe6 || (b & 0xfe) == 0xee || (b & 0xfe) == 0x6e)
            return 1;
    }
    return 0;
}

static int out_decode(const struct hvt_step *s, struct recipe_insn *insn)
{
    if (!may_be_out(s))
        return 0;
    recipe_insn_decode(s->insn, s->insn_len, s->mode, insn);
    return insn->kind == RECIPE_INSN_OUT;
}

int rec_out_port(const struct hvt_step *s, unsigned *port)
{
    struct recipe_insn insn;
    if (!out_decode(s, &insn))
        return 0;
    *port = insn.port_in_dx ? (unsigned)(s->st.f[HVT_RDX] & 0xffff) : insn.port;
    return 1;
}

/* Does a byte this `out` writes have SLP_EN's bit (5 of the byte)?  OUTS
 * writes memory's bytes, and without recorded registers: it may. */
static int may_request_poweroff(const struct hvt_step *s, const struct recipe_insn *insn)
{
    if (!(s->st.known & HVT_K_GPR))
        return 1;               /* AL/AX/EAX not recorded: it may */
    for (unsigned i = 0; i < insn->width; i++)
        if ((s->st.f[HVT_RAX] >> (8 * i)) & 0x20)
            return 1;
    return insn->string;
}

static int write_held(struct recorder *r, hvt_error *err)
{
    struct rec_poweroff *po = &r->po;
    for (size_t i = 0; i < po->nheld; i++)
        if (rundb_append_step(r->db, &po->held[i], err))
            return -1;
    po->nheld = 0;
    po->have_out = 0;
    return 0;
}

int rec_poweroff_step(struct recorder *r, const struct hvt_step *s, hvt_error *err)
{
    struct rec_poweroff *po = &r->po;
    struct recipe_insn insn;
    if (out_decode(s, &insn)) {
        if (write_held(r, err) || rundb_append_step(r->db, s, err))
            return -1;
        if (may_request_poweroff(s, &insn)) {
            po->out = *s;
            po->have_out = 1;
        }
        return 0;
    }
    if (!po->have_out)          /* nothing held: the step goes straight through */
        return rundb_append_step(r->db, s, err);
    if (!po->held && !(po->held = malloc(POWEROFF_HOLD * sizeof *po->held)))
        po->have_out = 0;       /* no room to hold: written as they come */
    if (po->have_out && po->nheld < POWEROFF_HOLD) {
        po->held[po->nheld++] = *s;
        return 0;
    }
    if (write_held(r, err))
        return -1;
    return rundb_append_step(r->db, s, err);
}

/* Does po.out write to QEMU's acpi-cnt range (the VM paused, QEMU alive)? */
static int out_was_poweroff(struct recorder *r)
{
    char *text = malloc(MTREE_BYTES);
    uint64_t lo, hi;
    unsigned port;
    int found = text && r->po.have_out && rec_out_port(&r->po.out, &port) &&
                rsp_monitor(r->rsp, "info mtree -f", text, MTREE_BYTES, &(hvt_error){ "" }) == 0 &&
                qemu_mtree_io_range(text, QEMU_MTREE_ACPI_CNT, &lo, &hi) == 0 &&
                port <= hi && port + 3 >= lo;   /* an out writes 1, 2 or 4 bytes */
    free(text);
    return found;
}

static void note_dropped(struct recorder *r)
{
    const struct rec_poweroff *po = &r->po;
    int writes = 0;
    for (size_t i = 0; i < po->nheld; i++) {
        struct recipe_insn insn;
        recipe_insn_decode(po->held[i].insn, po->held[i].insn_len, po->held[i].mode, &insn);
        writes |= insn.may_write;
    }
    char text[300];
    snprintf(text, sizeof text, "the trace ends with the out that requested the power-off "
             "(#%" PRIu64 "); %zu instruction%s QEMU's vCPU ran after it before the VM "
             "paused %s not recorded%s", po->out.n, po->nheld, po->nheld == 1 ? "" : "s",
             po->nheld == 1 ? "is" : "are",
             writes ? " (some may write memory: the end snapshot, read once the VM paused, "
                      "holds their stores)" : "");
    rundb_add_event(r->db, po->out.n + 1, "after-poweroff", text, NULL);
}

int rec_poweroff_end(struct recorder *r, hvt_error *err)
{
    struct rec_poweroff *po = &r->po;
    int rc = 0;
    if (r->vm_paused && !strcmp(r->qmp.reason, "guest-shutdown") && out_was_poweroff(r)) {
        if (po->nheld)
            note_dropped(r);
        r->nsteps = po->out.n + 1;
        po->nheld = 0;
        po->have_out = 0;
    } else {
        if (r->vm_paused && !strcmp(r->qmp.reason, "guest-shutdown"))
            rundb_add_event(r->db, r->nsteps, "after-poweroff", "the out that requested "
                            "the power-off is not the last out, or QEMU ran more than "
                            STR(POWEROFF_HOLD) " instructions after it before the VM paused: "
                            "every step until the pause is recorded", NULL);
        rc = write_held(r, err);
    }
    free(po->held);
    po->held = NULL;
    return rc;
}
