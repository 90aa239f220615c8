/* serial: hv's COM1 console (see serial.c). */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

void hv_serial_init(void);
void hv_serial_putc(char c);

#endif
