/* Stand-in for the dashboard, compiled only when src/tui/ is absent (see
 * CMakeLists.txt): says so, so that batch output still works. */
#include "sipwatch/tui.h"

#include <stdio.h>

int sw_tui_run(sw_monitor *monitor, const sw_tui_options *options, volatile sig_atomic_t *stop)
{
    (void)monitor;
    (void)options;
    (void)stop;
    fprintf(stderr, "sipwatch: this build has no dashboard; use --report or --json\n");
    return -1;
}
