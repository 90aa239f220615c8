/*
 * bochs_launch: start the Bochs that hvtrace records, headless, its debugger
 * driven through pipes, and clean up after it.
 *
 * Everything lives in a private 0700 directory: the bochsrc written here (kept
 * for the run file's provenance), a copy of the disk padded to whole cylinders
 * of 16 heads x 63 sectors (the geometry rombios reports; Bochs writes to its
 * disk, the user's image is never touched), COM1's output file, the memory
 * dumps of `writemem`, and Bochs' own log.  Facts (Debian's bochs 2.7, FACTS.md):
 * no `nogui`, so `display_library: rfb, options="timeout=0"` (needs no viewer or
 * tty); sound off (its ALSA thread aborts without a sound device); `-unlock`
 * clears a disk lock a killed run left; a triple fault ends Bochs with
 * reset_on_triple_fault=0 + `panic: action=fatal`.  The debugger reads commands
 * from stdin (echoed after a "<bochs:N> " prompt) and prints to stdout.
 *
 * Not here: what the debugger says (bochslog.h) or when to say what (the engine).
 */
#ifndef HVT_BOCHS_LAUNCH_H
#define HVT_BOCHS_LAUNCH_H

#include <sys/types.h>

#include "common/hvt_error.h"

struct bochs_opts {
    const char *bochs;          /* binary; default "bochs" */
    const char *cpu;            /* cpu model; default corei7_haswell_4770 (VMX + EPT) */
    const char *bios;           /* romimage; default /usr/share/bochs/BIOS-bochs-latest */
    int memory_mb;              /* default 32 */
    const char *disk;           /* raw disk image (copied) */
    const char *hv;             /* boot this multiboot hypervisor from a GRUB CD-ROM
                                 * (bochs_iso.h), the disk's sector 0 its guest; or NULL */
    const char *hv_opts;
};

struct bochs_proc {
    pid_t pid;
    int to_fd, from_fd;         /* the debugger's stdin and stdout */
    int exited, status;
    char dir[128];
    char rc_path[160];          /* bochsrc */
    char disk_path[160];
    char serial_path[160];      /* COM1 output */
    char log_path[160];         /* Bochs' log (panics, errors) */
    char mem_path[160];         /* writemem's output */
    char iso_path[160];         /* hv's GRUB ISO */
    char err_path[160];         /* Bochs' stderr */
    char rc_text[2048];         /* the bochsrc as written, for provenance */
};

void bochs_opts_defaults(struct bochs_opts *o);
int bochs_launch(const struct bochs_opts *o, struct bochs_proc *p, hvt_error *err);
/* 1 and the wait status if Bochs has exited, else 0. */
int bochs_exited(struct bochs_proc *p, int *status);
/* Kill Bochs if running, reap it, remove the private directory. */
void bochs_stop(struct bochs_proc *p);
/* The last line of Bochs' log that says why it stopped (PANIC/ERROR), or "". */
void bochs_last_words(const struct bochs_proc *p, char *out, size_t cap);

#endif
