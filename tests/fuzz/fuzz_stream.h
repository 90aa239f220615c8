/*
 * fuzz_stream: what the fuzz targets of byte-stream parsers share.  A parser
 * fed the input whole and fed it in pieces (sizes from the input's first byte:
 * a pipe cuts anywhere) must deliver the same things; each target digests what
 * its parser delivered (FNV-1a, 64 bits) and FUZZ_WHOLE_AND_CUT aborts when
 * the two runs' stats or digests differ.  Header-only, for tests/fuzz/ alone.
 */
#ifndef HVT_FUZZ_STREAM_H
#define HVT_FUZZ_STREAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FNV_OFFSET 14695981039346656037u     /* FNV-1a 64-bit offset basis */
#define FUZZ_FNV_PRIME 1099511628211u

struct digest { uint64_t h; };

static inline void mix(struct digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * FUZZ_FNV_PRIME;
}

/* Feed data[0, size) to parser p through feed(p, bytes, n), piece bytes at a time. */
#define FUZZ_FEED(feed, p, data, size, piece)                                    \
    for (size_t fuzz_i_ = 0; fuzz_i_ < (size); fuzz_i_ += (piece))               \
        feed((p), (data) + fuzz_i_, (size) - fuzz_i_ < (piece) ? (size) - fuzz_i_ : (piece))

/* run(data, size, piece, &digest) returns a stats_t: once whole, once cut in
 * pieces of 1 to 61 bytes chosen by data[0]; abort if they disagree.  nbytes:
 * how much of the input to use (a target may cap it). */
#define FUZZ_WHOLE_AND_CUT(stats_t, run, data, size, nbytes)                     \
    do {                                                                         \
        struct digest a_ = { FUZZ_FNV_OFFSET }, b_ = a_;                         \
        size_t piece_ = (size) ? (size_t)(data)[0] % 61 + 1 : 1;                 \
        stats_t whole_ = run((data), (nbytes), (nbytes) ? (nbytes) : 1, &a_);    \
        stats_t cut_ = run((data), (nbytes), piece_, &b_);                       \
        if (memcmp(&whole_, &cut_, sizeof whole_) != 0 || a_.h != b_.h)          \
            abort();                                                             \
    } while (0)

#endif
