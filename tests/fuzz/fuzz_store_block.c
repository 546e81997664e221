/*
 * libFuzzer target for the store's block decoder (untrusted bytes from disk).
 *
 * Input: byte 0 selects the shape, the rest is the content.
 *   bit 0 clear  the content is a whole block file, decoded as is
 *   bit 0 set    the content is a raw payload: it is compressed and wrapped in
 *                a valid header (kind from byte 1, rows from bytes 2..3) with
 *                correct checksums, so the fuzzer reaches the column decoder
 *
 * Properties (abort on violation): the decoder returns 0 or NX_ECORRUPT /
 * NX_EVERSION, never reads or writes out of bounds (ASan), leaks nothing, and
 * a block it accepts re-encodes and decodes to the same rows.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define ROWS_CAP 4096u

static void nx__le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    static uint8_t rows[ROWS_CAP * 112], again[ROWS_CAP * 112];
    nx_alloc_stats_t a0, a1;
    nx_alloc_stats(&a0);
    nx__codec_t c;
    nx__codec_init(&c, 1);
    uint8_t *file = NULL;
    size_t len = 0;
    if (!(data[0] & 1)) {
        file = malloc(size - 1 + 1);
        memcpy(file, data + 1, size - 1);
        len = size - 1;
    } else if (size >= 4) {
        nx_data_kind_t kind = (nx_data_kind_t)(1 + data[1] % 6);
        const nx__kdesc_t *d = nx__kdesc(kind);
        uint32_t nrows = 1 + (uint32_t)((data[2] | data[3] << 8) % ROWS_CAP);
        /* a valid block of nrows zero rows gives a correct header to patch */
        memset(rows, 0, sizeof rows);
        for (uint32_t i = 0; i < nrows; i++) nx__canon(d, rows + i * d->size, rows + i * d->size);
        size_t blen;
        if (nx__block_encode(&c, d, rows, d->size, NULL, nrows, &blen, NULL) < 0) abort();
        const uint8_t *raw = data + 4;
        size_t rlen = size - 4;
        size_t bound = ZSTD_compressBound(rlen);
        file = malloc(NX__BLK_HDR + bound);
        memcpy(file, c.out, NX__BLK_HDR);
        size_t z = ZSTD_compress(file + NX__BLK_HDR, bound, raw, rlen, 1);
        if (ZSTD_isError(z)) abort();
        nx__le32(file + 20, (uint32_t)rlen);
        nx__le32(file + 56, (uint32_t)z);
        nx__le32(file + 60, nx_crc32c(0, raw, rlen));
        nx__le32(file + 64, nx_crc32c(0, file + NX__BLK_HDR, z));
        nx__le32(file + 76, nx_crc32c(0, file, 76));
        len = NX__BLK_HDR + z;
    } else {
        nx__codec_close(&c);
        return 0;
    }
    nx__bhdr_t h;
    int rc = nx__block_decode(&c, file, len, rows, 112, ROWS_CAP, &h);
    if (rc != 0 && rc != NX_ECORRUPT && rc != NX_EVERSION) abort();
    if (rc == 0) {
        /* accepted: it must round-trip through the encoder */
        const nx__kdesc_t *d = nx__kdesc((nx_data_kind_t)h.kind);
        if (!d || h.rows > ROWS_CAP) abort();
        for (uint32_t i = 0; i < h.rows; i++) { /* canonical rows: zero what is not stored */
            uint8_t tmp[112];
            nx__canon(d, rows + (size_t)i * 112, tmp);
            memcpy(rows + (size_t)i * 112, tmp, d->size);
        }
        size_t blen;
        if (nx__block_encode(&c, d, rows, 112, NULL, h.rows, &blen, NULL) < 0) abort();
        uint8_t *copy = malloc(blen);
        memcpy(copy, c.out, blen);
        memset(again, 0, sizeof again);
        nx__bhdr_t h2;
        if (nx__block_decode(&c, copy, blen, again, 112, ROWS_CAP, &h2) != 0) abort();
        for (uint32_t i = 0; i < h.rows; i++) {
            uint8_t tmp[112];
            nx__canon(d, again + (size_t)i * 112, tmp);
            if (memcmp(tmp, rows + (size_t)i * 112, d->size) != 0) abort();
        }
        free(copy);
    }
    nx__codec_close(&c);
    free(file);
    nx_alloc_stats(&a1);
    if (a1.bytes != a0.bytes) abort();
    return 0;
}
