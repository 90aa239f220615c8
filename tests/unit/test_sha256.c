/* SHA-256 against the FIPS 180-2 appendix examples and sha256sum(1). */
#include "common/sha256.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

static void hex(const char *msg, size_t n, char out[65])
{
    struct sha256 c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, msg, n);
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

UNIT_TEST(fips_examples)
{
    char h[65];
    hex("abc", 3, h);
    CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex(two, strlen(two), h);
    CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

UNIT_TEST(file_hash_matches_sha256sum)
{
    char h[65], want[65] = "";
    const char *path = "/usr/share/seabios/bios-256k.bin";
    FILE *p = popen("sha256sum /usr/share/seabios/bios-256k.bin 2>/dev/null", "r");
    if (!p || !fgets(want, 65, p) || sha256_file_hex(path, h)) {
        if (p) pclose(p);
        printf("skip file_hash_matches_sha256sum: %s or sha256sum unavailable\n", path);
        return;
    }
    pclose(p);
    CHECK_STR(h, want);
}

UNIT_MAIN()
