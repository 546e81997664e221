/*
 * plugin.c — strategies from shared libraries. A plugin exports
 * nx_strategy_plugin(abi, index) (strategy.h); the host checks every kind's
 * ABI version and table size before use. Libraries are never unloaded: a
 * strategy's callbacks may be referenced until the process ends.
 */
#include <dlfcn.h>
#include <string.h>

#include "nexus/strategy.h"

int nx_strategy_plugin_load(const char *path, const nx_strategy_vt_t **kinds, uint32_t cap,
                            uint32_t *n) {
    *n = 0;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        return NX_ERR(NX_EIO, "plugin %s: %s", path, e ? e : "dlopen failed");
    }
    nx_strategy_plugin_fn fn;
    void *sym = dlsym(lib, NX_STRATEGY_PLUGIN_SYMBOL);
    if (!sym) {
        dlclose(lib);
        return NX_ERR(NX_EIO, "plugin %s: no symbol %s", path, NX_STRATEGY_PLUGIN_SYMBOL);
    }
    memcpy(&fn, &sym, sizeof fn); /* object pointer to function pointer (POSIX) */
    uint32_t k = 0;
    for (;; k++) {
        const nx_strategy_vt_t *vt = fn(NX_STRATEGY_ABI, k);
        if (!vt) break;
        if (vt->abi != NX_STRATEGY_ABI) {
            uint32_t abi = vt->abi; /* read before the library goes */
            dlclose(lib);
            return NX_ERR(NX_EVERSION, "plugin %s: kind %u has ABI %u, this build speaks %u", path,
                          k, abi, NX_STRATEGY_ABI);
        }
        if (vt->vt_size < sizeof(nx_strategy_vt_t) || !vt->kind || !vt->init || !vt->state_size) {
            dlclose(lib);
            return NX_ERR(NX_EVERSION, "plugin %s: kind %u has an incomplete callback table",
                          path, k);
        }
        if (k >= cap) {
            dlclose(lib);
            return NX_ERR(NX_ELIMIT, "plugin %s: more than %u kinds", path, cap);
        }
        kinds[k] = vt;
    }
    if (k == 0) {
        dlclose(lib);
        return NX_ERR(NX_ENOTFOUND, "plugin %s: exports no strategy kinds", path);
    }
    *n = k;
    return NX_OK;
}
