/* site.c - rendering every page of the relay site and swapping it in. */
#include "site.h"
#include "html.h"
#include "outdir.h"
#include "strmap.h"

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/file.h"
#include "strata/progress.h"
#include "strata/workers.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Families larger than this are listed on their family page only. */
#define FAMILY_LISTED_INLINE 12

/* A page being rendered: appends record the first failure instead of
 * returning it, so rendering code reads top to bottom. */
typedef struct page {
	strata_buf b;
	int err;
	const char *root; /* relative path to the site root */
	int bits;
} page;

static void pf(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pf(page *p, const char *fmt, ...)
{
	if (p->err)
		return;
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		p->err = STRATA_ERR;
	} else if ((size_t)n < sizeof(small)) {
		p->err = strata_buf_append(&p->b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			p->err = STRATA_ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		p->err = strata_buf_append(&p->b, big, (size_t)n);
		free(big);
	}
}

/* Append input text, escaped (the only way input reaches a page). */
static void esc(page *p, const char *s)
{
	if (!p->err)
		p->err = html_escape(&p->b, s);
}

static void esc_cut(page *p, const char *s, size_t max_chars)
{
	if (!p->err)
		p->err = html_escape_cut(&p->b, s, max_chars);
}

typedef struct site {
	const relay_set *set;
	const relay_groups *g;
	const relay_stats *st;
	const site_options *o;
	const char *tmp;    /* folder being built */
	char generated[64]; /* "2026-11-23 12:00 UTC" */
	size_t n_static, n_listings, first_group[GROUP_KIND_COUNT + 1];
	size_t *vanity, n_vanity;    /* contact groups with a vanity page */
	unsigned char *vanity_owner; /* per contact group: has one (--base-url) */
	atomic_uint_fast64_t pages, bytes;
	strata_progress *progress;
} site;

/* ------------------------------------------------------------------------ */
/* values                                                                   */

static void bw(page *p, double bytes_per_s)
{
	char text[48];
	html_bandwidth(text, sizeof(text), bytes_per_s, p->bits);
	pf(p, "%s", text);
}

static void pct(page *p, double fraction)
{
	char text[32];
	html_percent(text, sizeof(text), fraction);
	pf(p, "%s", text);
}

static void uptime(page *p, double percent)
{
	char text[32];
	html_percent_value(text, sizeof(text), percent);
	pf(p, "%s", text);
}

static void date_of(page *p, strata_time t)
{
	char text[48];
	html_datetime(text, sizeof(text), t);
	pf(p, "%.10s", text);
}

static void when(page *p, const site *s, strata_time t)
{
	char text[48], ago[48];
	html_datetime(text, sizeof(text), t);
	html_ago(ago, sizeof(ago), t, s->set->now);
	pf(p, "%s <span class=\"muted\">(%s)</span>", text, ago);
}

/* ------------------------------------------------------------------------ */
/* links                                                                    */

static void group_href(page *p, int kind, const char *key)
{
	pf(p, "%s%s/%s/", p->root, group_kind_dir(kind), key);
}

static void relay_link(page *p, const relay *r)
{
	pf(p, "<a href=\"%srelay/%s/\">", p->root, r->fingerprint);
	esc_cut(p, r->nickname, 40);
	pf(p, "</a>");
}

/* The operator label of a relay: its AROI domain, else its contact. */
static void operator_label(page *p, const relay *r, size_t max_chars)
{
	if (r->aroi_domain)
		esc_cut(p, r->aroi_domain, max_chars);
	else if (r->contact[0])
		esc_cut(p, r->contact, max_chars);
	else
		pf(p, "<span class=\"muted\">no contact</span>");
}

static void operator_link(page *p, const relay *r)
{
	pf(p, "<a href=\"");
	group_href(p, GROUP_CONTACT, r->contact_md5);
	pf(p, "\">");
	operator_label(p, r, 40);
	pf(p, "</a>");
}

static void country_link(page *p, const relay *r)
{
	if (!r->country[0]) {
		pf(p, "<span class=\"muted\">-</span>");
		return;
	}
	pf(p, "<a href=\"");
	group_href(p, GROUP_COUNTRY, r->country);
	pf(p, "\" title=\"");
	esc(p, r->country_name);
	pf(p, "\">%s</a>", r->country);
}

static void as_link(page *p, const relay *r)
{
	if (!r->asn) {
		pf(p, "<span class=\"muted\">-</span>");
		return;
	}
	pf(p, "<a href=\"%sas/AS%u/\" title=\"", p->root, (unsigned)r->asn);
	esc(p, r->as_name);
	pf(p, "\">AS%u</a>", (unsigned)r->asn);
}

static void platform_link(page *p, const relay *r)
{
	char key[48];
	groups_relay_key(r, GROUP_PLATFORM, key);
	if (!key[0]) {
		esc_cut(p, r->platform, 24);
		return;
	}
	pf(p, "<a href=\"");
	group_href(p, GROUP_PLATFORM, key);
	pf(p, "\">%s</a>", key);
}

static void flag_links(page *p, const relay *r)
{
	for (int f = 0; f < FLAG_COUNT; f++)
		if (r->flags & (1u << f))
			pf(p, "<a class=\"flag\" href=\"%sflag/%s/\">%s</a>", p->root,
			   relay_flag_key(f), relay_flag_name(f));
}

static void first_seen_link(page *p, const relay *r)
{
	char key[48];
	groups_relay_key(r, GROUP_FIRST_SEEN, key);
	pf(p, "<a href=\"");
	group_href(p, GROUP_FIRST_SEEN, key);
	pf(p, "\">%s</a>", key);
}

/* Whether a domain can name a vanity folder at the site root: letters,
 * digits, '-' and '.', with a dot, not starting with '.', and not one of
 * the site's own top-level files. */
static int vanity_domain(const char *d)
{
	static const char *const taken[] = {"index.html", "top500.html", "network-health.html",
	                                    "style.css", "search-index.json"};
	if (!d || !d[0] || d[0] == '.' || !strchr(d, '.') || strlen(d) > 253)
		return 0;
	for (const char *c = d; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
			return 0;
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (!strcasecmp(d, taken[i]))
			return 0;
	return 1;
}

/* The vanity folder name of a contact group: its AROI domain in lower case. */
static void vanity_name(const site *s, const group *op, char *out, size_t n)
{
	const char *d = s->set->relays[op->members[0]].aroi_domain;
	size_t k = 0;
	for (; d[k] && k + 1 < n; k++)
		out[k] = (char)tolower((unsigned char)d[k]);
	out[k] = '\0';
}

/* With --base-url, a link to the operator's vanity page "<base>/<domain>/"
 * when the site has one for it (vanity_owner). */
static void vanity_link(page *p, const site *s, const group *op)
{
	size_t i = (size_t)(op - s->g->kind[GROUP_CONTACT].groups);
	if (!s->vanity_owner || !s->vanity_owner[i])
		return;
	char name[256];
	vanity_name(s, op, name, sizeof(name));
	pf(p, " <a class=\"flag\" href=\"");
	esc(p, s->o->base_url);
	pf(p, "/");
	esc(p, name);
	pf(p, "/\">vanity page</a>");
}

/* ------------------------------------------------------------------------ */
/* relay tables                                                             */

static void relay_table_head(page *p, const site *s)
{
	pf(p, "<div class=\"scroll\"><table>\n<tr><th>#</th><th>Nickname</th><th>Operator</th>"
	      "<th class=\"num\">Bandwidth</th><th class=\"num\">Weight</th><th>Flags</th>"
	      "<th>Country</th><th>AS</th><th>Platform</th><th>First seen</th>");
	if (s->set->has_uptime)
		pf(p, "<th class=\"num\">Uptime 1 mo</th>");
	pf(p, "</tr>\n");
}

static void relay_row(page *p, const site *s, size_t nth, const relay *r)
{
	pf(p, "<tr><td class=\"num\">%zu</td><td>", nth);
	relay_link(p, r);
	if (!r->running)
		pf(p, " <span class=\"bad\">offline</span>");
	pf(p, "</td><td>");
	operator_link(p, r);
	pf(p, "</td><td class=\"num\">");
	bw(p, (double)r->observed_bandwidth);
	pf(p, "</td><td class=\"num\">");
	pct(p, r->consensus_weight_fraction);
	pf(p, "</td><td>");
	flag_links(p, r);
	pf(p, "</td><td>");
	country_link(p, r);
	pf(p, "</td><td>");
	as_link(p, r);
	pf(p, "</td><td>");
	platform_link(p, r);
	pf(p, "</td><td>");
	first_seen_link(p, r);
	pf(p, "</td>");
	if (s->set->has_uptime) {
		pf(p, "<td class=\"num\">");
		uptime(p, r->uptime[PERIOD_1M]);
		pf(p, "</td>");
	}
	pf(p, "</tr>\n");
}

static void relay_table(page *p, const site *s, const size_t *members, size_t n)
{
	relay_table_head(p, s);
	for (size_t i = 0; i < n && !p->err; i++)
		relay_row(p, s, i + 1, &s->set->relays[members ? members[i] : i]);
	pf(p, "</table></div>\n");
}

/* ------------------------------------------------------------------------ */
/* writing                                                                  */

/* Write the page to rel (below the temporary folder), creating its folder. */
static int emit(site *s, const char *rel, page *p)
{
	if (p->err)
		return strata_error_set(p->err, "%s: out of memory", rel);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", s->tmp, rel);
	/* The top folders exist (make_folders); a page's own folder is made
	 * with one mkdir. */
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		int rc = strata_error_set_errno("cannot create %s", path);
		*slash = '/';
		return rc;
	}
	*slash = '/';
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return strata_error_set_errno("%s", path);
	size_t len = p->b.len;
	int ok = fwrite(p->b.data ? p->b.data : "", 1, len, fp) == len;
	ok = (fclose(fp) == 0) && ok;
	if (!ok)
		return strata_error_set_errno("%s: write", path);
	atomic_fetch_add(&s->pages, 1);
	atomic_fetch_add(&s->bytes, len);
	return 0;
}

static void page_open(page *p, const site *s, const char *root, const char *title)
{
	memset(p, 0, sizeof(*p));
	p->root = root;
	p->bits = s->o->bits;
	p->err = html_page_start(&p->b, root, title);
}

static int page_close(site *s, page *p, const char *rel)
{
	if (!p->err)
		p->err = html_page_end(&p->b, p->root, s->generated);
	int rc = emit(s, rel, p);
	strata_buf_free(&p->b);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* the relay page                                                           */

static void fact(page *p, const char *name)
{
	pf(p, "<dt>%s</dt><dd>", name);
}

static void relay_identity(page *p, const site *s, const relay *r)
{
	pf(p, "<dl class=\"facts\">");
	fact(p, "Fingerprint");
	pf(p, "<span class=\"mono\">%s</span></dd>", r->fingerprint);
	fact(p, "Status");
	pf(p, r->running ? "<span class=\"good\">running</span>"
	                 : "<span class=\"bad\">offline</span>");
	if (r->hibernating)
		pf(p, " <span class=\"warn\">hibernating</span>");
	if (relay_is_overloaded(r, s->set->now))
		pf(p, " <span class=\"warn\">overloaded</span>");
	pf(p, "</dd>");
	fact(p, "Operator");
	operator_link(p, r);
	if (r->aroi_checked)
		pf(p, r->aroi_valid ? " <span class=\"good\">AROI proof valid</span>"
		                    : " <span class=\"bad\">AROI proof invalid</span>");
	pf(p, "</dd>");
	fact(p, "Contact");
	esc(p, r->contact);
	pf(p, "</dd>");
	fact(p, "Addresses");
	for (size_t i = 0; i < r->n_or_addresses; i++) {
		pf(p, "%s<span class=\"mono\">", i ? ", " : "");
		esc(p, r->or_addresses[i]);
		pf(p, "</span>");
	}
	pf(p, "</dd>");
	fact(p, "Location");
	country_link(p, r);
	pf(p, " ");
	esc(p, r->country_name);
	pf(p, " &middot; ");
	as_link(p, r);
	pf(p, " ");
	esc(p, r->as_name);
	pf(p, "</dd>");
	fact(p, "Platform");
	platform_link(p, r);
	pf(p, " <span class=\"muted\">");
	esc(p, r->platform_raw);
	pf(p, "</span>, version ");
	esc(p, r->version);
	pf(p, " (");
	if (r->version_status[0])
		esc(p, r->version_status);
	else
		pf(p, r->recommended_version ? "recommended" : "not recommended");
	pf(p, ")</dd>");
	fact(p, "Flags");
	flag_links(p, r);
	pf(p, "</dd></dl>\n");
}

static void relay_traffic(page *p, const site *s, const relay *r)
{
	pf(p, "<h2>Bandwidth and weight</h2><dl class=\"facts\">");
	fact(p, "Observed bandwidth");
	bw(p, (double)r->observed_bandwidth);
	pf(p, "</dd>");
	fact(p, "Advertised bandwidth");
	bw(p, (double)r->advertised_bandwidth);
	pf(p, "</dd>");
	fact(p, "Consensus weight");
	pf(p, "%lld (", (long long)r->consensus_weight);
	pct(p, r->consensus_weight_fraction);
	pf(p, ")%s</dd>", r->measured ? "" : " <span class=\"warn\">unmeasured</span>");
	fact(p, "Path probabilities");
	pf(p, "guard ");
	pct(p, r->guard_probability);
	pf(p, ", middle ");
	pct(p, r->middle_probability);
	pf(p, ", exit ");
	pct(p, r->exit_probability);
	pf(p, "</dd>");
	fact(p, "First seen");
	when(p, s, r->first_seen);
	pf(p, " &middot; ");
	first_seen_link(p, r);
	pf(p, "</dd>");
	fact(p, "Last seen");
	when(p, s, r->last_seen);
	pf(p, "</dd>");
	if (r->last_restarted) {
		fact(p, "Last restarted");
		when(p, s, r->last_restarted);
		pf(p, "</dd>");
	}
	pf(p, "</dl>\n");
}

static void relay_history(page *p, const site *s, const relay *r)
{
	if (!r->has_uptime && !r->has_bandwidth)
		return;
	pf(p, "<h2>History</h2><div class=\"scroll\"><table><tr><th>Period</th>"
	      "<th class=\"num\">Uptime</th>");
	for (int f = 0; f < UPFLAG_COUNT; f++)
		pf(p, "<th class=\"num\">%s uptime</th>", relay_upflag_name(f));
	pf(p, "<th class=\"num\">Read</th><th class=\"num\">Written</th>"
	      "<th class=\"num\">Data transferred</th></tr>\n");
	for (int per = 0; per < PERIOD_COUNT; per++) {
		pf(p, "<tr><td>%s</td><td class=\"num\">", relay_period_key(per));
		uptime(p, r->uptime[per]);
		pf(p, "</td>");
		for (int f = 0; f < UPFLAG_COUNT; f++) {
			pf(p, "<td class=\"num\">");
			uptime(p, r->flag_uptime[f][per]);
			pf(p, "</td>");
		}
		pf(p, "<td class=\"num\">");
		bw(p, r->read_mean[per]);
		pf(p, "</td><td class=\"num\">");
		bw(p, r->write_mean[per]);
		char bytes[48];
		html_bytes(bytes, sizeof(bytes), r->data_total[per]);
		pf(p, "</td><td class=\"num\">%s</td></tr>\n", bytes);
	}
	pf(p, "</table></div>\n");
}

static void relay_family(page *p, const site *s, const relay *r)
{
	if (r->n_family < 2)
		return;
	const group *fam = &s->g->kind[GROUP_FAMILY].groups[r->family_group];
	pf(p, "<h2>Family</h2><p><a href=\"");
	group_href(p, GROUP_FAMILY, fam->key);
	pf(p,
	   "\">%zu relays of this snapshot share this effective family</a> of %zu "
	   "members.</p>",
	   fam->n_members, r->n_family);
	if (r->n_family > FAMILY_LISTED_INLINE)
		return; /* the family page lists them: no N x N blow-up */
	pf(p, "<ul class=\"plain\">");
	for (size_t i = 0; i < r->n_family; i++) {
		long at = relay_set_find(s->set, r->family[i]);
		pf(p, "<li>");
		if (at >= 0)
			relay_link(p, &s->set->relays[at]);
		else
			pf(p, "<span class=\"muted\">not in this snapshot</span>");
		pf(p, " <span class=\"mono\">%s</span></li>", r->family[i]);
	}
	pf(p, "</ul>\n");
}

static void relay_policy(page *p, const relay *r)
{
	pf(p, "<h2>Exit policy</h2><ul class=\"plain mono\">");
	for (size_t i = 0; i < r->n_exit_policy; i++) {
		pf(p, "<li>");
		esc(p, r->exit_policy[i]);
		pf(p, "</li>");
	}
	pf(p, "</ul>\n");
}

static int write_relay(site *s, size_t i)
{
	const relay *r = &s->set->relays[i];
	page p;
	page_open(&p, s, "../../", r->nickname);
	relay_identity(&p, s, r);
	relay_traffic(&p, s, r);
	relay_history(&p, s, r);
	relay_family(&p, s, r);
	relay_policy(&p, r);
	char rel[128];
	snprintf(rel, sizeof(rel), "relay/%s/index.html", r->fingerprint);
	return page_close(s, &p, rel);
}

/* ------------------------------------------------------------------------ */
/* group pages                                                              */

/* A human title for a group. */
static void group_title(page *p, const site *s, int kind, const group *g)
{
	const relay *first = &s->set->relays[g->members[0]];
	switch (kind) {
	case GROUP_AS:
		pf(p, "%s ", g->key);
		esc_cut(p, first->as_name, 60);
		break;
	case GROUP_COUNTRY:
		pf(p, "%s ", g->key);
		esc_cut(p, first->country_name, 40);
		break;
	case GROUP_FLAG: pf(p, "%s", relay_flag_name(relay_flag_from_name(g->key))); break;
	case GROUP_FAMILY:
		esc_cut(p, first->nickname, 30);
		pf(p, " family");
		break;
	case GROUP_CONTACT: operator_label(p, first, 60); break;
	default: pf(p, "%s", g->key); break;
	}
}

static void group_title_text(const site *s, int kind, const group *g, char *out, size_t n)
{
	const relay *first = &s->set->relays[g->members[0]];
	static const char *const what[GROUP_KIND_COUNT] = {
	    "Network", "Country", "Platform", "Flag", "Family of", "First seen", "Operator"};
	const char *name = g->key;
	if (kind == GROUP_FAMILY)
		name = first->nickname;
	else if (kind == GROUP_CONTACT)
		name = first->aroi_domain ? first->aroi_domain
		                          : (first->contact[0] ? "contact" : "no contact");
	else if (kind == GROUP_FLAG)
		name = relay_flag_name(relay_flag_from_name(g->key));
	snprintf(out, n, "%s %.60s", what[kind], name);
}

static void count_fact(page *p, const char *name, size_t v)
{
	fact(p, name);
	pf(p, "%zu</dd>", v);
}

static void group_summary(page *p, const site *s, int kind, const group *g)
{
	pf(p, "<dl class=\"facts\">");
	count_fact(p, "Relays", g->n_members);
	fact(p, "Bandwidth");
	bw(p, (double)g->bandwidth);
	pf(p, " (guard ");
	bw(p, (double)g->role_bandwidth[ROLE_GUARD]);
	pf(p, ", middle ");
	bw(p, (double)g->role_bandwidth[ROLE_MIDDLE]);
	pf(p, ", exit ");
	bw(p, (double)g->role_bandwidth[ROLE_EXIT]);
	pf(p, ")</dd>");
	fact(p, "Roles");
	pf(p, "%zu exit, %zu guard, %zu middle</dd>", g->role_count[ROLE_EXIT],
	   g->role_count[ROLE_GUARD], g->role_count[ROLE_MIDDLE]);
	fact(p, "Consensus weight");
	pf(p, "%lld (", (long long)g->consensus_weight);
	pct(p, g->cw_fraction);
	pf(p, " of the network; guard ");
	pct(p, g->role_cw_fraction[ROLE_GUARD]);
	pf(p, ", middle ");
	pct(p, g->role_cw_fraction[ROLE_MIDDLE]);
	pf(p, ", exit ");
	pct(p, g->role_cw_fraction[ROLE_EXIT]);
	pf(p, ")</dd>");
	count_fact(p, "Measured relays", g->measured_count);
	fact(p, "Distinct");
	pf(p, "%zu networks, %zu operators, %zu families, %zu AROI domains, %zu countries</dd>",
	   g->unique_as, g->unique_contacts, g->unique_families, g->unique_aroi,
	   g->unique_countries);
	fact(p, "Oldest relay");
	when(p, s, g->first_seen);
	pf(p, "</dd>");
	if (s->set->has_uptime) {
		fact(p, "Mean uptime");
		pf(p, "1 month ");
		uptime(p, g->uptime_mean[PERIOD_1M]);
		pf(p, ", 6 months ");
		uptime(p, g->uptime_mean[PERIOD_6M]);
		pf(p, ", 5 years ");
		uptime(p, g->uptime_mean[PERIOD_5Y]);
		pf(p, "</dd>");
	}
	if (s->set->has_bandwidth) {
		char bytes[48];
		html_bytes(bytes, sizeof(bytes), g->data_total[PERIOD_1M]);
		fact(p, "Data transferred");
		pf(p, "%s in the last month", bytes);
		html_bytes(bytes, sizeof(bytes), g->data_total[PERIOD_5Y]);
		pf(p, ", %s over 5 years; %zu overloaded</dd>", bytes, g->overloaded);
	}
	if (kind == GROUP_CONTACT) {
		const relay *first = &s->set->relays[g->members[0]];
		fact(p, "Contact");
		esc(p, first->contact);
		vanity_link(p, s, g);
		pf(p, "</dd>");
		if (s->set->has_aroi)
			count_fact(p, "AROI-validated relays", g->validated_relays);
	}
	pf(p, "</dl>\n<h2>Relays</h2>\n");
}

/* Group i's page, written to rel with root the way back to the site root. */
static int write_group_to(site *s, int kind, size_t i, const char *root, const char *rel)
{
	const group *g = &s->g->kind[kind].groups[i];
	char title[160];
	group_title_text(s, kind, g, title, sizeof(title));
	page p;
	page_open(&p, s, root, title);
	group_summary(&p, s, kind, g);
	relay_table(&p, s, g->members, g->n_members);
	return page_close(s, &p, rel);
}

static int write_group(site *s, int kind, size_t i)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "%s/%s/index.html", group_kind_dir(kind),
	         s->g->kind[kind].groups[i].key);
	return write_group_to(s, kind, i, "../../", rel);
}

/* The nth vanity page: the operator's contact page at "<domain>/". */
static int write_vanity(site *s, size_t nth)
{
	size_t i = s->vanity[nth];
	char name[256], rel[300];
	vanity_name(s, &s->g->kind[GROUP_CONTACT].groups[i], name, sizeof(name));
	snprintf(rel, sizeof(rel), "%s/index.html", name);
	return write_group_to(s, GROUP_CONTACT, i, "../", rel);
}

/* With --base-url: the contact groups that get a vanity page — operators
 * with a valid AROI proof and a usable domain; when two groups' domains
 * differ only in case, the first group (in group order) has it. */
static int plan_vanity(site *s)
{
	const group_table *t = &s->g->kind[GROUP_CONTACT];
	if (!s->o->base_url || t->n == 0)
		return 0;
	s->vanity = calloc(t->n, sizeof(*s->vanity));
	s->vanity_owner = calloc(t->n, 1);
	if (!s->vanity || !s->vanity_owner)
		return strata_error_set(STRATA_ENOMEM, "out of memory");
	strmap seen;
	strmap_init(&seen);
	int rc = 0;
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const group *op = &t->groups[i];
		const char *d = s->set->relays[op->members[0]].aroi_domain;
		if (!op->validated_relays || !vanity_domain(d))
			continue;
		char name[256];
		vanity_name(s, op, name, sizeof(name));
		if (strmap_get(&seen, name) >= 0)
			continue;
		rc = strmap_put(&seen, name, i);
		s->vanity_owner[i] = 1;
		s->vanity[s->n_vanity++] = i;
	}
	strmap_free(&seen);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* listings: misc/<kind>-by-<sort>.html                                     */

static const struct {
	const char *name;
	int kind;
	const char *title;
} listing_kinds[SITE_LISTING_KINDS] = {
    {"families", GROUP_FAMILY, "Families"},     {"networks", GROUP_AS, "Networks"},
    {"contacts", GROUP_CONTACT, "Operators"},   {"countries", GROUP_COUNTRY, "Countries"},
    {"platforms", GROUP_PLATFORM, "Platforms"},
};

static const char *const listing_sorts[SITE_LISTING_SORTS] = {"by-bandwidth",
                                                              "by-guard-bandwidth",
                                                              "by-middle-bandwidth",
                                                              "by-exit-bandwidth",
                                                              "by-consensus-weight",
                                                              "by-guard-consensus-weight",
                                                              "by-middle-consensus-weight",
                                                              "by-exit-consensus-weight",
                                                              "by-exit-count",
                                                              "by-guard-count",
                                                              "by-middle-count",
                                                              "by-unique-as-count",
                                                              "by-unique-contact-count",
                                                              "by-unique-family-count",
                                                              "by-first-seen",
                                                              "by-total-data"};

static double sort_value(const group *g, int sort)
{
	switch (sort) {
	case 0: return (double)g->bandwidth;
	case 1: return (double)g->role_bandwidth[ROLE_GUARD];
	case 2: return (double)g->role_bandwidth[ROLE_MIDDLE];
	case 3: return (double)g->role_bandwidth[ROLE_EXIT];
	case 4: return g->cw_fraction;
	case 5: return g->role_cw_fraction[ROLE_GUARD];
	case 6: return g->role_cw_fraction[ROLE_MIDDLE];
	case 7: return g->role_cw_fraction[ROLE_EXIT];
	case 8: return (double)g->role_count[ROLE_EXIT];
	case 9: return (double)g->role_count[ROLE_GUARD];
	case 10: return (double)g->role_count[ROLE_MIDDLE];
	case 11: return (double)g->unique_as;
	case 12: return (double)g->unique_contacts;
	case 13: return (double)g->unique_families;
	case 14: return -(double)g->first_seen; /* oldest first */
	default: return g->data_total[PERIOD_5Y];
	}
}

typedef struct listed {
	double value;
	const char *key;
	size_t at;
} listed;

static int by_value(const void *a, const void *b)
{
	const listed *x = a, *y = b;
	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void listing_row(page *p, const site *s, int kind, const group *g, size_t nth)
{
	pf(p, "<tr><td class=\"num\">%zu</td><td><a href=\"", nth);
	group_href(p, kind, g->key);
	pf(p, "\">");
	group_title(p, s, kind, g);
	pf(p, "</a></td><td class=\"num\">%zu</td><td class=\"num\">", g->n_members);
	bw(p, (double)g->bandwidth);
	pf(p, "</td><td class=\"num\">");
	bw(p, (double)g->role_bandwidth[ROLE_GUARD]);
	pf(p, "</td><td class=\"num\">");
	bw(p, (double)g->role_bandwidth[ROLE_MIDDLE]);
	pf(p, "</td><td class=\"num\">");
	bw(p, (double)g->role_bandwidth[ROLE_EXIT]);
	pf(p, "</td><td class=\"num\">");
	pct(p, g->cw_fraction);
	pf(p,
	   "</td><td class=\"num\">%zu / %zu / %zu</td><td class=\"num\">%zu</td>"
	   "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
	   g->role_count[ROLE_EXIT], g->role_count[ROLE_GUARD], g->role_count[ROLE_MIDDLE],
	   g->unique_as, g->unique_contacts, g->unique_families);
	date_of(p, g->first_seen);
	pf(p, "</td></tr>\n");
}

static void listing_nav(page *p, int lk, int sort)
{
	pf(p, "<p class=\"muted\">Sort by: ");
	for (int k = 0; k < SITE_LISTING_SORTS; k++) {
		if (k == sort)
			pf(p, "<strong>%s</strong> ", listing_sorts[k] + 3);
		else
			pf(p, "<a href=\"%s-%s.html\">%s</a> ", listing_kinds[lk].name,
			   listing_sorts[k], listing_sorts[k] + 3);
	}
	pf(p, "</p>\n");
}

static int write_listing(site *s, size_t item)
{
	int lk = (int)(item / SITE_LISTING_SORTS), sort = (int)(item % SITE_LISTING_SORTS);
	int kind = listing_kinds[lk].kind;
	const group_table *t = &s->g->kind[kind];
	listed *order = malloc((t->n + 1) * sizeof(listed));
	if (!order)
		return strata_error_set(STRATA_ENOMEM, "listing: out of memory");
	for (size_t i = 0; i < t->n; i++)
		order[i] = (listed){sort_value(&t->groups[i], sort), t->groups[i].key, i};
	qsort(order, t->n, sizeof(listed), by_value);
	char title[96];
	snprintf(title, sizeof(title), "%s %s", listing_kinds[lk].title, listing_sorts[sort]);
	page p;
	page_open(&p, s, "../", title);
	listing_nav(&p, lk, sort);
	pf(&p, "<div class=\"scroll\"><table>\n<tr><th>#</th><th>Name</th><th class=\"num\">Relays"
	       "</th><th class=\"num\">Bandwidth</th><th class=\"num\">Guard</th><th class=\"num\">"
	       "Middle</th><th class=\"num\">Exit</th><th class=\"num\">Weight</th>"
	       "<th class=\"num\">Exit / guard / middle</th><th class=\"num\">AS</th>"
	       "<th class=\"num\">Operators</th><th class=\"num\">Families</th>"
	       "<th>Oldest</th></tr>\n");
	for (size_t i = 0; i < t->n && !p.err; i++)
		listing_row(&p, s, kind, &t->groups[order[i].at], i + 1);
	pf(&p, "</table></div>\n");
	free(order);
	char rel[128];
	snprintf(rel, sizeof(rel), "misc/%s-%s.html", listing_kinds[lk].name, listing_sorts[sort]);
	return page_close(s, &p, rel);
}

/* ------------------------------------------------------------------------ */
/* index (leaderboards), top 500, all relays                                */

static void leader_value(page *p, const leaderboard *lb, double v)
{
	char text[48];
	switch (lb->unit) {
	case UNIT_BANDWIDTH: bw(p, v); return;
	case UNIT_FRACTION: pct(p, v); return;
	case UNIT_PERCENT: uptime(p, v); return;
	case UNIT_BYTES: html_bytes(text, sizeof(text), v); break;
	case UNIT_SCORE: snprintf(text, sizeof(text), "%.1f", v); break;
	default: snprintf(text, sizeof(text), "%.0f", v); break;
	}
	pf(p, "%s", text);
}

static void leaderboard_card(page *p, const site *s, const leaderboard *lb)
{
	pf(p, "<section class=\"card\" id=\"%s\"><h2>%s</h2><p class=\"muted\">%s</p>", lb->id,
	   lb->title, lb->what);
	if (lb->n == 0) {
		pf(p, "<p class=\"muted\">No operator qualifies.</p></section>\n");
		return;
	}
	pf(p, "<table><tr><th>#</th><th>Operator</th><th class=\"num\">Relays</th>"
	      "<th class=\"num\">Score</th></tr>\n");
	const group_table *t = &s->g->kind[GROUP_CONTACT];
	for (size_t i = 0; i < lb->n && i < LEADERS_SHOWN; i++) {
		const group *op = &t->groups[lb->top[i].group];
		pf(p, "<tr><td class=\"num\">%zu</td><td><a href=\"", i + 1);
		group_href(p, GROUP_CONTACT, op->key);
		pf(p, "\">");
		operator_label(p, &s->set->relays[op->members[0]], 40);
		pf(p, "</a>");
		vanity_link(p, s, op);
		pf(p, "</td><td class=\"num\">%zu</td><td class=\"num\">", op->n_members);
		leader_value(p, lb, lb->top[i].score);
		pf(p, "</td></tr>\n");
	}
	pf(p, "</table></section>\n");
}

static int write_leaderboards(site *s, const char *rel, const char *root)
{
	page p;
	page_open(&p, s, root, "Operator leaderboards");
	const network_totals *t = &s->g->totals;
	pf(&p, "<p>%zu relays (%zu exit, %zu guard, %zu middle), total bandwidth ", t->relays,
	   t->role_count[ROLE_EXIT], t->role_count[ROLE_GUARD], t->role_count[ROLE_MIDDLE]);
	bw(&p, (double)t->bandwidth);
	pf(&p, ", %zu AROI operators. Top %d per category.</p>\n<div class=\"grid\">\n",
	   s->st->net.aroi_operators, LEADERS_SHOWN);
	for (int b = 0; b < LB_COUNT; b++)
		leaderboard_card(&p, s, &s->st->boards[b]);
	pf(&p, "</div>\n");
	return page_close(s, &p, rel);
}

static int write_top500(site *s)
{
	page p;
	page_open(&p, s, "", "Top 500 relays by observed bandwidth");
	relay_table(&p, s, NULL, s->set->n < 500 ? s->set->n : 500);
	return page_close(s, &p, "top500.html");
}

static int write_all(site *s)
{
	page p;
	page_open(&p, s, "../", "All relays");
	relay_table(&p, s, NULL, s->set->n);
	return page_close(s, &p, "misc/all.html");
}

/* ------------------------------------------------------------------------ */
/* network health                                                           */

static void share_row(page *p, const char *name, size_t n, size_t total)
{
	pf(p, "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">", name, n);
	pct(p, total ? (double)n / (double)total : 0.0);
	pf(p, "</td></tr>\n");
}

static void health_roles(page *p, const site *s)
{
	const network_totals *t = &s->g->totals;
	const health *h = &s->st->net;
	static const char *const roles[3] = {"Middle", "Guard", "Exit"};
	pf(p,
	   "<section class=\"card wide\"><h2>Roles</h2><table><tr><th>Role</th><th class=\"num\">"
	   "Relays</th><th class=\"num\">Share</th><th class=\"num\">Mean bandwidth</th>"
	   "<th class=\"num\">Median bandwidth</th><th class=\"num\">Mean weight</th>"
	   "<th class=\"num\">Median weight</th></tr>\n");
	for (int r = 2; r >= 0; r--) {
		pf(p, "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">", roles[r],
		   t->role_count[r]);
		pct(p, t->relays ? (double)t->role_count[r] / (double)t->relays : 0.0);
		pf(p, "</td><td class=\"num\">");
		bw(p, h->role_bw_mean[r]);
		pf(p, "</td><td class=\"num\">");
		bw(p, h->role_bw_median[r]);
		pf(p, "</td><td class=\"num\">%.0f</td><td class=\"num\">%.0f</td></tr>\n",
		   h->role_cw_mean[r], h->role_cw_median[r]);
	}
	pf(p, "</table></section>\n");
}

static void health_flags(page *p, const site *s)
{
	const network_totals *t = &s->g->totals;
	pf(p, "<section class=\"card\"><h2>Flags</h2><table><tr><th>Flag</th><th class=\"num\">"
	      "Relays</th><th class=\"num\">Share</th></tr>\n");
	for (int f = 0; f < FLAG_COUNT; f++)
		if (t->flag_count[f])
			share_row(p, relay_flag_name(f), t->flag_count[f], t->relays);
	pf(p, "</table></section>\n");
}

static void health_network(page *p, const site *s)
{
	const network_totals *t = &s->g->totals;
	const health *h = &s->st->net;
	pf(p, "<section class=\"card\"><h2>Addresses, versions, state</h2><table><tr><th></th>"
	      "<th class=\"num\">Relays</th><th class=\"num\">Share</th></tr>\n");
	share_row(p, "IPv4", h->ipv4, t->relays);
	share_row(p, "IPv6", h->ipv6, t->relays);
	share_row(p, "IPv4 and IPv6", h->dual_stack, t->relays);
	share_row(p, "Recommended Tor version", h->recommended_version, t->relays);
	share_row(p, "Measured", t->measured, t->relays);
	share_row(p, "Overloaded", h->overloaded, t->relays);
	share_row(p, "Hibernating", h->hibernating, t->relays);
	share_row(p, "AROI contact", h->aroi_relays, t->relays);
	if (s->set->has_aroi) {
		share_row(p, "AROI proof checked", h->aroi_checked, t->relays);
		share_row(p, "AROI proof valid", h->aroi_valid, t->relays);
	}
	pf(p, "</table><p class=\"muted\">%zu AROI operators.</p></section>\n", h->aroi_operators);
}

static void health_age(page *p, const site *s)
{
	const health *h = &s->st->net;
	size_t total = s->g->totals.relays;
	static const char *const bands[AGE_BANDS] = {"under 30 days",      "30 days to 6 months",
	                                             "6 months to 1 year", "1 to 2 years",
	                                             "2 to 5 years",       "over 5 years"};
	static const char *const windows[NEW_WINDOWS] = {"last 24 hours", "last 30 days",
	                                                 "last 6 months", "last year"};
	pf(p, "<section class=\"card\"><h2>Relay age</h2><table><tr><th>First seen</th>"
	      "<th class=\"num\">Relays</th><th class=\"num\">Share</th></tr>\n");
	for (int b = 0; b < AGE_BANDS; b++)
		share_row(p, bands[b], h->age_band[b], total);
	pf(p, "<tr><th colspan=\"3\">New relays</th></tr>\n");
	for (int w = 0; w < NEW_WINDOWS; w++)
		share_row(p, windows[w], h->new_relays[w], total);
	pf(p, "</table></section>\n");
}

/* The top n groups of a kind by relay count, with their shares. */
static void health_top(page *p, const site *s, int kind, const char *title, const double top[3])
{
	const group_table *t = &s->g->kind[kind];
	listed order[10];
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		listed l = {(double)t->groups[i].n_members, t->groups[i].key, i};
		size_t at = n < 10 ? n++ : 10;
		if (at == 10 && by_value(&l, &order[9]) >= 0)
			continue;
		if (at == 10)
			at = 9;
		order[at] = l;
		while (at > 0 && by_value(&order[at], &order[at - 1]) < 0) {
			listed tmp = order[at];
			order[at] = order[at - 1];
			order[at - 1] = tmp;
			at--;
		}
	}
	pf(p,
	   "<section class=\"card\"><h2>%s</h2><p class=\"muted\">Consensus weight held by the "
	   "top 3: ",
	   title);
	pct(p, top[0]);
	pf(p, ", top 5: ");
	pct(p, top[1]);
	pf(p, ", top 10: ");
	pct(p, top[2]);
	pf(p, "</p><table><tr><th></th><th class=\"num\">Relays</th><th class=\"num\">Weight</th>"
	      "</tr>\n");
	for (size_t i = 0; i < n; i++) {
		const group *g = &t->groups[order[i].at];
		pf(p, "<tr><td><a href=\"");
		group_href(p, kind, g->key);
		pf(p, "\">");
		group_title(p, s, kind, g);
		pf(p, "</a></td><td class=\"num\">%zu</td><td class=\"num\">", g->n_members);
		pct(p, g->cw_fraction);
		pf(p, "</td></tr>\n");
	}
	pf(p, "</table></section>\n");
}

static void health_platforms(page *p, const site *s)
{
	const group_table *t = &s->g->kind[GROUP_PLATFORM];
	pf(p, "<section class=\"card\"><h2>Platforms</h2><table><tr><th>Platform</th>"
	      "<th class=\"num\">Relays</th><th class=\"num\">Share</th></tr>\n");
	for (size_t i = 0; i < t->n; i++) {
		pf(p, "<tr><td><a href=\"");
		group_href(p, GROUP_PLATFORM, t->groups[i].key);
		pf(p, "\">%s</a></td><td class=\"num\">%zu</td><td class=\"num\">",
		   t->groups[i].key, t->groups[i].n_members);
		pct(p, s->set->n ? (double)t->groups[i].n_members / (double)s->set->n : 0.0);
		pf(p, "</td></tr>\n");
	}
	pf(p, "</table></section>\n");
}

static void health_versions(page *p, const site *s)
{
	const health *h = &s->st->net;
	pf(p,
	   "<section class=\"card\"><h2>Tor versions</h2><p class=\"muted\">%zu distinct "
	   "versions; the %zu most used:</p><table><tr><th>Version</th><th class=\"num\">"
	   "Relays</th><th class=\"num\">Share</th></tr>\n",
	   h->distinct_versions, h->n_versions);
	for (size_t i = 0; i < h->n_versions; i++) {
		pf(p, "<tr><td>");
		esc(p, h->versions[i].version);
		pf(p, "%s</td><td class=\"num\">%zu</td><td class=\"num\">",
		   h->versions[i].recommended ? " <span class=\"good\">recommended</span>" : "",
		   h->versions[i].relays);
		pct(p, s->set->n ? (double)h->versions[i].relays / (double)s->set->n : 0.0);
		pf(p, "</td></tr>\n");
	}
	pf(p, "</table></section>\n");
}

static void health_uptime(page *p, const site *s)
{
	const health *h = &s->st->net;
	if (!h->has_uptime_percentiles)
		return;
	static const char *const names[7] = {"5th", "25th", "50th", "75th", "90th", "95th", "99th"};
	pf(p,
	   "<section class=\"card\"><h2>Uptime over 6 months</h2><p class=\"muted\">%zu "
	   "relays with at least 30 valid points.</p><table><tr><th>Percentile</th>"
	   "<th class=\"num\">Uptime</th></tr>\n",
	   h->uptime_relays);
	for (int k = 0; k < 7; k++) {
		pf(p, "<tr><td>%s</td><td class=\"num\">", names[k]);
		uptime(p, h->uptime_percentile[k]);
		pf(p, "</td></tr>\n");
	}
	pf(p, "</table></section>\n");
}

static int write_health(site *s)
{
	page p;
	page_open(&p, s, "", "Network health");
	pf(&p, "<div class=\"grid\">\n");
	health_roles(&p, s);
	health_flags(&p, s);
	health_network(&p, s);
	health_age(&p, s);
	health_top(&p, s, GROUP_COUNTRY, "Top countries", s->st->net.country_cw_top);
	health_top(&p, s, GROUP_AS, "Top networks", s->st->net.as_cw_top);
	health_platforms(&p, s);
	health_versions(&p, s);
	health_uptime(&p, s);
	pf(&p, "</div>\n");
	return page_close(s, &p, "network-health.html");
}

/* ------------------------------------------------------------------------ */
/* search index, stylesheet                                                 */

/* A JSON string with <, > and & as \u escapes too, so the index holds no
 * markup even when a browser sniffs it as HTML. */
static void json_str(page *p, const char *v)
{
	strata_buf tmp = STRATA_BUF_INIT;
	if (!p->err)
		p->err = strata_buf_json_string(&tmp, v);
	for (size_t i = 0; i < tmp.len && !p->err; i++) {
		char c = tmp.data[i];
		if (c == '<' || c == '>' || c == '&')
			pf(p, "\\u%04x", (unsigned)c);
		else
			p->err = strata_buf_putc(&p->b, c);
	}
	strata_buf_free(&tmp);
}

static int write_search_index(site *s)
{
	page p;
	memset(&p, 0, sizeof(p));
	pf(&p, "{\"generated\":\"%s\",\"relays\":[", s->generated);
	for (size_t i = 0; i < s->set->n && !p.err; i++) {
		const relay *r = &s->set->relays[i];
		pf(&p, "%s\n{\"fingerprint\":\"%s\",\"nickname\":", i ? "," : "", r->fingerprint);
		json_str(&p, r->nickname);
		pf(&p, ",\"contact\":\"%s\",\"aroi\":", r->contact_md5);
		if (r->aroi_domain)
			json_str(&p, r->aroi_domain);
		else
			pf(&p, "null");
		pf(&p, ",\"as\":%u,\"country\":\"%s\",\"running\":%s}", (unsigned)r->asn,
		   r->country, r->running ? "true" : "false");
	}
	pf(&p, "],\n\"families\":[");
	const group_table *t = &s->g->kind[GROUP_FAMILY];
	for (size_t i = 0; i < t->n && !p.err; i++)
		pf(&p, "%s\n{\"id\":\"%s\",\"relays\":%zu}", i ? "," : "", t->groups[i].key,
		   t->groups[i].n_members);
	pf(&p, "]}\n");
	int rc = emit(s, "search-index.json", &p);
	strata_buf_free(&p.b);
	return rc;
}

static int write_stylesheet(site *s)
{
	page p;
	memset(&p, 0, sizeof(p));
	pf(&p, "%s", html_stylesheet());
	int rc = emit(s, "style.css", &p);
	strata_buf_free(&p.b);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* the work list                                                            */

enum { ST_INDEX, ST_AROI, ST_TOP500, ST_ALL, ST_HEALTH, ST_SEARCH, ST_STYLE, ST_COUNT };

static int write_static(site *s, size_t which)
{
	switch (which) {
	case ST_INDEX: return write_leaderboards(s, "index.html", "");
	case ST_AROI: return write_leaderboards(s, "misc/aroi-leaderboards.html", "../");
	case ST_TOP500: return write_top500(s);
	case ST_ALL: return write_all(s);
	case ST_HEALTH: return write_health(s);
	case ST_SEARCH: return write_search_index(s);
	default: return write_stylesheet(s);
	}
}

/* Item i of the flat work list: static pages, listings, relays, groups. */
static int write_item(size_t i, void *ctx)
{
	site *s = ctx;
	int rc;
	if (i < s->n_static) {
		rc = write_static(s, i);
	} else if ((i -= s->n_static) < s->n_listings) {
		rc = write_listing(s, i);
	} else if ((i -= s->n_listings) < s->set->n) {
		rc = write_relay(s, i);
	} else if ((i -= s->set->n) >= s->first_group[GROUP_KIND_COUNT]) {
		rc = write_vanity(s, i - s->first_group[GROUP_KIND_COUNT]);
	} else {
		int kind = 0;
		while (kind < GROUP_KIND_COUNT - 1 && i >= s->first_group[kind + 1])
			kind++;
		rc = write_group(s, kind, i - s->first_group[kind]);
	}
	strata_progress_add(s->progress, 1);
	return rc;
}

static size_t plan(site *s)
{
	s->n_static = ST_COUNT;
	s->n_listings = SITE_LISTING_KINDS * SITE_LISTING_SORTS;
	size_t groups = 0;
	for (int k = 0; k < GROUP_KIND_COUNT; k++) {
		s->first_group[k] = groups;
		groups += s->g->kind[k].n;
	}
	s->first_group[GROUP_KIND_COUNT] = groups;
	return s->n_static + s->n_listings + s->set->n + groups + s->n_vanity;
}

/* ------------------------------------------------------------------------ */
/* temporary folder and swap                                                */

/* The folders every page lives below: misc/, relay/ and one per group kind. */
static int make_folders(const site *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/misc", s->tmp);
	int rc = strata_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/relay", s->tmp);
	if (rc == 0)
		rc = strata_mkdir_p(path, 0755);
	for (int k = 0; rc == 0 && k < GROUP_KIND_COUNT; k++) {
		snprintf(path, sizeof(path), "%s/%s", s->tmp, group_kind_dir(k));
		rc = strata_mkdir_p(path, 0755);
	}
	return rc;
}

static int render(site *s, size_t total)
{
	int made = make_folders(s);
	if (made < 0)
		return made;
	strata_workers *w = NULL;
	int rc = strata_workers_create(s->o->jobs, &w);
	if (rc < 0)
		return rc;
	if (s->o->progress)
		s->progress = strata_progress_start("pages", total);
	rc = strata_workers_for(w, total, write_item, s);
	strata_progress_finish(s->progress);
	s->progress = NULL;
	strata_workers_destroy(w);
	return rc;
}

/* --out without trailing slashes into out; "/", "." and ".." (as the last
 * component) cannot be swapped and are refused. */
static int clean_out(const char *given, char out[4096])
{
	size_t n = strlen(given);
	while (n > 1 && given[n - 1] == '/')
		n--;
	if (n == 0 || n >= 4096)
		return strata_error_set(STRATA_EINVAL, "--out: not a usable folder name");
	memcpy(out, given, n);
	out[n] = '\0';
	const char *last = strrchr(out, '/');
	last = last ? last + 1 : out;
	if (!strcmp(out, "/") || !strcmp(last, ".") || !strcmp(last, ".."))
		return strata_error_set(STRATA_EINVAL, "--out %s: name a folder of its own", given);
	return 0;
}

int site_build(const relay_set *set, const relay_groups *g, const relay_stats *st,
               const site_options *o, site_result *result)
{
	site s;
	memset(&s, 0, sizeof(s));
	s.set = set;
	s.g = g;
	s.st = st;
	s.o = o;
	char when_built[48], out[4096];
	html_datetime(when_built, sizeof(when_built), set->now);
	snprintf(s.generated, sizeof(s.generated), "%s UTC", when_built);
	int rc = clean_out(o->out, out);
	if (rc < 0)
		return rc;
	struct stat out_stat;
	if (lstat(out, &out_stat) == 0 && !S_ISDIR(out_stat.st_mode))
		return strata_error_set(STRATA_EEXIST, "%s exists and is not a folder", out);
	rc = outdir_clean_stale(out);
	outdir_temp temp = {NULL, -1};
	if (rc >= 0)
		rc = outdir_temp_create(out, &temp);
	if (rc < 0)
		return rc;
	s.tmp = temp.path;
	rc = plan_vanity(&s);
	if (rc == 0)
		rc = render(&s, plan(&s));
	if (rc == 0)
		rc = outdir_swap_in(&temp, out);
	outdir_temp_discard(&temp);
	free(s.vanity);
	free(s.vanity_owner);
	if (result) {
		result->pages = atomic_load(&s.pages);
		result->bytes = atomic_load(&s.bytes);
	}
	return rc;
}
