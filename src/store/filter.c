/*
 * filter.c - PyStore read filters: [(column, op, value), ...] ANDed, or a
 * list of such lists ORed. Parsed from JSON or from "col>=3"-style text,
 * bound to an item's schema at read time, evaluated row by row and used to
 * skip parts and row groups whose statistics prove that no row matches.
 */
#include "store/filter.h"

#include "strata/error.h"
#include "strata/time.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_MAX_CONDS 4096
#define EXPR_MAX         65536

typedef enum filter_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOT_IN } filter_op;

static const char *const op_names[] = {"==", "!=", "<", "<=", ">", ">=", "in", "not in"};

/* One condition as given: column, op and a JSON value (array for in). */
typedef struct fcond {
	char *column;
	filter_op op;
	json_t *value;
} fcond;

typedef struct fgroup {
	fcond *conds;
	size_t n;
} fgroup;

struct strata_store_filter {
	fgroup *groups;
	size_t n;
};

/* How a bound condition compares: as int64, uint64, double or bytes. */
typedef enum fkind { K_INT, K_UINT, K_DBL, K_STR } fkind;

typedef struct fval {
	int64_t i;
	uint64_t u;
	double d;
	const char *s; /* into the condition's JSON value */
	size_t len;
} fval;

typedef struct bcond {
	size_t col;
	strata_pq_type type;
	int64_t scale; /* timestamps: ns per unit of the column */
	filter_op op;
	fkind kind;
	fval *vals;
	size_t nvals;
} bcond;

typedef struct bgroup {
	bcond *conds;
	size_t n;
} bgroup;

struct store_filter_bound {
	bgroup *groups;
	size_t n;
};

/* ---- building ------------------------------------------------------------- */

void strata_store_filter_free(strata_store_filter *f)
{
	if (!f)
		return;
	for (size_t g = 0; g < f->n; g++) {
		for (size_t i = 0; i < f->groups[g].n; i++) {
			free(f->groups[g].conds[i].column);
			json_decref(f->groups[g].conds[i].value);
		}
		free(f->groups[g].conds);
	}
	free(f->groups);
	free(f);
}

size_t store_filter_nconds(const strata_store_filter *f)
{
	size_t n = 0;
	for (size_t g = 0; f && g < f->n; g++)
		n += f->groups[g].n;
	return n;
}

const char *store_filter_column(const strata_store_filter *f, size_t i)
{
	for (size_t g = 0; f && g < f->n; g++) {
		if (i < f->groups[g].n)
			return f->groups[g].conds[i].column;
		i -= f->groups[g].n;
	}
	return NULL;
}

/* Map an op name ("=" is "==") to *op; 0 when unknown. */
static int parse_op(const char *s, filter_op *op)
{
	if (!strcmp(s, "="))
		return (int)(*op = OP_EQ, 1);
	for (int i = 0; i < 8; i++)
		if (!strcmp(s, op_names[i]))
			return (int)(*op = (filter_op)i, 1);
	return 0;
}

/* Append a condition to group g (value's reference is taken). */
static int group_add(fgroup *g, const char *column, size_t collen, filter_op op, json_t *value)
{
	fcond *grown;

	if (g->n >= FILTER_MAX_CONDS) {
		json_decref(value);
		return strata_error_set(STRATA_ELIMIT, "filter: more than %d conditions",
		                        FILTER_MAX_CONDS);
	}
	if (!(grown = realloc(g->conds, (g->n + 1) * sizeof *grown))) {
		json_decref(value);
		return strata_error_set(STRATA_ENOMEM, "filter: out of memory");
	}
	g->conds = grown;
	grown[g->n] = (fcond){strndup(column, collen), op, value};
	if (!grown[g->n].column) {
		json_decref(value);
		return strata_error_set(STRATA_ENOMEM, "filter: out of memory");
	}
	g->n++;
	return 0;
}

/* Whether v is a value a condition with op may hold. */
static int value_fits(filter_op op, const json_t *v)
{
	size_t i;
	const json_t *e;

	if (op != OP_IN && op != OP_NOT_IN)
		return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e)
	{
		if (!value_fits(OP_EQ, e))
			return 0;
	}
	return 1;
}

/* Add condition c ([column, op, value]) of JSON filter text to g. */
static int json_cond(fgroup *g, const json_t *c, size_t gi, size_t ci)
{
	const json_t *col = json_array_get(c, 0), *opj = json_array_get(c, 1);
	const json_t *v = json_array_get(c, 2);
	filter_op op;

	if (!json_is_array(c) || json_array_size(c) != 3 || !json_is_string(col) ||
	    !json_is_string(opj) || !*json_string_value(col))
		return strata_error_set(STRATA_EINVAL,
		                        "filter: group %zu condition %zu: expected "
		                        "[\"column\", \"op\", value]",
		                        gi, ci);
	if (!parse_op(json_string_value(opj), &op))
		return strata_error_set(STRATA_EINVAL,
		                        "filter: group %zu condition %zu: unknown op \"%s\" (use = "
		                        "== != < <= > >= in \"not in\")",
		                        gi, ci, json_string_value(opj));
	if (!value_fits(op, v))
		return strata_error_set(STRATA_EINVAL, "filter: group %zu condition %zu (%s): %s",
		                        gi, ci, json_string_value(col),
		                        op >= OP_IN ? "in / not in need a list of values"
		                                    : "the value must be a string, number or bool");
	return group_add(g, json_string_value(col), json_string_length(col), op, json_deep_copy(v));
}

/* An empty filter of ngroups AND groups (NULL when out of memory). */
static strata_store_filter *filter_new(size_t ngroups)
{
	strata_store_filter *f = calloc(1, sizeof *f);

	if (f && !(f->groups = calloc(ngroups ? ngroups : 1, sizeof *f->groups))) {
		free(f);
		return NULL;
	}
	if (f)
		f->n = ngroups;
	return f;
}

/* Whether j is an OR of groups ([[[...]]]) rather than one group. */
static int is_or_form(const json_t *j)
{
	const json_t *first = json_array_get(j, 0);
	return json_is_array(first) && json_is_array(json_array_get(first, 0));
}

int strata_store_filter_parse_json(const char *text, strata_store_filter **out)
{
	json_error_t err;
	json_t *j = text ? json_loads(text, JSON_REJECT_DUPLICATES, &err) : NULL;
	strata_store_filter *f;
	int or_form, rc = 0;

	*out = NULL;
	if (!j || !json_is_array(j)) {
		json_decref(j);
		return strata_error_set(STRATA_EINVAL, "filter: expected a JSON list%s%s",
		                        j || !text ? "" : ": ", j || !text ? "" : err.text);
	}
	or_form = is_or_form(j);
	if (!(f = filter_new(or_form ? json_array_size(j) : 1))) {
		json_decref(j);
		return strata_error_set(STRATA_ENOMEM, "filter: out of memory");
	}
	for (size_t g = 0; !rc && g < f->n; g++) {
		const json_t *grp = or_form ? json_array_get(j, g) : j;
		if (!json_is_array(grp)) {
			rc = strata_error_set(STRATA_EINVAL, "filter: group %zu is not a list", g);
			break;
		}
		for (size_t i = 0; !rc && i < json_array_size(grp); i++)
			rc = json_cond(&f->groups[g], json_array_get(grp, i), g, i);
	}
	json_decref(j);
	if (rc)
		strata_store_filter_free(f);
	else
		*out = f;
	return rc;
}

/* ---- text expressions ------------------------------------------------------- */

static const char *skip_space(const char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

/* The length of s[0..len) without trailing white space. */
static size_t trim_len(const char *s, size_t len)
{
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return len;
}

/* A JSON string of the (trimmed) value text s[0..len), unquoted. */
static json_t *text_value(const char *s, size_t len)
{
	if (len >= 2 && (s[0] == '\'' || s[0] == '"') && s[len - 1] == s[0])
		return json_stringn(s + 1, len - 2);
	return json_stringn(s, len);
}

/* Split "(a, 'b,c', d)" into a JSON array of strings. */
static json_t *text_list(const char *p, const char *expr)
{
	json_t *arr = json_array();
	const char *end;

	p = skip_space(p);
	end = p + trim_len(p, strlen(p));
	if (*p != '(' || end == p || end[-1] != ')') {
		json_decref(arr);
		strata_error_set(STRATA_EINVAL, "filter \"%s\": in / not in need (a, b, ...)",
		                 expr);
		return NULL;
	}
	p++;
	end--;
	while (arr && skip_space(p) < end) {
		const char *s = skip_space(p), *q;
		char quote = (*s == '\'' || *s == '"') ? *s : 0;
		if (quote && (q = memchr(s + 1, quote, (size_t)(end - s - 1))))
			q++;
		else
			q = s;
		while (q < end && *q != ',')
			q++;
		json_array_append_new(arr, text_value(s, trim_len(s, (size_t)(q - s))));
		p = q < end ? q + 1 : q;
	}
	return arr;
}

/* Find the operator of expr: *at its start, *len its length, *op. */
static int find_op(const char *expr, const char **at, size_t *len, filter_op *op)
{
	const char *sym = strpbrk(expr, "<>=!");

	for (const char *p = expr; *p && (!sym || p < sym); p++) {
		const char *w;
		if (!isspace((unsigned char)*p))
			continue;
		w = skip_space(p);
		if (!strncmp(w, "not", 3) && isspace((unsigned char)w[3])) {
			const char *in = skip_space(w + 3);
			if (!strncmp(in, "in", 2) &&
			    (isspace((unsigned char)in[2]) || in[2] == '('))
				return (*at = p, *len = (size_t)(in + 2 - p), *op = OP_NOT_IN, 1);
		}
		if (!strncmp(w, "in", 2) && (isspace((unsigned char)w[2]) || w[2] == '('))
			return (*at = p, *len = (size_t)(w + 2 - p), *op = OP_IN, 1);
	}
	if (!sym)
		return 0;
	*at = sym;
	if (sym[1] == '=' && strchr("<>=!", sym[0]))
		*len = 2;
	else if (sym[0] == '!')
		return 0;
	else
		*len = 1;
	*op = sym[0] == '<'   ? (*len == 2 ? OP_LE : OP_LT)
	      : sym[0] == '>' ? (*len == 2 ? OP_GE : OP_GT)
	      : sym[0] == '!' ? OP_NE
	                      : OP_EQ;
	return 1;
}

int strata_store_filter_add_expr(strata_store_filter **f, const char *expr)
{
	const char *at, *col, *rest;
	size_t oplen, collen;
	filter_op op;
	json_t *v;
	int rc = 0;

	if (!expr || strlen(expr) > EXPR_MAX || !find_op(expr, &at, &oplen, &op))
		return strata_error_set(
		    STRATA_EINVAL,
		    "filter \"%.200s\": expected COLUMN OP VALUE (ops = == != < "
		    "<= > >= in, not in)",
		    expr ? expr : "");
	col = skip_space(expr);
	collen = at > col ? trim_len(col, (size_t)(at - col)) : 0;
	rest = skip_space(at + oplen);
	if (!collen)
		return strata_error_set(STRATA_EINVAL, "filter \"%s\": no column name", expr);
	if (op < OP_IN && !*rest)
		return strata_error_set(STRATA_EINVAL,
		                        "filter \"%s\": no value (quote an empty "
		                        "string: '')",
		                        expr);
	v = op >= OP_IN ? text_list(rest, expr) : text_value(rest, trim_len(rest, strlen(rest)));
	if (!v)
		return op >= OP_IN ? STRATA_EINVAL
		                   : strata_error_set(STRATA_ENOMEM, "out of memory");
	if (!*f && !(*f = filter_new(1))) {
		json_decref(v);
		return strata_error_set(STRATA_ENOMEM, "filter: out of memory");
	}
	for (size_t g = 0; !rc && g < (*f)->n; g++)
		rc = group_add(&(*f)->groups[g], col, collen, op, json_incref(v));
	json_decref(v);
	return rc;
}

/* ---- binding ------------------------------------------------------------------ */

void store_filter_bound_free(store_filter_bound *b)
{
	if (!b)
		return;
	for (size_t g = 0; g < b->n; g++) {
		for (size_t i = 0; i < b->groups[g].n; i++)
			free(b->groups[g].conds[i].vals);
		free(b->groups[g].conds);
	}
	free(b->groups);
	free(b);
}

/* The natural comparison kind of a column type. */
static fkind kind_of(strata_pq_type t)
{
	switch (t) {
	case STRATA_PQ_UINT64: return K_UINT;
	case STRATA_PQ_FLOAT:
	case STRATA_PQ_DOUBLE: return K_DBL;
	case STRATA_PQ_STRING: return K_STR;
	default: return K_INT;
	}
}

/* Parse text as a whole decimal number: integer into *i (return 1) or
 * real into *d (return 2); 0 when it is neither. */
static int parse_number(const char *s, int64_t *i, double *d)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	*i = strtoll(s, &end, 10);
	if (!*end && !errno)
		return 1;
	errno = 0;
	*d = strtod(s, &end);
	return !*end && !errno && !isnan(*d) ? 2 : 0;
}

/* Convert value v for column type t into *out: 1 integer (out->i),
 * 2 real (out->d), 3 string, 0 does not fit. */
static int convert(strata_pq_type t, const json_t *v, fval *out)
{
	const char *s = json_string_value(v);

	if (t == STRATA_PQ_STRING) {
		if (!s)
			return 0;
		out->s = s;
		out->len = json_string_length(v);
		return 3;
	}
	if (json_is_boolean(v))
		return t == STRATA_PQ_BOOL ? (int)(out->i = json_is_true(v), 1) : 0;
	if (json_is_integer(v))
		return (int)(out->i = json_integer_value(v), 1);
	if (json_is_real(v))
		return t == STRATA_PQ_BOOL ? 0 : (int)(out->d = json_real_value(v), 2);
	if (t == STRATA_PQ_BOOL)
		return !strcmp(s, "true") || !strcmp(s, "1")    ? (int)(out->i = 1, 1)
		       : !strcmp(s, "false") || !strcmp(s, "0") ? (int)(out->i = 0, 1)
		                                                : 0;
	if (t == STRATA_PQ_TIMESTAMP && strata_time_parse_iso8601(s, &out->i) == 0)
		return 1;
	strata_error_clear();
	return parse_number(s, &out->i, &out->d);
}

/* Convert the integer time v->i (ns) to a column counting scale ns per
 * unit; *real: it falls between two units (then compare as doubles). */
static void scale_time(fval *v, int64_t scale, int *real)
{
	v->d = (double)v->i / (double)scale;
	*real |= v->i % scale != 0;
	v->i /= scale;
}

/* Fill c's values from fc's (one value, or the list of in / not in). */
static int bind_values(const fcond *fc, bcond *c)
{
	const json_t *list = c->op >= OP_IN ? fc->value : NULL;
	size_t n = list ? json_array_size(list) : 1;
	int real = 0, negative = 0;

	if (!(c->vals = calloc(n ? n : 1, sizeof *c->vals)))
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	c->nvals = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = list ? json_array_get(list, i) : fc->value;
		fval *fv = &c->vals[i];
		int how = convert(c->type, v, fv);
		if (!how) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);
			int rc = strata_error_set(
			    STRATA_ESCHEMA,
			    "filter on column %s (%s): value %s does not fit the column",
			    fc->column, strata_pq_type_name(c->type), text ? text : "?");
			free(text);
			return rc;
		}
		if (how == 1) {
			fv->d = (double)fv->i;
			if (c->scale > 1)
				scale_time(fv, c->scale, &real);
			fv->u = (uint64_t)fv->i;
			negative |= fv->i < 0;
		}
		real |= how == 2;
	}
	c->kind = kind_of(c->type);
	if ((c->kind == K_INT && real) || (c->kind == K_UINT && (real || negative)))
		c->kind = K_DBL;
	return 0;
}

/* ns per unit of a timestamp column. */
static int64_t unit_scale(strata_pq_unit u)
{
	return u == STRATA_PQ_MILLIS ? 1000000 : u == STRATA_PQ_MICROS ? 1000 : 1;
}

/* Bind condition fc to its column among cols[0..ncols). */
static int bind_cond(const fcond *fc, const colspec *cols, size_t ncols, bcond *c)
{
	size_t j = 0;

	while (j < ncols && strcmp(cols[j].name, fc->column) != 0)
		j++;
	if (j == ncols)
		return strata_error_set(STRATA_ESCHEMA, "filter on unknown column %s", fc->column);
	c->col = j;
	c->type = cols[j].type;
	c->scale = cols[j].type == STRATA_PQ_TIMESTAMP ? unit_scale(cols[j].unit) : 1;
	c->op = fc->op;
	return bind_values(fc, c);
}

int store_filter_bind(const char *item, const strata_store_filter *f, const colspec *cols,
                      size_t ncols, store_filter_bound **out)
{
	store_filter_bound *b = calloc(1, sizeof *b);
	int rc = 0;

	(void)item; /* callers wrap errors with the item's name */
	*out = NULL;
	if (!b || !(b->groups = calloc(f->n ? f->n : 1, sizeof *b->groups))) {
		free(b);
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	}
	b->n = f->n;
	for (size_t g = 0; !rc && g < f->n; g++) {
		const fgroup *fg = &f->groups[g];
		if (!(b->groups[g].conds = calloc(fg->n ? fg->n : 1, sizeof(bcond)))) {
			rc = strata_error_set(STRATA_ENOMEM, "out of memory");
			break;
		}
		for (size_t i = 0; !rc && i < fg->n; i++) {
			rc = bind_cond(&fg->conds[i], cols, ncols, &b->groups[g].conds[i]);
			b->groups[g].n = i + 1;
		}
	}
	if (rc)
		store_filter_bound_free(b);
	else
		*out = b;
	return rc;
}

/* ---- comparing ------------------------------------------------------------------ */

/* -1, 0, 1 as a compares to b in kind k; 2 when unordered (NaN). */
static int cmp_vals(fkind k, const fval *a, const fval *b)
{
	switch (k) {
	case K_INT: return (a->i > b->i) - (a->i < b->i);
	case K_UINT: return (a->u > b->u) - (a->u < b->u);
	case K_DBL:
		if (isnan(a->d) || isnan(b->d))
			return 2;
		return (a->d > b->d) - (a->d < b->d);
	default: {
		size_t n = a->len < b->len ? a->len : b->len;
		int r = n ? memcmp(a->s, b->s, n) : 0;
		return r ? (r > 0) - (r < 0) : (a->len > b->len) - (a->len < b->len);
	}
	}
}

/* Whether a value comparing as r (cmp_vals) to the condition value
 * satisfies a comparison op. */
static int op_holds(filter_op op, int r)
{
	switch (op) {
	case OP_EQ: return r == 0;
	case OP_NE: return r != 0;
	case OP_LT: return r == -1;
	case OP_LE: return r == -1 || r == 0;
	case OP_GT: return r == 1;
	case OP_GE: return r == 1 || r == 0;
	default: return 0;
	}
}

/* Row r of column col as an fval (every field that applies set). */
static void row_value(const strata_pq_column *col, size_t r, fval *v)
{
	int64_t i = 0;

	switch (col->type) {
	case STRATA_PQ_STRING:
		v->s = col->bytes + col->offsets[r];
		v->len = (size_t)(col->offsets[r + 1] - col->offsets[r]);
		return;
	case STRATA_PQ_FLOAT: v->d = ((const float *)col->values)[r]; return;
	case STRATA_PQ_DOUBLE: v->d = ((const double *)col->values)[r]; return;
	case STRATA_PQ_BOOL: i = ((const uint8_t *)col->values)[r]; break;
	case STRATA_PQ_UINT8:
	case STRATA_PQ_UINT16:
	case STRATA_PQ_UINT32: i = (uint32_t)((const int32_t *)col->values)[r]; break;
	case STRATA_PQ_INT64:
	case STRATA_PQ_UINT64:
	case STRATA_PQ_TIMESTAMP: i = ((const int64_t *)col->values)[r]; break;
	default: i = ((const int32_t *)col->values)[r]; break;
	}
	v->i = i;
	v->u = (uint64_t)i;
	v->d = col->type == STRATA_PQ_UINT64 ? (double)v->u : (double)i;
}

/* Whether row r of t satisfies c (a null row never does). */
static int cond_holds(const bcond *c, const strata_pq_table *t, size_t r)
{
	const strata_pq_column *col = &t->cols[c->col];
	fval v;
	int in = 0;

	if (!strata_pq_is_valid(col, r))
		return 0;
	row_value(col, r, &v);
	if (c->op < OP_IN)
		return op_holds(c->op, cmp_vals(c->kind, &v, &c->vals[0]));
	for (size_t i = 0; !in && i < c->nvals; i++)
		in = cmp_vals(c->kind, &v, &c->vals[i]) == 0;
	return c->op == OP_IN ? in : !in;
}

void store_filter_apply(const store_filter_bound *b, const strata_pq_table *t, uint8_t *keep)
{
	for (size_t r = 0; b && r < t->nrows; r++) {
		int any = 0;
		if (!keep[r])
			continue;
		for (size_t g = 0; !any && g < b->n; g++) {
			int all = 1;
			for (size_t i = 0; all && i < b->groups[g].n; i++)
				all = cond_holds(&b->groups[g].conds[i], t, r);
			any = all;
		}
		keep[r] = (uint8_t)any;
	}
}

/* ---- pruning by statistics -------------------------------------------------------- */

/* The bounds' min and max as fvals of c's kind; 0 when not comparable. */
static int bounds_vals(const bcond *c, const store_col_bounds *s, fval *lo, fval *hi)
{
	memset(lo, 0, sizeof *lo);
	memset(hi, 0, sizeof *hi);
	switch (c->kind) {
	case K_STR:
		if (!s->smin || !s->smax)
			return 0;
		*lo = (fval){.s = s->smin, .len = s->sminlen};
		*hi = (fval){.s = s->smax, .len = s->smaxlen};
		return 1;
	case K_DBL:
		if (c->type == STRATA_PQ_FLOAT || c->type == STRATA_PQ_DOUBLE) {
			lo->d = s->dmin;
			hi->d = s->dmax;
		} else {
			lo->d = (double)s->imin;
			hi->d = (double)s->imax;
		}
		return !isnan(lo->d) && !isnan(hi->d);
	case K_UINT: return 0;
	default:
		lo->i = s->imin;
		hi->i = s->imax;
		return 1;
	}
}

/* Whether a row within bounds s may satisfy condition c. */
static int cond_may_hold(const bcond *c, const store_col_bounds *s)
{
	fval lo, hi;
	int point;

	if (!s->known)
		return 1;
	if (s->has_nulls && s->rows > 0 && s->nulls >= s->rows)
		return 0; /* all null: no condition holds */
	if (!s->has_range || !bounds_vals(c, s, &lo, &hi))
		return 1;
	/* NaN is left out of float statistics and satisfies != and not in. */
	point = cmp_vals(c->kind, &lo, &hi) == 0 && c->kind != K_DBL;
	switch (c->op) {
	case OP_EQ:
		return cmp_vals(c->kind, &lo, &c->vals[0]) <= 0 &&
		       cmp_vals(c->kind, &hi, &c->vals[0]) >= 0;
	case OP_NE: return !point || cmp_vals(c->kind, &lo, &c->vals[0]) != 0;
	case OP_LT: return cmp_vals(c->kind, &lo, &c->vals[0]) == -1;
	case OP_LE: return op_holds(OP_LE, cmp_vals(c->kind, &lo, &c->vals[0]));
	case OP_GT: return cmp_vals(c->kind, &hi, &c->vals[0]) == 1;
	case OP_GE: return op_holds(OP_GE, cmp_vals(c->kind, &hi, &c->vals[0]));
	case OP_IN:
		for (size_t i = 0; i < c->nvals; i++)
			if (cmp_vals(c->kind, &lo, &c->vals[i]) <= 0 &&
			    cmp_vals(c->kind, &hi, &c->vals[i]) >= 0)
				return 1;
		return 0;
	default:
		for (size_t i = 0; point && i < c->nvals; i++)
			if (cmp_vals(c->kind, &lo, &c->vals[i]) == 0)
				return 0;
		return 1;
	}
}

int store_filter_may_match(const store_filter_bound *b, store_bounds_fn fn, void *ctx)
{
	if (!b)
		return 1;
	for (size_t g = 0; g < b->n; g++) {
		int all = 1;
		for (size_t i = 0; all && i < b->groups[g].n; i++) {
			const bcond *c = &b->groups[g].conds[i];
			store_col_bounds s;
			memset(&s, 0, sizeof s);
			if (fn(ctx, c->col, &s) != 0) {
				strata_error_clear();
				continue;
			}
			all = cond_may_hold(c, &s);
		}
		if (all)
			return 1;
	}
	return 0;
}
