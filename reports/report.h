/*
 * report: `hvtrace diff` output.  Each renderer prints a comparison already
 * computed by compare/compare.h (struct report_diff) as text, a self-contained
 * HTML page or JSON; none opens a file, aligns or decides the exit status.
 * The runs are read again only for the steps shown around hunks.
 */
#ifndef HVT_REPORT_H
#define HVT_REPORT_H

#include <stdio.h>

#include "compare/compare.h"

int report_text(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err);
int report_html(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err);
int report_json(FILE *f, rundb *a, rundb *b, const struct report_diff *d, hvt_error *err);
/* A chain of causes as a JSON array of links, each with its step's instruction. */
int report_json_chain(FILE *f, rundb *db, const struct chain *c, hvt_error *err);

#endif
