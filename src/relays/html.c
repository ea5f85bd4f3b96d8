/* html.c - escaping, value formatting and page chrome for the relay site. */
#include "html.h"

#include "strata/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int put_replacement(strata_buf *b)
{
	return strata_buf_puts(b, "\xEF\xBF\xBD");
}

/* Escape one byte or sequence at s (n bytes left); returns its length or a
 * negative error. */
static int escape_one(strata_buf *b, const unsigned char *s, size_t n)
{
	static const char *const ent[] = {
	    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
	unsigned char c = *s;
	if (c < 0x80) {
		int rc;
		if (c < sizeof(ent) / sizeof(ent[0]) && ent[c])
			rc = strata_buf_puts(b, ent[c]);
		else if (c < 0x20 || c == 0x7f)
			rc =
			    (c == '\t' || c == '\n') ? strata_buf_putc(b, ' ') : put_replacement(b);
		else
			rc = strata_buf_putc(b, (char)c);
		return rc < 0 ? rc : 1;
	}
	size_t len = strata_utf8_length(s, n);
	if (len == 0) {
		int rc = put_replacement(b);
		return rc < 0 ? rc : 1;
	}
	int rc = strata_buf_append(b, s, len);
	return rc < 0 ? rc : (int)len;
}

int html_escape_cut(strata_buf *b, const char *s, size_t max_chars)
{
	if (!s)
		return 0;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;
	while (n > 0) {
		if (chars == max_chars)
			return strata_buf_puts(b, "\xE2\x80\xA6");
		int len = escape_one(b, p, n);
		if (len < 0)
			return len;
		p += len;
		n -= (size_t)len;
		chars++;
	}
	return 0;
}

int html_escape(strata_buf *b, const char *s)
{
	return html_escape_cut(b, s, (size_t)-1);
}

/* Scale v by powers of step with the given unit names. */
static void scaled(char *out, size_t n, double v, double step, const char *const *units, int nunits)
{
	int u = 0;
	while (fabs(v) >= step && u < nunits - 1) {
		v /= step;
		u++;
	}
	snprintf(out, n, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
}

void html_bandwidth(char *out, size_t n, double bytes_per_s, int bits)
{
	static const char *const bit_units[] = {"bit/s", "Kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
	static const char *const byte_units[] = {"B/s", "KB/s", "MB/s", "GB/s", "TB/s"};
	if (bits)
		scaled(out, n, bytes_per_s * 8.0, 1000.0, bit_units, 5);
	else
		scaled(out, n, bytes_per_s, 1000.0, byte_units, 5);
}

void html_bytes(char *out, size_t n, double bytes)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
	scaled(out, n, bytes, 1000.0, units, 7);
}

void html_ago(char *out, size_t n, strata_time t, strata_time now)
{
	if (t > now) {
		snprintf(out, n, "in the future");
		return;
	}
	int64_t s = (now - t) / STRATA_NS_PER_SEC;
	static const struct {
		int64_t secs;
		const char *unit;
	} steps[] = {{365 * 86400, "year"},
	             {30 * 86400, "month"},
	             {86400, "day"},
	             {3600, "hour"},
	             {60, "minute"}};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int64_t k = s / steps[i].secs;
		if (k >= 1) {
			snprintf(out, n, "%lld %s%s ago", (long long)k, steps[i].unit,
			         k == 1 ? "" : "s");
			return;
		}
	}
	snprintf(out, n, "just now");
}

void html_datetime(char *out, size_t n, strata_time t)
{
	strata_civil c;
	strata_time_to_civil(t, &c);
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.minute);
}

void html_percent(char *out, size_t n, double fraction)
{
	snprintf(out, n, "%.2f%%", fraction * 100.0);
}

void html_percent_value(char *out, size_t n, double percent)
{
	if (percent < 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.2f%%", percent);
}

int html_page_start(strata_buf *b, const char *root, const char *title)
{
	int rc = strata_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
	                              "charset=\"utf-8\">\n<meta name=\"viewport\" "
	                              "content=\"width=device-width, initial-scale=1\">\n<title>");
	if (rc == 0)
		rc = html_escape(b, title);
	if (rc == 0)
		rc = strata_buf_printf(
		    b,
		    " &middot; Tor relays</title>\n<link rel=\"stylesheet\" href=\"%sstyle.css\">\n"
		    "</head>\n<body>\n<header><nav>"
		    "<a class=\"brand\" href=\"%sindex.html\">Tor relays</a>"
		    "<a href=\"%stop500.html\">Top 500</a>"
		    "<a href=\"%snetwork-health.html\">Network health</a>"
		    "<a href=\"%smisc/families-by-bandwidth.html\">Families</a>"
		    "<a href=\"%smisc/contacts-by-bandwidth.html\">Operators</a>"
		    "<a href=\"%smisc/networks-by-bandwidth.html\">Networks</a>"
		    "<a href=\"%smisc/countries-by-bandwidth.html\">Countries</a>"
		    "<a href=\"%smisc/platforms-by-bandwidth.html\">Platforms</a>"
		    "<a href=\"%smisc/all.html\">All relays</a>"
		    "</nav></header>\n<main>\n<h1>",
		    root, root, root, root, root, root, root, root, root, root);
	if (rc == 0)
		rc = html_escape(b, title);
	if (rc == 0)
		rc = strata_buf_puts(b, "</h1>\n");
	return rc;
}

int html_page_end(strata_buf *b, const char *root, const char *generated)
{
	return strata_buf_printf(b,
	                         "</main>\n<footer>Built by strata relays from Onionoo data "
	                         "published %s. <a href=\"%ssearch-index.json\">Search "
	                         "index</a></footer>\n</body>\n</html>\n",
	                         generated, root);
}

const char *html_stylesheet(void)
{
	return ":root{--ink:#1d2433;--muted:#5b6478;--line:#dfe3ea;--bg:#f7f8fa;"
	       "--card:#fff;--accent:#2f5d8a;--good:#2e7d4f;--warn:#a15c00;--bad:#b3261e}\n"
	       "*{box-sizing:border-box}\n"
	       "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	       "color:var(--ink);background:var(--bg)}\n"
	       "header{background:var(--ink)}\n"
	       "nav{display:flex;flex-wrap:wrap;gap:.2rem 1.1rem;max-width:1280px;margin:0 auto;"
	       "padding:.7rem 1rem}\n"
	       "nav a{color:#cfd8e6;text-decoration:none}\nnav a:hover{color:#fff}\n"
	       "nav a.brand{color:#fff;font-weight:600;margin-right:1rem}\n"
	       "main{max-width:1280px;margin:0 auto;padding:1rem}\n"
	       "h1{font-size:1.5rem;margin:.6rem 0 1rem;overflow-wrap:anywhere}\n"
	       "h2{font-size:1.15rem;margin:1.6rem 0 .6rem}\n"
	       "a{color:var(--accent)}\n"
	       "table{border-collapse:collapse;width:100%;background:var(--card);"
	       "border:1px solid var(--line);font-size:.9rem}\n"
	       "th,td{padding:.35rem .55rem;border-bottom:1px solid var(--line);text-align:left;"
	       "vertical-align:top}\n"
	       "th{background:#eef1f6;font-weight:600;white-space:nowrap}\n"
	       "td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:"
	       "tabular-nums}\n"
	       "tr:hover td{background:#f3f6fb}\n"
	       ".scroll{overflow-x:auto}\n"
	       "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;"
	       "background:var(--card);border:1px solid var(--line);padding:.8rem 1rem;margin:0}\n"
	       "dl.facts dt{color:var(--muted)}\ndl.facts dd{margin:0;overflow-wrap:anywhere}\n"
	       ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));"
	       "gap:1rem}\n"
	       ".card{background:var(--card);border:1px solid var(--line);padding:.8rem 1rem;"
	       "overflow-x:auto}\n"
	       ".wide{grid-column:1/-1}\n"
	       ".card h2{margin-top:0}\n"
	       ".card td{overflow-wrap:anywhere}\n"
	       ".mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}\n"
	       ".muted{color:var(--muted)}\n.good{color:var(--good)}\n.warn{color:var(--warn)}\n"
	       ".bad{color:var(--bad)}\n"
	       ".flag{display:inline-block;padding:0 .35rem;margin:0 .15rem .15rem 0;"
	       "border:1px solid var(--line);border-radius:3px;font-size:.8rem;"
	       "text-decoration:none}\n"
	       "ul.plain{margin:0;padding-left:1.1rem}\n"
	       "footer{max-width:1280px;margin:2rem auto;padding:0 1rem;color:var(--muted);"
	       "font-size:.85rem}\n";
}
