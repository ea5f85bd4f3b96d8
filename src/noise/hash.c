/*
 * hash.c - the content hash of hash.h: murmur3-style rounds over 8-byte
 * little-endian words, the length and a final avalanche.
 */
#include "noise/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/error.h"

static uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t w = 0;
	for (int i = 7; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

/* Mix one 8-byte word into h. */
static uint64_t mix_word(uint64_t h, uint64_t w)
{
	w *= UINT64_C(0x87c37b91114253d5);
	w = rotl64(w, 31);
	w *= UINT64_C(0x4cf5ad432745937f);
	h ^= w;
	return rotl64(h, 27) * 5 + 0x52dce729;
}

void noise_hash_init(noise_hash *h)
{
	memset(h, 0, sizeof(*h));
	h->h = UINT64_C(0x9e3779b97f4a7c15);
}

void noise_hash_update(noise_hash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	h->total += len;
	while (len && h->ntail) { /* complete a word left over from the last call */
		h->tail[h->ntail++] = *p++;
		len--;
		if (h->ntail == 8) {
			h->h = mix_word(h->h, load_le64(h->tail));
			h->ntail = 0;
		}
	}
	for (; len >= 8; p += 8, len -= 8)
		h->h = mix_word(h->h, load_le64(p));
	memcpy(h->tail, p, len);
	h->ntail = len;
}

void noise_hash_hex(const noise_hash *h, char out[NOISE_HASH_HEXLEN + 1])
{
	uint64_t v = h->h;

	if (h->ntail) {
		unsigned char last[8] = {0};
		memcpy(last, h->tail, h->ntail);
		v = mix_word(v, load_le64(last));
	}
	v ^= h->total;
	v ^= v >> 33;
	v *= UINT64_C(0xff51afd7ed558ccd);
	v ^= v >> 33;
	v *= UINT64_C(0xc4ceb9fe1a85ec53);
	v ^= v >> 33;
	snprintf(out, NOISE_HASH_HEXLEN + 1, "h64:%016" PRIx64, v);
}

int noise_hash_file(const char *path, char out[NOISE_HASH_HEXLEN + 1])
{
	enum { BUFSZ = 1 << 16 };
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	noise_hash h;
	size_t n;
	int failed;

	if (!f)
		return strata_error_set_errno("%s: open", path);
	if (!(buf = malloc(BUFSZ))) {
		fclose(f);
		return strata_error_set(STRATA_ENOMEM, "%s: hash: out of memory", path);
	}
	noise_hash_init(&h);
	while ((n = fread(buf, 1, BUFSZ, f)) > 0)
		noise_hash_update(&h, buf, n);
	failed = ferror(f);
	free(buf);
	fclose(f);
	if (failed)
		return strata_error_set(STRATA_EIO, "%s: read error", path);
	noise_hash_hex(&h, out);
	return 0;
}
