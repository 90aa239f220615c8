/*
 * test_qmp_events: what the record/replay free run reads from QMP
 * (qemu/qmp_events.c), on QEMU 7.2's own replies (tests/unit/data/qmp/README
 * says how they were captured).  Truth: SDM vol 2 HLT (only NMI/SMI wake a CPU
 * halted with IF clear); EFLAGS.IF is bit 9; QEMU prints HLT=1 for a halted
 * CPU and the SHUTDOWN event's reason (qapi/run-state.json).
 */
#include "qemu/qmp_events.h"
#include "tests/unit/unit.h"

#include <stdlib.h>
#include <string.h>

UNIT_TEST(cli_hlt_is_halted_for_good)
{
    size_t len;
    char *t = unit_read_fixture("qmp", "regs-cli-hlt.json", &len);
    CHECK(t != NULL);
    CHECK(qmp_events_halted_if_clear(t) == 1);
    /* The same halt with IF set (EFL=00000246) waits for an interrupt. */
    char *efl = strstr(t, "EFL=00000046");
    CHECK(efl != NULL);
    memcpy(efl, "EFL=00000246", 12);
    CHECK(qmp_events_halted_if_clear(t) == 0);
    free(t);
}

UNIT_TEST(running_cpu_is_not_halted)
{
    size_t len;
    char *t = unit_read_fixture("qmp", "regs-running.json", &len);
    CHECK(t != NULL);
    CHECK(qmp_events_halted_if_clear(t) == 0);
    CHECK(qmp_events_halted_if_clear("{\"return\": \"\"}") == 0);
    free(t);
}

/* A replay replays a power-off and then the quit that ended its free run:
 * the first SHUTDOWN's reason is kept. */
UNIT_TEST(first_shutdown_reason_is_kept)
{
    struct qmp_events q = { .fd = -1 };
    qmp_events_scan_line(&q, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
                             "\"event\": \"STOP\"}");
    CHECK(q.reason[0] == 0);
    qmp_events_scan_line(&q, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
                             "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, "
                             "\"reason\": \"guest-shutdown\"}}");
    qmp_events_scan_line(&q, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, "
                             "\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
                             "\"reason\": \"host-qmp-quit\"}}");
    CHECK(strcmp(q.reason, "guest-shutdown") == 0);
}

UNIT_MAIN()
