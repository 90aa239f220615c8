/*
 * qemu_launch: start the QEMU that hvtrace records, and clean up after it.
 *
 * QEMU starts stopped (-S) with its gdbstub on a unix socket and the guest's
 * COM1 into a file (qemu_launch.c says why) inside a private 0700 directory (never a network port), -no-reboot so a triple
 * fault ends the run instead of rebooting into a loop, -no-shutdown so that end
 * (or a power-off, or SIGTERM) pauses the VM and the recorder can still read its
 * memory, a QMP socket that says why (and, for a record/replay free run, is
 * asked whether the CPU halted), and its own stderr kept in
 * that directory so a failed start can be explained.  With ram_file the
 * guest's RAM lives in a memfd this process holds (shared with QEMU), so the
 * RAM an exit left (isa-debug-exit ends QEMU inside the `out`) can still be
 * read.  Every argument vector is built here, once, and stored in the run file
 * as the QEMU command line (without the RAM file's two arguments, which change
 * nothing the guest sees and name a descriptor only the child has).
 *
 * Not here: talking RSP (rsp.h), reading the serial stream (serial.h).
 */
#ifndef HVT_QEMU_LAUNCH_H
#define HVT_QEMU_LAUNCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/hvt_error.h"

/* isa-debug-exit, added to every launch: an `out` to these ports ends QEMU
 * with status (value << 1) | 1 inside the instruction (QEMU 7.2,
 * hw/misc/debugexit.c). */
#define QEMU_DEBUG_EXIT_PORT 0xf4
#define QEMU_DEBUG_EXIT_SIZE 4
/* Guest RAM below the VGA window: RAM in every PC memory map (the window at
 * 0xa0000 and the ROM/shadow area above it are not plain RAM). */
#define QEMU_LOW_RAM_BYTES   0xa0000u

struct qemu_opts {
    const char *qemu;          /* binary; default qemu-system-x86_64 */
    const char *cpu;           /* -cpu; default qemu64,+svm,+npt (same for both runs) */
    const char *machine;       /* -machine; default "pc" */
    int memory_mb;             /* -m; default 32 */
    const char *disk;          /* raw disk image (-drive format=raw) or NULL */
    const char *kernel;        /* -kernel (hv image) or NULL */
    const char *initrd;        /* -initrd (multiboot module: the boot sector) */
    const char *append;        /* -append (hv boot options) */
    int deterministic;         /* -icount + fixed RTC: two runs are identical */
    int count_insns;           /* -icount even when not deterministic (host RTC):
                                  timers follow executed instructions */
    const char *log_items;     /* -d items at start (NULL: none) */
    const char *log_file;      /* -D path */
    int singlestep;            /* -singlestep: one instruction per TB */
    int ram_file;              /* guest RAM in a memfd this process keeps
                                  (qemu_read_ram), readable after QEMU exits */
    const char **extra;        /* more raw arguments, NULL-terminated, or NULL */
    int rr;                    /* QEMU record/replay (QEMU_RR_*): with -icount only */
    const char *rr_file;       /* its log (-icount rrfile=) */
};

/* QEMU's record/replay (docs/system/replay.rst): QEMU_RR_RECORD runs the guest
 * free, without -S and without a gdbstub, writing every nondeterministic input
 * (clock warps, interrupts, disk completions through blkreplay) to rr_file;
 * QEMU_RR_REPLAY runs the same machine from that log, stopped at reset with its
 * gdbstub as usual. */
enum { QEMU_RR_NONE, QEMU_RR_RECORD, QEMU_RR_REPLAY };

struct qemu_proc {
    pid_t pid;
    int exited, status;        /* reaped, and its wait status */
    char dir[128];             /* private directory holding the sockets */
    char gdb_path[160];        /* gdbstub unix socket */
    char serial_path[160];     /* COM1 output file (QEMU's file chardev) */
    char stderr_path[160];     /* QEMU's stdout+stderr */
    char qmp_path[160];        /* QMP socket: why the VM stopped (qmp_events.h) */
    char rr_path[160];         /* QEMU_RR_RECORD without rr_file: the log, here */
    char cmdline[4096];        /* the command line, shell-quoted, for the run file */
    int has_ram, ram_fd;       /* opts.ram_file: the guest RAM's memfd */
};

/* Fill unset fields of opts with the defaults above. */
void qemu_opts_defaults(struct qemu_opts *opts);
/* Start QEMU; on success proc describes it and the caller must qemu_stop it. */
int qemu_launch(const struct qemu_opts *opts, struct qemu_proc *proc, hvt_error *err);
/* Returns 1 and the wait status if QEMU has exited, 0 if it still runs. */
int qemu_exited(struct qemu_proc *proc, int *status);
/* A one-line description of why QEMU ended (exit code, signal, its last stderr
 * line), for the run's stop reason. */
void qemu_exit_reason(struct qemu_proc *proc, int status, char *out, size_t cap);
/* Did the guest end QEMU through isa-debug-exit (its way to power off)? */
int qemu_exit_was_guest_poweroff(int status);
/* len bytes of guest RAM from physical address 0 (below 4 GiB RAM is laid out
 * 1:1 in the pc/q35 RAM block), from the RAM file, also after QEMU exited: the
 * guest's RAM as it left it.  Only RAM: the VGA window and ROM are not in it.
 * -1 if the launch kept no RAM file or it is shorter. */
int qemu_read_ram(const struct qemu_proc *proc, uint8_t *mem, size_t len, hvt_error *err);
/* Kill QEMU if still running, reap it and remove the private directory. */
void qemu_stop(struct qemu_proc *proc);
/* Remove what recorders killed with -9 left in $TMPDIR (or /tmp): private
 * directories named hvtrace-PID-* and boot-sector copies hvtrace-bootsect-PID-*
 * whose PID no longer runs, and the unfinished run file a directory's
 * `pending` names.  Returns how many entries it removed. */
int qemu_clean_stale(void);
/* A private directory's `pending` file (QEMU's or Bochs', both named
 * $TMPDIR/hvtrace-PID-...): path of an unfinished run file to delete if this
 * recorder dies before it installs it (NULL: none); qemu_clean_stale removes
 * such a directory and its pending run once PID is gone. */
void qemu_set_pending_in(const char *dir, const char *run_path);
/* The run file being written (`run`, noted before it is made): once PID is
 * gone, qemu_clean_stale deletes the temporary file rundb_create makes for it
 * (RUN.tmpPID) and a rollback journal of it that SQLite would not call hot. */
void qemu_set_run_in(const char *dir, const char *run_path);
/* $TMPDIR, or /tmp. */
const char *qemu_tmpdir(void);
/* "QEMU emulator version 7.2.22 (...)" of a binary, malloc'd, or NULL. */
char *qemu_version(const char *qemu);
/* Path of the BIOS image this QEMU loads by default (for its hash), or NULL. */
const char *qemu_default_bios(void);

#endif
