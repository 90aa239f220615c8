/*
 * sha256: FIPS 180-4 SHA-256, for the run file's provenance (firmware, guest
 * image and hv image hashes) so two runs can be checked to boot the same bytes.
 */
#ifndef HVT_SHA256_H
#define HVT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, uint8_t digest[32]);
/* Hex digest of a whole file into hex[65]; returns -1 if unreadable. */
int sha256_file_hex(const char *path, char hex[65]);

#endif
