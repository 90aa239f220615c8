/*
 * options: parses hv's boot options from the multiboot command line.
 *
 *   smi=pass|host|reflect   how an SMI raised by the guest is handled (default pass)
 *   tpm=bios|absent         who answers int 1Ah AH=BBh, the TCG BIOS interface
 *                           (default bios: the BIOS does)
 *   drive=N                 DL at guest start, decimal or 0x hex (default 0x80)
 *   part=N                  the module is primary partition N's boot sector (1-4);
 *                           the disk's MBR must follow as a second module, and the
 *                           guest starts with DS:SI at that partition's entry as GRUB's
 *                           chainloader does (default 0: a whole disk, DS:SI = 0:0)
 *
 * The loader's command line starts with the kernel's path (QEMU: the -kernel file,
 * GRUB: the multiboot line's file), so a first word without '=' is skipped.  An
 * unknown or malformed option is an error, not a default: a typo in smi= must not
 * silently test the wrong mode.
 */
#include "hv/options.h"
#include "hv/printf.h"

static const char *const opt_smi_names[] = {
    [HV_SMI_PASS] = "pass", [HV_SMI_HOST] = "host", [HV_SMI_REFLECT] = "reflect",
};

/* Does the word [w, w+len) equal s? */
static int opt_is(const char *w, size_t len, const char *s)
{
    size_t i;
    for (i = 0; i < len && s[i] && w[i] == s[i]; i++)
        ;
    return i == len && !s[i];
}

static int opt_number(const char *v, size_t len, u32 *out)
{
    u32 base = 10, x = 0;
    size_t i = 0;
    if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
        base = 16, i = 2;
    if (i == len)
        return -1;
    for (; i < len; i++) {
        char c = v[i];
        u32 d = c >= '0' && c <= '9' ? (u32)(c - '0')
              : c >= 'a' && c <= 'f' ? (u32)(c - 'a' + 10)
              : c >= 'A' && c <= 'F' ? (u32)(c - 'A' + 10) : 99;
        if (d >= base)
            return -1;
        x = x * base + d;
    }
    *out = x;
    return 0;
}

/* One "key=value" word; 0 on success. */
static int opt_apply(const char *w, size_t len, struct hv_options *o)
{
    size_t k = 0;
    while (k < len && w[k] != '=')
        k++;
    if (k == len)
        return -1;
    const char *v = w + k + 1;
    size_t vlen = len - k - 1;
    if (opt_is(w, k, "smi")) {
        for (u32 m = 0; m < sizeof opt_smi_names / sizeof *opt_smi_names; m++)
            if (opt_is(v, vlen, opt_smi_names[m])) {
                o->smi = (enum hv_smi_mode)m;
                return 0;
            }
        return -1;
    }
    if (opt_is(w, k, "tpm")) {
        if (!opt_is(v, vlen, "bios") && !opt_is(v, vlen, "absent"))
            return -1;
        o->tpm_absent = opt_is(v, vlen, "absent");
        return 0;
    }
    u32 d;
    if (opt_is(w, k, "drive") && opt_number(v, vlen, &d) == 0 && d <= 0xff) {
        o->drive = (u8)d;
        return 0;
    }
    if (opt_is(w, k, "part") && opt_number(v, vlen, &d) == 0 && d <= 4) {
        o->part = (u8)d;
        return 0;
    }
    return -1;
}

int hv_options_parse(const char *cmdline, struct hv_options *o, char *why, size_t n)
{
    o->smi = HV_SMI_PASS;
    o->tpm_absent = 0;
    o->drive = 0x80;
    for (int first = 1; *cmdline; first = 0) {
        while (*cmdline == ' ')
            cmdline++;
        size_t len = 0, eq = 0;
        for (; cmdline[len] && cmdline[len] != ' '; len++)
            eq |= cmdline[len] == '=';
        if (len && !(first && !eq) && opt_apply(cmdline, len, o)) {
            hv_snprintf(why, n, "bad boot option '%s' (want smi=pass|host|reflect, "
                        "tpm=bios|absent, drive=N, part=0-4)", cmdline);
            return -1;
        }
        cmdline += len;
    }
    return 0;
}

void hv_options_format(const struct hv_options *o, char *buf, size_t n)
{
    hv_snprintf(buf, n, "smi=%s tpm=%s drive=0x%02x part=%u", opt_smi_names[o->smi],
                o->tpm_absent ? "absent" : "bios", o->drive, o->part);
}
