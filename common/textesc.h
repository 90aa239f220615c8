/*
 * textesc: text that came from a guest or a run file, made safe for a
 * terminal or a JSON string.
 *
 * A guest's serial output, a file name or a stop reason can hold any byte.
 * Printed raw, ESC/CSI/OSC sequences (C0 ESC 0x1b, C1 CSI 0x9b or its UTF-8
 * form c2 9b) set the terminal's title, clear the screen or make it answer
 * into the input (ECMA-48, 5.3 and 8.3); invalid UTF-8 breaks JSON (RFC 8259,
 * 8.1).  Here every C0 control but TAB and LF, DEL, every C1 control (raw or
 * UTF-8-encoded) and every byte that does not start a valid UTF-8 sequence
 * (RFC 3629, section 4) becomes the four characters \xNN; valid UTF-8 passes.
 * The backslash itself becomes \\, so the escaped text is unambiguous: a
 * guest that prints the four characters \x1b reads as \\x1b, its ESC byte as
 * \x1b, and the original bytes can be read back from either.  The one
 * exception is TEXTESC_RAW_BACKSLASH, for text that was escaped already and
 * only passes a safety net (cli_safeout: the control bytes of a stream).
 * Pure: bytes in, bytes out.
 */
#ifndef HVT_TEXTESC_H
#define HVT_TEXTESC_H

#include <stddef.h>

/* Longest output for one input byte: "\xNN". */
#define TEXTESC_MAX_PER_BYTE 4

/* Length of the valid UTF-8 sequence at s (1-4; n bytes available), 0 if the
 * bytes there are not one, -1 if they could become one with more bytes. */
int textesc_utf8_len(const unsigned char *s, size_t n);

/* Flags of textesc_escape. */
enum {
    TEXTESC_KEEP_NEWLINES = 1,  /* LF and TAB pass (a terminal stream); else \x0a, \x09 */
    TEXTESC_FINAL = 2,          /* an incomplete UTF-8 sequence at the end is escaped;
                                   else it is left unconsumed (more bytes may come) */
    TEXTESC_RAW_BACKSLASH = 4,  /* a backslash passes (the input is escaped text) */
};

/* Escape in[0..n) into out (cap >= TEXTESC_MAX_PER_BYTE * n + 1 always
 * suffices; output is NUL-terminated) under flags (TEXTESC_*).  Returns bytes
 * written to out; *used is the input consumed. */
size_t textesc_escape(const unsigned char *in, size_t n, int flags, char *out, size_t cap,
                      size_t *used);

#endif
