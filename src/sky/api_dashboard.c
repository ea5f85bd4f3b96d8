/* api_dashboard.c - the dashboard: one HTML page, its script and stylesheet,
 * served from the binary (no build step). The script reads the JSON API:
 * pipeline counts (/api/v1/stats), recent images with grades and a sky map
 * of their pointings (/api/v1/images), jobs (/api/v1/jobs). When reads need
 * credentials, open the page as /dashboard#key=API_KEY. */
#include "sky/api_internal.h"

#include <string.h>

static const char page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>strata sky</title>\n"
    "<link rel=\"stylesheet\" href=\"/dashboard.css\">\n"
    "<script src=\"/dashboard.js\" defer></script></head>\n"
    "<body><header><h1>strata sky</h1><span id=\"status\">loading</span></header>\n"
    "<main>\n"
    "<section><h2>Pipeline</h2><div id=\"stages\" class=\"cards\"></div>"
    "<div id=\"jobcounts\" class=\"cards\"></div></section>\n"
    "<section><h2>Sky map of image pointings</h2>"
    "<svg id=\"skymap\" viewBox=\"0 0 360 180\" role=\"img\" "
    "aria-label=\"image pointings\"></svg></section>\n"
    "<section><h2>Recent images</h2><table id=\"images\"><thead><tr><th>id</th>"
    "<th>path</th><th>RA</th><th>Dec</th><th>noise (mJy)</th><th>DR</th><th>grade</th>"
    "</tr></thead><tbody></tbody></table></section>\n"
    "<section><h2>Jobs</h2><table id=\"jobs\"><thead><tr><th>id</th><th>kind</th>"
    "<th>status</th><th>set</th><th>attempts</th><th>error</th></tr></thead>"
    "<tbody></tbody></table></section>\n"
    "</main></body></html>\n";

static const char style[] =
    "body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}\n"
    "header{display:flex;gap:1em;align-items:baseline;padding:.6em 1.2em;background:#1d2330;"
    "color:#fff}\n"
    "h1{font-size:1.3em;margin:0}h2{font-size:1.05em;margin:.2em 0 .5em}\n"
    "main{display:grid;grid-template-columns:1fr 1fr;gap:1em;padding:1em}\n"
    "section{background:#fff;border-radius:6px;padding:.8em;box-shadow:0 1px 2px #0002}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:.5em;margin-bottom:.5em}\n"
    ".card{border:1px solid #d5d9e0;border-radius:4px;padding:.3em .6em;min-width:5em}\n"
    ".card b{display:block;font-size:1.3em}\n"
    "table{border-collapse:collapse;width:100%;font-size:.85em}\n"
    "td,th{border-bottom:1px solid #e3e6eb;padding:.2em .4em;text-align:left}\n"
    ".excellent{color:#0a7a2f}.good{color:#2f6fd0}.marginal{color:#b07800}"
    ".poor{color:#c0262d}\n"
    "svg{width:100%;background:#0b1430;border-radius:4px}\n"
    "svg circle{fill:#ffd75e;opacity:.75}svg line{stroke:#ffffff22}\n";

static const char script[] =
    "'use strict';\n"
    "const key = new URLSearchParams(location.hash.slice(1)).get('key');\n"
    "const headers = key ? {'X-API-Key': key} : {};\n"
    "async function get(path) {\n"
    "  const r = await fetch(path, {headers});\n"
    "  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);\n"
    "  return r.json();\n"
    "}\n"
    "function cell(row, text, cls) {\n"
    "  const td = document.createElement('td');\n"
    "  td.textContent = text === null || text === undefined ? '' : String(text);\n"
    "  if (cls) td.className = cls;\n"
    "  row.appendChild(td);\n"
    "}\n"
    "function cards(el, pairs) {\n"
    "  el.replaceChildren();\n"
    "  for (const p of pairs) {\n"
    "    const d = document.createElement('div'); d.className = 'card';\n"
    "    const b = document.createElement('b'); b.textContent = p.count;\n"
    "    d.appendChild(b); d.appendChild(document.createTextNode(p.value || p.status));\n"
    "    el.appendChild(d);\n"
    "  }\n"
    "}\n"
    "function skymap(images) {\n"
    "  const svg = document.getElementById('skymap'), ns = 'http://www.w3.org/2000/svg';\n"
    "  svg.replaceChildren();\n"
    "  for (let ra = 0; ra <= 360; ra += 30) {\n"
    "    const l = document.createElementNS(ns, 'line');\n"
    "    l.setAttribute('x1', 360 - ra); l.setAttribute('x2', 360 - ra);\n"
    "    l.setAttribute('y1', 0); l.setAttribute('y2', 180); svg.appendChild(l);\n"
    "  }\n"
    "  for (const im of images) {\n"
    "    if (im.ra_deg === null || im.dec_deg === null) continue;\n"
    "    const c = document.createElementNS(ns, 'circle');\n"
    "    c.setAttribute('cx', 360 - im.ra_deg); c.setAttribute('cy', 90 - im.dec_deg);\n"
    "    c.setAttribute('r', 1.5); svg.appendChild(c);\n"
    "  }\n"
    "}\n"
    "async function refresh() {\n"
    "  const status = document.getElementById('status');\n"
    "  try {\n"
    "    const [stats, images, jobs] = await Promise.all([get('/api/v1/stats'),\n"
    "      get('/api/v1/images?limit=500'), get('/api/v1/jobs?limit=25')]);\n"
    "    cards(document.getElementById('stages'), stats.ms_by_stage);\n"
    "    cards(document.getElementById('jobcounts'), stats.jobs_by_status);\n"
    "    skymap(images.items);\n"
    "    const ib = document.querySelector('#images tbody'); ib.replaceChildren();\n"
    "    for (const im of images.items.slice(0, 25)) {\n"
    "      const r = document.createElement('tr');\n"
    "      cell(r, im.id); cell(r, im.path); cell(r, im.ra_deg); cell(r, im.dec_deg);\n"
    "      cell(r, im.noise_jy === null ? '' : (im.noise_jy * 1000).toFixed(3));\n"
    "      cell(r, im.dynamic_range); cell(r, im.qa_grade, im.qa_grade);\n"
    "      ib.appendChild(r);\n"
    "    }\n"
    "    const jb = document.querySelector('#jobs tbody'); jb.replaceChildren();\n"
    "    for (const j of jobs.items) {\n"
    "      const r = document.createElement('tr');\n"
    "      cell(r, j.id.slice(0, 8)); cell(r, j.kind); cell(r, j.status);\n"
    "      cell(r, j.ms_id); cell(r, j.attempts + '/' + j.max_attempts); cell(r, j.error);\n"
    "      jb.appendChild(r);\n"
    "    }\n"
    "    status.textContent = stats.totals.images + ' images, ' + stats.totals.ms +\n"
    "      ' measurement sets, updated ' + new Date().toLocaleTimeString();\n"
    "  } catch (e) {\n"
    "    status.textContent = 'error: ' + e.message;\n"
    "  }\n"
    "}\n"
    "refresh();\n"
    "setInterval(refresh, 10000);\n";

/* Send a static text with its type; the page's policy allows its own
 * script and stylesheet only. */
static int static_text(api_req *r, const char *type, const char *text, size_t len)
{
	r->csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
	         "img-src 'self'; frame-ancestors 'none'";
	return strata_http_respond(r->resp, 200, type, text, len);
}

int api_dashboard_page(api_req *r)
{
	return static_text(r, "text/html; charset=utf-8", page, sizeof page - 1);
}

int api_dashboard_script(api_req *r)
{
	return static_text(r, "text/javascript; charset=utf-8", script, sizeof script - 1);
}

int api_dashboard_style(api_req *r)
{
	return static_text(r, "text/css; charset=utf-8", style, sizeof style - 1);
}
