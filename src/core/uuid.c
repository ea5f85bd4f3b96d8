/* uuid.c - UUIDv7 generation and text form; see include/strata/uuid.h. */
#include "strata/uuid.h"

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/time.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

static pthread_mutex_t uuid_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms = -1;
static uint16_t last_counter;

static int random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return strata_error_set_errno("getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Pick the (ms, counter) pair for a new id: a fresh random counter start in a
 * new millisecond, else the previous counter plus one; when the 12-bit counter
 * overflows, or the clock went backwards, borrow the next millisecond.
 */
static void next_timestamp(int64_t *ms, uint16_t *counter, uint16_t random_start)
{
	pthread_mutex_lock(&uuid_lock);
	if (*ms > last_ms) {
		last_ms = *ms;
		last_counter = random_start & 0x7FF; /* leave headroom for increments */
	} else if (last_counter < 0xFFF) {
		last_counter++;
	} else {
		last_ms++;
		last_counter = random_start & 0x7FF;
	}
	*ms = last_ms;
	*counter = last_counter;
	pthread_mutex_unlock(&uuid_lock);
}

int strata_uuid7_at(int64_t unix_ms, strata_uuid *out)
{
	uint8_t rnd[10];
	uint16_t counter;
	int rc;

	if (unix_ms < 0 || unix_ms > INT64_C(0xFFFFFFFFFFFF))
		return strata_error_set(STRATA_EINVAL, "uuid7: timestamp %lld ms out of range",
		                        (long long)unix_ms);
	if ((rc = random_bytes(rnd, sizeof rnd)))
		return rc;
	next_timestamp(&unix_ms, &counter, (uint16_t)(rnd[0] << 8 | rnd[1]));
	for (int i = 0; i < 6; i++)
		out->bytes[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
	out->bytes[6] = (uint8_t)(0x70 | (counter >> 8));
	out->bytes[7] = (uint8_t)(counter & 0xFF);
	out->bytes[8] = (uint8_t)(0x80 | (rnd[2] & 0x3F));
	memcpy(out->bytes + 9, rnd + 3, 7);
	return 0;
}

int strata_uuid7(strata_uuid *out)
{
	return strata_uuid7_at(strata_time_now() / 1000000, out);
}

void strata_uuid_format(const strata_uuid *id, char buf[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[id->bytes[i] >> 4];
		*p++ = hex[id->bytes[i] & 0xF];
	}
	*p = '\0';
}

int strata_uuid_parse(const char *text, strata_uuid *out)
{
	const char *p = text;

	if (!text || strlen(text) != STRATA_UUID_STRLEN)
		return strata_error_set(STRATA_EPARSE,
		                        "invalid UUID '%.40s': expected 36 characters",
		                        text ? text : "(null)");
	for (int i = 0; i < 16; i++) {
		int hi, lo;
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*p++ != '-')
				return strata_error_set(
				    STRATA_EPARSE, "invalid UUID '%s': expected '-' at position %d",
				    text, (int)(p - text));
		}
		hi = strata_hex_digit((unsigned char)p[0]);
		lo = strata_hex_digit((unsigned char)p[1]);
		if (hi < 0 || lo < 0)
			return strata_error_set(STRATA_EPARSE,
			                        "invalid UUID '%s': bad hex digit at position %d",
			                        text, (int)(p - text) + 1);
		out->bytes[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return 0;
}

int strata_uuid_version(const strata_uuid *id)
{
	return id->bytes[6] >> 4;
}

int64_t strata_uuid7_unix_ms(const strata_uuid *id)
{
	int64_t ms = 0;
	for (int i = 0; i < 6; i++)
		ms = ms << 8 | id->bytes[i];
	return ms;
}

int strata_uuid_compare(const strata_uuid *a, const strata_uuid *b)
{
	return memcmp(a->bytes, b->bytes, 16);
}
