/*
 * bochs_iso: write grub.cfg and hv.elf into a scratch tree, run grub-mkrescue on
 * it, remove the tree.  See bochs_iso.h.  Invariant: the scratch tree never
 * outlives the call; on failure no ISO is left behind.
 */
#include "bochs/bochs_iso.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GRUB_CFG "serial --unit=0 --speed=115200\nterminal_input serial\n" \
                 "terminal_output serial\nset timeout=0\nmenuentry \"hv\" {\n" \
                 "    multiboot /boot/hv.elf %s\n    module --nounzip (hd0)+1\n    boot\n}\n"

static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = in ? fopen(dst, "wb") : NULL;
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out))
        ok = 0;
    return ok ? 0 : -1;
}

static int run_mkrescue(const char *iso, const char *tree)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1), dup2(null, 2);
        execlp("grub-mkrescue", "grub-mkrescue", "-o", iso, tree, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int bochs_make_hv_iso(const char *hv, const char *opts, const char *iso_path, hvt_error *err)
{
    char tree[300], grub[340], cfg[360], elf[340];
    if (opts && strpbrk(opts, "\n\r;{}\"'"))
        return hvt_error_set(err, "hv options must not contain newlines, quotes, ';' or braces");
    snprintf(tree, sizeof tree, "%s.tree", iso_path);
    snprintf(grub, sizeof grub, "%s/boot/grub", tree);
    snprintf(cfg, sizeof cfg, "%s/grub.cfg", grub);
    snprintf(elf, sizeof elf, "%s/boot/hv.elf", tree);
    char boot[320];
    snprintf(boot, sizeof boot, "%s/boot", tree);
    int rc = -1;
    if (mkdir(tree, 0700) || mkdir(boot, 0700) || mkdir(grub, 0700)) {
        hvt_error_errno(err, "cannot create %s", grub);
        goto out;
    }
    FILE *f = fopen(cfg, "w");
    if (!f || fprintf(f, GRUB_CFG, opts ? opts : "") < 0 || fclose(f)) {
        hvt_error_errno(err, "cannot write %s", cfg);
        goto out;
    }
    if (copy_file(hv, elf)) {
        hvt_error_errno(err, "cannot copy hv image %s", hv);
        goto out;
    }
    if (run_mkrescue(iso_path, tree)) {
        unlink(iso_path);
        hvt_error_set(err, "grub-mkrescue could not build the hv ISO (needs grub-pc-bin and xorriso)");
        goto out;
    }
    rc = 0;
out:
    unlink(cfg), unlink(elf), rmdir(grub), rmdir(boot), rmdir(tree);
    return rc;
}
