/*
 * printf: a small printf for hv's console and for building messages.
 *
 * Supports %% %c %s %d %u %x %X %p with an optional '0' flag, a width, and the
 * length modifiers l and ll.  No floating point, no precision, no %n.  Decimal
 * output is limited to 32-bit values (a 64-bit division would need libgcc on the
 * i386 host); hex handles 64 bits with shifts only.
 * Invariant: output goes through one sink per call (console or buffer), so the
 * formatter itself has no state between calls.
 */
#include "hv/printf.h"
#include "hv/serial.h"

struct pf_sink {
    char *buf;         /* NULL: console */
    size_t n, len;
};

static void pf_put(struct pf_sink *s, char c)
{
    if (!s->buf)
        hv_serial_putc(c);
    else if (s->len + 1 < s->n)
        s->buf[s->len++] = c;
}

static void pf_pad(struct pf_sink *s, int width, int used, char fill)
{
    for (; used < width; used++)
        pf_put(s, fill);
}

static void pf_hex(struct pf_sink *s, u64 v, int width, char fill, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v & 0xf];
        v >>= 4;
    } while (v);
    pf_pad(s, width, n, fill);
    while (n)
        pf_put(s, tmp[--n]);
}

static void pf_dec(struct pf_sink *s, u32 v, int neg, int width, char fill)
{
    char tmp[11];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    pf_pad(s, width, n, fill);
    while (n)
        pf_put(s, tmp[--n]);
}

static void pf_str(struct pf_sink *s, const char *str, int width)
{
    int n = 0;
    if (!str)
        str = "(null)";
    while (str[n])
        n++;
    pf_pad(s, width, n, ' ');
    while (*str)
        pf_put(s, *str++);
}

/* Reads one integer argument of the given length (0 int, 1 long, 2 long long). */
static u64 pf_arg(va_list *ap, int len, int is_signed)
{
    if (len == 2)
        return va_arg(*ap, u64);
    if (len == 1)
        return is_signed ? (u64)(int64_t)va_arg(*ap, long) : (u64)va_arg(*ap, unsigned long);
    return is_signed ? (u64)(int64_t)va_arg(*ap, int) : (u64)va_arg(*ap, unsigned int);
}

static void pf_format(struct pf_sink *s, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            pf_put(s, *fmt);
            continue;
        }
        char fill = ' ';
        int width = 0, len = 0;
        if (*++fmt == '0')
            fill = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            len++, fmt++;
        switch (*fmt) {
        case 'c': pf_put(s, (char)va_arg(aq, int)); break;
        case 's': pf_str(s, va_arg(aq, const char *), width); break;
        case 'x': case 'X': pf_hex(s, pf_arg(&aq, len, 0), width, fill, *fmt == 'X'); break;
        case 'p': pf_hex(s, (uintptr_t)va_arg(aq, void *), width, fill, 0); break;
        case 'u': pf_dec(s, (u32)pf_arg(&aq, len, 0), 0, width, fill); break;
        case 'd': {
            int64_t v = (int64_t)pf_arg(&aq, len, 1);
            pf_dec(s, (u32)(v < 0 ? -v : v), v < 0, width, fill);
            break;
        }
        case '\0': fmt--; break;
        default: pf_put(s, *fmt); break;
        }
    }
    va_end(aq);
}

void hv_vprintf(const char *fmt, va_list ap)
{
    struct pf_sink s = { 0 };
    pf_format(&s, fmt, ap);
}

void hv_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hv_vprintf(fmt, ap);
    va_end(ap);
}

void hv_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    struct pf_sink s = { buf, n, 0 };
    va_list ap;
    if (!n)
        return;
    va_start(ap, fmt);
    pf_format(&s, fmt, ap);
    va_end(ap);
    buf[s.len] = '\0';
}
