/*
 * CRC-32C (Castagnoli). Written here because no Debian library offers it as
 * a C API (zlib has only CRC-32; Google's crc32c is not packaged for Debian 12).
 * The SSE4.2 crc32 instruction does 8 bytes per step; elsewhere a
 * slicing-by-8 table (generated at start-up from the reflected polynomial
 * 0x82F63B78) is used. Both give identical results (tested).
 */
#include <string.h>

#include "nexus/core.h"

#define NX_CRC32C_POLY 0x82F63B78u

static uint32_t nx__crc_tab[8][256];

__attribute__((constructor)) static void nx__crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ NX_CRC32C_POLY : c >> 1;
        nx__crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = nx__crc_tab[0][i];
        for (int t = 1; t < 8; t++) {
            c = nx__crc_tab[0][c & 0xFF] ^ (c >> 8);
            nx__crc_tab[t][i] = c;
        }
    }
}

uint32_t nx__crc32c_sw(uint32_t crc, const void *data, size_t len);
uint32_t nx__crc32c_sw(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint32_t lo = (uint32_t)w ^ c, hi = (uint32_t)(w >> 32);
        c = nx__crc_tab[7][lo & 0xFF] ^ nx__crc_tab[6][(lo >> 8) & 0xFF] ^
            nx__crc_tab[5][(lo >> 16) & 0xFF] ^ nx__crc_tab[4][lo >> 24] ^
            nx__crc_tab[3][hi & 0xFF] ^ nx__crc_tab[2][(hi >> 8) & 0xFF] ^
            nx__crc_tab[1][(hi >> 16) & 0xFF] ^ nx__crc_tab[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--) c = nx__crc_tab[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return ~c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
uint32_t nx__crc32c_hw(uint32_t crc, const void *data, size_t len);
__attribute__((target("sse4.2"))) uint32_t nx__crc32c_hw(uint32_t crc, const void *data,
                                                         size_t len) {
    const unsigned char *p = data;
    uint64_t c = (uint32_t)~crc;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}

static int nx__crc_hw = -1;

uint32_t nx_crc32c(uint32_t crc, const void *data, size_t len) {
    if (NX_UNLIKELY(nx__crc_hw < 0)) nx__crc_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    return nx__crc_hw ? nx__crc32c_hw(crc, data, len) : nx__crc32c_sw(crc, data, len);
}
#else
uint32_t nx_crc32c(uint32_t crc, const void *data, size_t len) {
    return nx__crc32c_sw(crc, data, len);
}
#endif
