/*
 * serial: hv's console, the 16550 UART at COM1 (port 0x3f8), polled.
 *
 * hv and the guest share COM1 (hv does not intercept port I/O), so hv writes whole
 * lines quickly and never reads.  It does not use interrupts or FIFOs and never
 * blocks for long: QEMU's UART reports THR empty at once (hw/char/serial.c sends a
 * byte synchronously), real ones within a byte time.
 * Invariant: hv_serial_init() runs before the first character; \n is sent as \r\n.
 */
#include "hv/serial.h"
#include "hv/io.h"

#define COM1        0x3f8
#define UART_IER    1
#define UART_LCR    3
#define UART_LSR    5
#define LSR_THRE    0x20      /* transmit holding register empty */
#define LCR_DLAB    0x80
#define LCR_8N1     0x03

void hv_serial_init(void)
{
    hv_outb(COM1 + UART_IER, 0);
    hv_outb(COM1 + UART_LCR, LCR_DLAB);
    hv_outb(COM1 + 0, 1);               /* divisor 1: 115200 baud */
    hv_outb(COM1 + 1, 0);
    hv_outb(COM1 + UART_LCR, LCR_8N1);
}

static void serial_raw(char c)
{
    while (!(hv_inb(COM1 + UART_LSR) & LSR_THRE))
        ;
    hv_outb(COM1, (u8)c);
}

void hv_serial_putc(char c)
{
    if (c == '\n')
        serial_raw('\r');
    serial_raw(c);
}
