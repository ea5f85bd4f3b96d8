/* api_auth.c - HS256 bearer tokens and token-bucket rate limits; see api.h. */
#include "sky/api.h"

#include "strata/buf.h"
#include "strata/error.h"

#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- base64url --------------------------------------------------------------- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(int c)
{
	const char *p = c ? strchr(b64url, c) : NULL;
	return p ? (int)(p - b64url) : -1;
}

/* Decode n characters of unpadded base64url into out (room for n*3/4+1);
 * *outlen gets the length. -1 on an invalid character or length. */
static int b64url_decode(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
	unsigned bits = 0;
	int nbits = 0;

	*outlen = 0;
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);
		if (v < 0)
			return -1;
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[(*outlen)++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	return bits ? -1 : 0; /* non-canonical trailing bits */
}

static int b64url_encode(strata_buf *out, const unsigned char *d, size_t n)
{
	unsigned bits = 0;
	int nbits = 0, rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		bits = (bits << 8) | d[i];
		nbits += 8;
		while (nbits >= 6 && !rc) {
			nbits -= 6;
			rc = strata_buf_putc(out, b64url[(bits >> nbits) & 63]);
		}
		bits &= (1u << nbits) - 1;
	}
	if (nbits && !rc)
		rc = strata_buf_putc(out, b64url[(bits << (6 - nbits)) & 63]);
	return rc;
}

/* The deepest nesting of arrays and objects in JSON text (strings skipped),
 * checked before parsing: the parser recurses, and request threads have
 * small stacks. */
int sky_json_depth(const char *s, size_t n)
{
	int depth = 0, max = 0, in_string = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return max;
}

/* --- tokens ------------------------------------------------------------------ */

#define TOKEN_MAX 4096

static void hs256(const char *secret, const char *data, size_t n, unsigned char mac[32])
{
	unsigned len = 32;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)data, n, mac, &len);
}

/* Decode a base64url segment and parse it as a JSON object. */
static json_t *segment_json(const char *s, size_t n)
{
	unsigned char buf[TOKEN_MAX];
	size_t len;
	json_t *j;

	if (n > TOKEN_MAX || b64url_decode(s, n, buf, &len) ||
	    sky_json_depth((const char *)buf, len) > 8)
		return NULL;
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Scopes from "scope" ("read write") or "scopes" (["read", "write"]). */
static int token_scopes(json_t *payload)
{
	json_t *scope = json_object_get(payload, "scope"),
	       *list = json_object_get(payload, "scopes");
	int scopes = 0;
	size_t i;
	json_t *v;

	if (json_is_string(scope)) {
		const char *s = json_string_value(scope);
		while (*s) {
			size_t n = strcspn(s, " ");
			if (n == 4 && !strncmp(s, "read", 4))
				scopes |= SKY_SCOPE_READ;
			if (n == 5 && !strncmp(s, "write", 5))
				scopes |= SKY_SCOPE_WRITE;
			s += n + (s[n] == ' ');
		}
	}
	json_array_foreach(list, i, v)
	{
		if (json_is_string(v) && !strcmp(json_string_value(v), "read"))
			scopes |= SKY_SCOPE_READ;
		if (json_is_string(v) && !strcmp(json_string_value(v), "write"))
			scopes |= SKY_SCOPE_WRITE;
	}
	return scopes;
}

/* Check the header's alg and the payload's exp/nbf at now. */
static int check_claims(json_t *header, json_t *payload, double now)
{
	json_t *alg = json_object_get(header, "alg"), *exp = json_object_get(payload, "exp");
	json_t *nbf = json_object_get(payload, "nbf");

	if (!json_is_string(alg) || strcmp(json_string_value(alg), "HS256") != 0)
		return strata_error_set(STRATA_EAUTH, "only HS256 tokens are accepted");
	if (exp && (!json_is_number(exp) || json_number_value(exp) <= now))
		return strata_error_set(STRATA_EAUTH, "token expired");
	if (nbf && (!json_is_number(nbf) || json_number_value(nbf) > now))
		return strata_error_set(STRATA_EAUTH, "token not yet valid");
	return 0;
}

int sky_jwt_verify(const char *secret, const char *token, double now, int *scopes, char *subject)
{
	const char *dot1, *dot2;
	unsigned char mac[32], sig[TOKEN_MAX];
	size_t siglen, n = strlen(token);
	json_t *header = NULL, *payload = NULL;
	int rc;

	*scopes = 0;
	subject[0] = 0;
	if (n > TOKEN_MAX || !(dot1 = strchr(token, '.')) || !(dot2 = strchr(dot1 + 1, '.')) ||
	    strchr(dot2 + 1, '.'))
		return strata_error_set(STRATA_EAUTH, "malformed token");
	hs256(secret, token, (size_t)(dot2 - token), mac);
	if (b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, &siglen) || siglen != 32 ||
	    CRYPTO_memcmp(mac, sig, 32))
		return strata_error_set(STRATA_EAUTH, "bad token signature");
	header = segment_json(token, (size_t)(dot1 - token));
	payload = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!header || !payload)
		rc = strata_error_set(STRATA_EAUTH, "malformed token");
	else if (!(rc = check_claims(header, payload, now))) {
		json_t *sub = json_object_get(payload, "sub");
		*scopes = token_scopes(payload);
		snprintf(subject, 64, "%s", json_is_string(sub) ? json_string_value(sub) : "");
	}
	json_decref(header);
	json_decref(payload);
	return rc;
}

int sky_jwt_sign(const char *secret, const char *subject, int scopes, double exp, char **out)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	strata_buf payload = STRATA_BUF_INIT, tok = STRATA_BUF_INIT;
	unsigned char mac[32];
	int rc;

	strata_buf_puts(&payload, "{\"sub\":");
	strata_buf_json_string(&payload, subject ? subject : "");
	strata_buf_printf(&payload, ",\"scope\":\"%s%s%s\"", scopes & SKY_SCOPE_READ ? "read" : "",
	                  scopes == (SKY_SCOPE_READ | SKY_SCOPE_WRITE) ? " " : "",
	                  scopes & SKY_SCOPE_WRITE ? "write" : "");
	if (exp > 0)
		strata_buf_printf(&payload, ",\"exp\":%.0f", exp);
	rc = strata_buf_putc(&payload, '}');
	if (!rc)
		rc = b64url_encode(&tok, (const unsigned char *)header, sizeof header - 1);
	if (!rc && !(rc = strata_buf_putc(&tok, '.')))
		rc = b64url_encode(&tok, (const unsigned char *)payload.data, payload.len);
	if (!rc) {
		hs256(secret, tok.data, tok.len, mac);
		if (!(rc = strata_buf_putc(&tok, '.')))
			rc = b64url_encode(&tok, mac, sizeof mac);
	}
	strata_buf_free(&payload);
	if (rc) {
		strata_buf_free(&tok);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	*out = strata_buf_detach(&tok);
	return 0;
}

/* --- rate limits --------------------------------------------------------------- */

#define RL_SLOTS   4096
#define RL_STRIPES 16
#define RL_PROBE   8

typedef struct rl_slot {
	char key[80];
	double tokens, last;
} rl_slot;

struct sky_ratelimit {
	double rate, burst;
	pthread_mutex_t lock[RL_STRIPES];
	rl_slot slots[RL_SLOTS];
};

int sky_ratelimit_new(double rate, double burst, sky_ratelimit **out)
{
	sky_ratelimit *rl;

	if (!(rate > 0))
		return strata_error_set(STRATA_EINVAL, "rate limit must be positive");
	if (!(rl = calloc(1, sizeof *rl)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	rl->rate = rate;
	rl->burst = burst > 0 ? burst : (rate > 1 ? rate : 1);
	for (int i = 0; i < RL_STRIPES; i++)
		pthread_mutex_init(&rl->lock[i], NULL);
	*out = rl;
	return 0;
}

void sky_ratelimit_free(sky_ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < RL_STRIPES; i++)
		pthread_mutex_destroy(&rl->lock[i]);
	free(rl);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of key within its probe window (stripe lock held): the key's own,
 * else an empty one, else the least recently used (reset). */
static rl_slot *slot_for(sky_ratelimit *rl, const char *key, uint32_t h, double now)
{
	uint32_t base = (h % (RL_SLOTS / RL_STRIPES / RL_PROBE)) * RL_PROBE +
	                (h % RL_STRIPES) * (RL_SLOTS / RL_STRIPES);
	rl_slot *victim = NULL;

	for (int i = 0; i < RL_PROBE; i++) {
		rl_slot *s = &rl->slots[base + (uint32_t)i];
		if (!strncmp(s->key, key, sizeof s->key - 1))
			return s;
		if (!victim || !s->key[0] || (victim->key[0] && s->last < victim->last))
			victim = s;
	}
	snprintf(victim->key, sizeof victim->key, "%s", key);
	victim->tokens = rl->burst;
	victim->last = now;
	return victim;
}

int sky_ratelimit_take(sky_ratelimit *rl, const char *key, double now)
{
	uint32_t h = fnv1a(key);
	pthread_mutex_t *lock = &rl->lock[h % RL_STRIPES];
	int wait = 0;

	pthread_mutex_lock(lock);
	rl_slot *s = slot_for(rl, key, h, now);
	if (now > s->last) {
		s->tokens += (now - s->last) * rl->rate;
		if (s->tokens > rl->burst)
			s->tokens = rl->burst;
	}
	s->last = now;
	if (s->tokens >= 1)
		s->tokens -= 1;
	else
		wait = (int)ceil((1 - s->tokens) / rl->rate);
	pthread_mutex_unlock(lock);
	return wait;
}
