/*
 * recorder_int: what the recorder core (recorder.c) shares with its engines
 * (engine_rsp.c, engine_log.c) and nobody else sees.  The core owns the session
 * (QEMU, gdbstub, serial, run file, stop conditions, snapshots); an engine owns
 * only how steps are produced, and writes each step and event through the
 * sinks of engine.h (rec_engine_sink).
 */
#ifndef HVT_RECORDER_INT_H
#define HVT_RECORDER_INT_H

#include "db/rundb.h"
#include "record/engine.h"
#include "record/recorder.h"
#include "gdbstub/rsp.h"
#include "qemu/qemu_fifo_log.h"
#include "qemu/qmp_events.h"
#include "recipes/recipe.h"
#include "record/serial.h"
#include "record/serial_thr.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define PROGRESS_EVERY      512     /* steps between progress callbacks */
#define CONTINUE_SLICE_MS   200     /* how often a free run checks timeout/SIGINT */
#define STEP_STALL_MS       2000    /* a step taking longer: the CPU is halted */
#define REC_SIGQUIT         3       /* gdbstub stop for RUN_STATE_SHUTDOWN */
#define REC_EFLAGS_IF       (1u << 9)
/* QEMU's single-step mask while recording (recorder.c says why). */
#define REC_SSTEP_FLAGS     (RSP_SSTEP_ENABLE | RSP_SSTEP_NOTIMER)
#define STUCK_STEPS         20000   /* steps in a row without progress: guest stuck */

#define REC_BIOS_VECTORS 2      /* int 13h, int 15h */
#define REC_BIOS_NEST    4

struct rec_bios_call {          /* a BIOS call whose output is read on return */
    uint64_t ret_pc, ret_sp, buf;
    uint8_t vector;
};

struct rec_bios {
    int ready;
    uint64_t entry[REC_BIOS_VECTORS];   /* linear targets of the IVT entries */
    struct rec_bios_call pending[REC_BIOS_NEST];
    int npending;
};

/* The log engine running a recipe (recorder_recipe.c): its breakpoints, and
 * which step pairs it has evaluated. */
#define REC_RECIPE_BPS 32
struct rec_recipe_stops {
    uint8_t vec[REC_RECIPE_BPS];        /* vectors of its int triggers */
    uint64_t entry[REC_RECIPE_BPS];     /* their IVT targets, as last read */
    int nentry;
    int boot_bp;                /* the IVT was empty: a stop at 0x7c00 reads it again */
    uint64_t ret[REC_RECIPE_BPS];       /* return addresses of the calls it waits for */
    int nret;
    int mem_ok;                 /* the VM is stopped before the pair's `next` */
    uint64_t evaluated;         /* pairs whose next is below this are done */
};

/* Steps held after an `out` until the run's end says whether the guest
 * powered off there (recorder_poweroff.c). */
struct rec_poweroff {
    struct hvt_step out;        /* the last `out` written */
    int have_out;               /* ... and the steps after it are held */
    struct hvt_step *held;
    size_t nheld;
};

struct recorder {
    const struct record_opts *o;
    struct qemu_opts qemu;      /* o->qemu with defaults filled in */
    struct qemu_proc proc;
    struct rsp_session *rsp;
    int serial_fd;
    struct serial_lines serial;
    struct serial_thr thr;      /* UART registers, for rec_serial_sent */
    int serial_by_trace;        /* stamps from the trace, not read time */
    rundb *db;
    struct hvt_step cur;        /* state before the next instruction */
    uint64_t rm_cs_sel, rm_cs_base; /* CS as of the last real-mode step */
    uint64_t nsteps;
    uint64_t next_periodic;     /* step of the next --snapshot-every snapshot */
    int nsnaps;
    double deadline;
    int engine_log;             /* --engine log */
    struct qemu_fifo_log *code_log; /* RSP engine: bytes from QEMU's in_asm, or NULL */
    struct recipe_rt *recipe;   /* --recipe: its run-time state, or NULL */
    struct recipe_io recipe_io;
    struct rec_bios bios;       /* BIOS call buffers (recorder_bios.c) */
    int recipe_stop;            /* the recipe asked to stop */
    struct rec_recipe_stops recipe_bp; /* log engine: where a recipe stops the VM */
    char recipe_reason[200];
    int qemu_gone;              /* QEMU exited or the stub hung up */
    unsigned sstep_flags;       /* Qqemu.sstep in force (REC_SSTEP_FLAGS, or
                                   ENABLE where the stub refuses NOTIMER) */
    int triple_fault;           /* the log engine saw QEMU log one */
    int vm_shut;                /* the gdbstub said the VM shut down (-no-shutdown) */
    int vm_paused;              /* ... and QEMU still holds it: snapshot possible */
    int recording;              /* --from reached: steps are being recorded */
    struct qmp_events qmp;      /* why the VM shut down (launched QEMU only) */
    uint8_t *end_mem;           /* memory read before a step that may end QEMU */
    struct rec_poweroff po;     /* steps after the last `out` (power-off rule) */
    char hv_stopped[160];
    char hv_prev[140];          /* hv's last serial line, without "hv: " */
    uint64_t hv_lo, hv_end;     /* hv's image [lo, end) as its banner says; end 0: unknown */
    char tmp_out[4096];         /* --force: the new run's name until it is done */
    const char *private_dir;    /* QEMU's or Bochs': its `pending` file (recorder_runfile.c) */       /* hv's "guest stopped: WHY" serial line, if any */
    struct record_result *res;
    int stop_asked;             /* --steps, --until or a recipe ended the run */
    /* record/replay (recorder_rr.c): the free run's QEMU, stopped but kept
     * until release (its directory holds the log and its COM1 output) */
    struct qemu_proc rr_free;
    struct qmp_events rr_qmp;
    double rr_started, rr_seconds;
    int rr_cut;                 /* the free run hit its time limit */
    char rr_how[160];           /* how the free run ended */
    /* Events that say how the run ended (halted, stuck, replay-end,
     * qemu-exit), written once the engine appended its last step: they sit
     * after it (rec_end_event). */
    struct { char kind[16]; char text[300]; } end_ev[2];
    int nend_ev;
};

double rec_now(void);

/* The run file (recorder_runfile.c).  Open it (under --force beside the old
 * run), private_dir holding the `pending` file; the recording began: a kill
 * now leaves a run (without --force); discard it (a run that never began);
 * close it: status, then under --force the old run replaced, or kept when a
 * signal interrupted the recording (err says so).  rc: the recording's own
 * result, whose err a failure to finish does not overwrite. */
int rec_run_open(struct recorder *r, const char *private_dir, hvt_error *err);
void rec_run_began(struct recorder *r);
void rec_run_discard(struct recorder *r);
int rec_run_close(struct recorder *r, int rc, hvt_error *err);
/* An event that says how the run ended.  While recording it is held and
 * written by rec_end_events_flush at the final step count: an event sits
 * between steps (README), and the run's end sits after its last step, the
 * `hlt` or the `out` QEMU ended in, whichever engine noticed the end first
 * (the RSP engine notices it inside that step, before appending it). */
void rec_end_event(struct recorder *r, const char *kind, const char *text);
void rec_end_events_flush(struct recorder *r);
/* Record/replay (recorder_rr.c): is a replay needed (a launched QEMU under
 * -icount whose recording stops at breakpoints)?  Run the guest free under
 * rr=record until it ends, then set r->qemu to replay its log. */
int rec_rr_wanted(const struct recorder *r);
int rec_rr_free_run(struct recorder *r, hvt_error *err);
void rec_rr_provenance(struct recorder *r);
/* A replay whose CPU sits on a hlt with IF clear (the VM stopped): let it run
 * on to its free run's end (a recorded power-off, or hvtrace's quit), as the
 * free run did.  1 if that ended the run (reason set), 0 if not a replay or
 * nothing came. */
int rec_replay_to_end(struct recorder *r);
/* COM1 of the replay equals the free run's (whole) or is a prefix of it. */
int rec_rr_check_serial(struct recorder *r, int whole, hvt_error *err);
/* Read COM1: bytes stamped with r->nsteps, or held for rec_serial_sent. */
void rec_serial_poll(struct recorder *r);
/* The same, the bytes sent by step `by` (its pc says hv's or the guest's). */
void rec_serial_poll_after(struct recorder *r, const struct hvt_step *by);
/* 1 if pc lies in hv's image, as hv's banner on COM1 gave it. */
int rec_in_hv(const struct recorder *r, uint64_t pc);
/* A serial line: hv's banner lines ("hv: image ...", "hv: options ...") are
 * kept as meta hv_range / hv_options and give rec_in_hv its range. */
void rec_note_hv_line(struct recorder *r, const char *line);
/* A `cli; hlt` at linear pc (CS:IP at) inside hv's image: the status saying
 * so into buf, and 1; else 0. */
int rec_hv_halt_reason(const struct recorder *r, uint64_t pc, const char *at, char *buf,
                       size_t n);
/* From now on, stamp each byte with the step that sent it: the engine calls
 * rec_serial_sent for every step it records (serial_thr.h decides), and
 * rec_serial_settle whenever the VM is stopped with every executed step
 * recorded (unmatched bytes get r->nsteps). */
void rec_serial_by_trace(struct recorder *r);
void rec_serial_sent(struct recorder *r, const struct hvt_step *s);
void rec_serial_settle(struct recorder *r);
/* 1 MiB of physical memory into the run file, labelled, at step r->nsteps. */
int rec_take_snapshot(struct recorder *r, const char *label, hvt_error *err);
/* The first RECORD_SNAP_BYTES of physical memory of the stopped VM; storing
 * len bytes of it (from address 0) as a snapshot at step r->nsteps. */
int rec_read_low_memory(struct recorder *r, uint8_t *mem, hvt_error *err);
int rec_store_snapshot(struct recorder *r, const char *label, const uint8_t *mem,
                       size_t len, hvt_error *err);
/* The end snapshot when QEMU is gone (recorder_end.c).  rec_end_may_exit: may
 * s end QEMU (an `out` to isa-debug-exit's ports)?  rec_end_hold reads the
 * memory before such a step (the RSP engine stops there); rec_end_drop forgets
 * it (the step did not end QEMU).  rec_end_after_exit stores the end snapshot
 * of a QEMU that exited: the held memory, else the RAM file's. */
int rec_end_may_exit(const struct hvt_step *s);
int rec_end_hold(struct recorder *r, hvt_error *err);
void rec_end_drop(struct recorder *r);
int rec_end_after_exit(struct recorder *r, hvt_error *err);
/* Is s an `out`/`outs`?  Then its port (imm8, or DX from s's state). */
int rec_out_port(const struct hvt_step *s, unsigned *port);
/* The power-off rule (recorder_poweroff.c): every step the engine records
 * goes through rec_poweroff_step (written, or held after an `out`);
 * rec_poweroff_end, once the engine is done, drops the held steps if the VM
 * paused for a guest power-off requested by that `out` (r->nsteps then ends
 * after it), else writes them. */
int rec_poweroff_step(struct recorder *r, const struct hvt_step *s, hvt_error *err);
int rec_poweroff_end(struct recorder *r, hvt_error *err);
/* A file the run depends on: its path in meta under key, its SHA-256 (hex)
 * under hash_key; nothing for a NULL path. */
void rec_meta_file(struct recorder *r, const char *key, const char *hash_key,
                   const char *path);
/* Snapshot if r->cur sits at a --snapshot-at address, or --snapshot-every is
 * due (the log engine stops the VM when r->nsteps reaches r->next_periodic). */
int rec_snapshot_if_asked(struct recorder *r, hvt_error *err);
/* Registers (+ code bytes unless r->code_log) of the stopped VM into r->cur. */
int rec_read_current(struct recorder *r, hvt_error *err);
/* Instruction bytes at s's PC by `m`; trim to the decoded instruction length. */
void rec_read_code(struct recorder *r, struct hvt_step *s);
void rec_trim_code(struct hvt_step *s);
/* Should recording stop before the instruction in r->cur?  Sets the reason. */
int rec_should_stop(struct recorder *r);
/* Does this stop end the run?  A stop that is not a signal (QEMU exited), or
 * signal QUIT: QEMU's gdbstub reports a shutdown (power-off, triple fault
 * under -no-reboot, SIGTERM) that -no-shutdown turned into a pause. */
int rec_stop_ends(struct recorder *r, const struct rsp_stop *st);
/* The run ends because QEMU ended, or because the CPU makes no progress. */
void rec_note_qemu_end(struct recorder *r);
void rec_note_stuck(struct recorder *r, const char *why);
/* An RSP failure: 1 if QEMU went away (the run ended), else -1. */
int rec_rsp_failed(struct recorder *r, hvt_error *err);
/* The breakpoint pair for an address (linear, and the offset of a SEG:OFF). */
int rec_set_pair(struct recorder *r, const struct hvt_addr *a, int insert, hvt_error *err);
/* Resume until the VM stops, honouring SIGINT and the timeout: 0 stopped,
 * 1 the run ended, -1 error. */
int rec_continue_to_stop(struct recorder *r, hvt_error *err);
/* `jmp $`: the one instruction that executes without changing the state. */
int rec_jumps_to_itself(const struct hvt_step *s);

/* Recipes (recorder_recipe.c).  rec_recipe_step: 1 keep `done`, 0 drop, -1 error. */
int rec_recipe_begin(struct recorder *r, hvt_error *err);
/* rec_recipe_after: `done` just executed, the VM stopped before anything else
 * ran: its watches (recipe_after_insn), for an engine that holds `done`. */
int rec_recipe_after(struct recorder *r, const struct hvt_step *done, hvt_error *err);
int rec_recipe_step(struct recorder *r, const struct hvt_step *done,
                    const struct hvt_step *next, hvt_error *err);
int rec_recipe_end(struct recorder *r, hvt_error *err);
/* The log engine's side (see recorder_recipe.c): breakpoints at the recipe's
 * triggers (insert 1 at start, 0 at the end), one evaluation per step pair
 * (mem_ok: the VM is stopped right before `next`), and, with the VM stopped,
 * breakpoints that follow the IVT's handler entries and the returns the
 * recipe waits for. */
int rec_recipe_breaks(struct recorder *r, int insert, hvt_error *err);
int rec_recipe_pair(struct recorder *r, const struct hvt_step *done,
                    const struct hvt_step *next, int mem_ok, hvt_error *err);
int rec_recipe_at_stop(struct recorder *r, hvt_error *err);

/* BIOS call buffers (recorder_bios.c): rec_bios_start notes the IVT targets;
 * rec_bios_check, on a stopped r->cur, captures a call's input at its entry
 * or its output at its return (1 if it did either). */
int rec_bios_start(struct recorder *r);
/* Where a real-mode `int n` of r->cur reads its vector, IDTR.base (Intel SDM
 * vol 3A 20.1.4: 0 after reset, but a real-mode lidt moves the table): from
 * r->cur when the engine knows it, else QEMU's `info registers`; 0 when
 * neither says, and in protected mode (the IDT holds gates; the BIOS's table
 * stays at 0). */
uint64_t rec_ivt_base(struct recorder *r);
int rec_bios_check(struct recorder *r);

/* The run file and the progress callback as an engine's sinks (engine.h;
 * recorder_sink.c). */
void rec_engine_sink(struct recorder *r, struct engine_sink *out);

int engine_rsp_record(struct recorder *r, hvt_error *err);
int engine_log_record(struct recorder *r, hvt_error *err);

#endif
