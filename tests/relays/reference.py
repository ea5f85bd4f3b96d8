#!/usr/bin/env python3
"""Reference semantics (Allium's rules, written independently in Python) for
a generated details.json, checked against a site built by strata:

  reference.py DETAILS SITE NOW FILTER_DAYS

- kept relays (running, or last_seen within FILTER_DAYS of NOW; 0 keeps all)
  in stable observed-bandwidth-descending order == search-index.json order;
- AROI domain and contact MD5 of each relay (Allium's three regexes);
- the set of group pages per kind: AS, country, platform (keys matching
  ^[A-Za-z0-9_-]+$ after trimming), flag (lower case), first_seen date,
  contact, and one family page per distinct effective family;
- the operators shown on the bandwidth, exit-operators and guard-operators
  leaderboards of index.html, in order: as Allium, every contact group
  whose contact has 3+ characters once trimmed, by score descending (ties
  by contact key here; Allium keeps dict order), scores of 0 left out.
Prints the first mismatches and exits 1 on any."""
import hashlib
import json
import os
import re
import sys
from datetime import datetime, timedelta

URL_RE = re.compile(r'\burl:(?:https?://)?([^,\s]+)', re.IGNORECASE)
CIISS_RE = re.compile(r'\bciissversion:2\b', re.IGNORECASE)
PROOF_RE = re.compile(r'\bproof:(dns-rsa|uri-rsa)\b', re.IGNORECASE)
KEY_RE = re.compile(r'^[A-Za-z0-9_-]+$')
KNOWN_FLAGS = {"Authority", "BadExit", "Exit", "Fast", "Guard", "HSDir", "MiddleOnly",
               "NoEdConsensus", "Running", "Stable", "StaleDesc", "Sybil", "V2Dir", "Valid"}


def aroi_domain(contact):
    if not contact:
        return None
    u = URL_RE.search(contact)
    if not (u and CIISS_RE.search(contact) and PROOF_RE.search(contact)):
        return None
    d = u.group(1)
    if '://' in d:
        d = d.split('://', 1)[1]
    if d.startswith('www.'):
        d = d[4:]
    return d.split('/')[0] or None


def platform(p):
    parts = p.split(' on ', 1)
    if len(parts) < 2:
        return p
    return parts[1].split(' ')[0].split('/')[-1]


def role(r):
    flags = r.get('flags', [])
    return 'exit' if 'Exit' in flags else 'guard' if 'Guard' in flags else 'middle'


def check_leaderboards(kept, site):
    ops = {}
    for r in kept:  # bandwidth order: the first member names the operator
        contact = r.get('contact', '')
        dom = aroi_domain(contact)
        key = hashlib.md5(('aroi_domain:' + dom if dom else contact).encode()).hexdigest()
        op = ops.setdefault(key, {'contact': contact, 'bandwidth': 0, 'exit': 0, 'guard': 0})
        op['bandwidth'] += r.get('observed_bandwidth') or 0
        op[role(r)] = op.get(role(r), 0) + 1
    html = open(os.path.join(site, 'index.html'), encoding='utf-8').read()
    errors = []
    for board, score in (('bandwidth', 'bandwidth'), ('exit-operators', 'exit'),
                         ('guard-operators', 'guard')):
        ranked = sorted(((-op[score], key) for key, op in ops.items()
                         if len(op["contact"].strip()) >= 3 and op[score] > 0))
        want = [key for _, key in ranked[:25]]
        section = html[html.index('id="%s"' % board):]
        section = section[:section.index('</section>')]
        got = [h.split('/')[1] for h in re.findall(r'href="(contact/[0-9a-f]{32}/)"', section)]
        if got != want:
            errors.append('leaderboard %s: %s..., expected %s...' % (board, got[:3], want[:3]))
    return errors


def main():
    details, site, now_s, days = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    now = datetime.strptime(now_s, '%Y-%m-%d %H:%M:%S')
    relays = json.load(open(details))['relays']
    cutoff = now - timedelta(days=days)
    kept = [r for r in relays if days <= 0 or r.get('running') or
            datetime.strptime(r['last_seen'], '%Y-%m-%d %H:%M:%S') >= cutoff]
    kept.sort(key=lambda r: -(r.get('observed_bandwidth') or 0))  # stable
    index = json.load(open(os.path.join(site, 'search-index.json')))['relays']
    errors = []

    if [r['fingerprint'] for r in kept] != [r['fingerprint'] for r in index]:
        errors.append('relay order or kept set differs')
    want = {k: set() for k in ('as', 'country', 'platform', 'flag', 'first_seen', 'contact')}
    families = set()
    for r, got in zip(kept, index):
        contact = r.get('contact', '')
        dom = aroi_domain(contact)
        key = hashlib.md5(('aroi_domain:' + dom if dom else contact).encode()).hexdigest()
        if got['aroi'] != dom or got['contact'] != key:
            errors.append('%s: aroi %r/%r contact %s/%s' % (r['fingerprint'], dom, got['aroi'],
                                                            key, got['contact']))
        want['contact'].add(key)
        if r.get('as'):
            want['as'].add('AS%d' % int(r['as'][2:]))
        if r.get('country'):
            want['country'].add(r['country'].upper())
        p = platform(r.get('platform', ''))
        if KEY_RE.match(p):
            want['platform'].add(p)
        want['flag'] |= {f.lower() for f in r.get('flags', []) if f in KNOWN_FLAGS}
        want['first_seen'].add(r['first_seen'].split(' ')[0])
        fam = frozenset(f.lstrip('$').upper() for f in r.get('effective_family', [])) | {
            r['fingerprint']}
        if len(fam) > 1:
            families.add(fam)
    for kind, keys in want.items():
        got = set(os.listdir(os.path.join(site, kind)))
        if got != keys:
            errors.append('%s pages: missing %s, extra %s' % (kind, sorted(keys - got)[:5],
                                                              sorted(got - keys)[:5]))
    if len(os.listdir(os.path.join(site, 'family'))) != len(families):
        errors.append('family pages: %d, distinct families %d' % (
            len(os.listdir(os.path.join(site, 'family'))), len(families)))
    errors += check_leaderboards(kept, site)
    for e in errors[:20]:
        print(e)
    print('%d relays checked, %d mismatches' % (len(kept), len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
