/* hvtrace command-line entry point (placeholder until the CLI lands). */
#include <stdio.h>
int main(void) { puts("hvtrace: under construction"); return 0; }
