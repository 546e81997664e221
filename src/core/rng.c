/* xoshiro256** seeded through splitmix64 (public-domain algorithms by Vigna). */
#include "nexus/core.h"

static uint64_t nx__splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void nx_rng_seed(nx_rng_t *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = nx__splitmix(&seed);
}

static inline uint64_t nx__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nx_rng_next(nx_rng_t *r) {
    uint64_t *s = r->s;
    uint64_t result = nx__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = nx__rotl(s[3], 45);
    return result;
}

uint64_t nx_rng_below(nx_rng_t *r, uint64_t bound) {
    if (bound == 0) return 0;
    /* Lemire's multiply-shift with rejection of the biased low region. */
    nx_u128 m = (nx_u128)nx_rng_next(r) * bound;
    uint64_t lo = (uint64_t)m;
    if (lo < bound) {
        uint64_t thresh = (0 - bound) % bound;
        while (lo < thresh) {
            m = (nx_u128)nx_rng_next(r) * bound;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double nx_rng_double(nx_rng_t *r) { return (double)(nx_rng_next(r) >> 11) * 0x1.0p-53; }
