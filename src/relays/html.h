/*
 * html.h - the HTML building blocks of the relay site.
 *
 * html_escape is the one escaping function: every string that comes from an
 * input document goes through it exactly once, on its way into a page.
 * Formatting helpers (bandwidth, bytes, "time ago", percentages) produce
 * plain ASCII that needs no escaping. Pages link relatively ("../../") so a
 * site works from any folder, file:// included.
 */
#ifndef STRATA_RELAYS_HTML_H
#define STRATA_RELAYS_HTML_H

#include "strata/buf.h"
#include "strata/time.h"

#include <stddef.h>

/* Append s with & < > " ' escaped; control characters and invalid UTF-8
 * become U+FFFD. NULL appends nothing. */
int html_escape(strata_buf *b, const char *s);

/* Append at most max_chars characters of s (whole UTF-8 sequences), then
 * an ellipsis when cut, escaped. */
int html_escape_cut(strata_buf *b, const char *s, size_t max_chars);

/* "12.34 Mbit/s" (bits) or "1.54 MB/s" from bytes per second. */
void html_bandwidth(char *out, size_t n, double bytes_per_s, int bits);

/* "1.23 TB" from bytes. */
void html_bytes(char *out, size_t n, double bytes);

/* "3 days ago", "5 hours ago", "just now", "in the future". */
void html_ago(char *out, size_t n, strata_time t, strata_time now);

/* "2026-11-23 12:00" (UTC). */
void html_datetime(char *out, size_t n, strata_time t);

/* "12.34%" from a fraction (0.1234); "-" for UPTIME-style negatives when
 * the value is a percent already use html_percent_value. */
void html_percent(char *out, size_t n, double fraction);
void html_percent_value(char *out, size_t n, double percent);

/* Page chrome: the title is escaped; root is the relative path to the site
 * root ("", "../", "../../"). */
int html_page_start(strata_buf *b, const char *root, const char *title);
int html_page_end(strata_buf *b, const char *root, const char *generated);

/* The stylesheet written once to style.css. */
const char *html_stylesheet(void);

#endif
