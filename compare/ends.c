/*
 * ends: what the report may say about the steps one run goes on with after
 * the other recording stops (an "ends" hunk, diffing/hunkclass.h).  The
 * alignment compared both runs up to the shorter one's last step; nothing
 * after it was compared, so the reason names why that recording stopped (cut
 * by --steps, --until, a timeout or a signal: what it would have done next is
 * unknown; or its guest ended) and how many of the other's steps were left
 * uncompared.  Reads the runs' recorded end reasons (recorder.c's wording);
 * writes only the verdict's reason.
 */
#include "compare/compare.h"
#include "common/plural.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int report_cut_short(const struct rundb_info *in)
{
    return !strncmp(in->reason, "recorded --steps", 16) ||
           !strncmp(in->reason, "reached --until", 15) ||
           !strncmp(in->reason, "timeout after", 13) ||
           !strncmp(in->reason, "interrupted by signal", 21) ||
           !strncmp(in->reason, "the replayed free run ends", 26);
}

/* "was cut by --steps N", "was cut at --until ADDR", "stopped: REASON". */
static void why_stopped(const struct rundb_info *in, char *buf, size_t n)
{
    if (!strncmp(in->reason, "recorded --steps", 16))
        snprintf(buf, n, "was cut by%s", in->reason + 8);
    else if (!strncmp(in->reason, "reached --until", 15))
        snprintf(buf, n, "was cut at%s", in->reason + 7);
    else if (report_cut_short(in))
        snprintf(buf, n, "was cut short (%s)", in->reason);
    else
        snprintf(buf, n, "ended (%s)", in->reason[0] ? in->reason : in->status);
}

void report_ends_reason(const struct report_diff *d, const struct align_hunk *h,
                        struct hunk_verdict *v)
{
    int k = h->a_begin == h->a_end;     /* the side that goes on */
    uint64_t more = k ? h->b_end - h->b_begin : h->a_end - h->a_begin;
    char why[96];
    why_stopped(&d->side[!k].info, why, sizeof why);
    snprintf(v->reason, sizeof v->reason, "%c ends here; %c goes on identically; %c %s: "
             "%c's last %" PRIu64 " step%s %s not compared", 'A' + !k, 'A' + k, 'A' + !k, why,
             'A' + k, more, hvt_s(more), more == 1 ? "was" : "were");
}
