/* Fuzz event structural checks and JSON rendering on arbitrary bytes. */
#include <stdlib.h>
#include <string.h>

#include "nexus/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > NX_EVENT_MAX) size = NX_EVENT_MAX;
    nx_event_t ev;
    memset(&ev, 0, sizeof ev);
    memcpy(&ev, data, size);
    if (nx_event_check(&ev, size) == NX_OK) {
        char buf[4096];
        int n = nx_event_to_json(&ev, NULL, NULL, buf, sizeof buf);
        if (n < 0 || (size_t)n >= sizeof buf || buf[n] != '\0' || buf[0] != '{' || buf[n - 1] != '}')
            abort();
    }
    return 0;
}
