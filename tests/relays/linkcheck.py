#!/usr/bin/env python3
"""Check every internal link of a static site: each href/src that is not an
external URL or an anchor must name a file (or a folder with index.html)
inside the site. Prints broken links and exits 1 when there are any."""
import os
import re
import sys
from urllib.parse import unquote

HREF = re.compile(rb'(?:href|src)="([^"]*)"')


def target(site, page, link):
    path = unquote(link.split('#', 1)[0].split('?', 1)[0])
    if not path:
        return None
    full = os.path.normpath(os.path.join(os.path.dirname(page), path))
    if path.endswith('/') or os.path.isdir(full):
        full = os.path.join(full, 'index.html')
    return full


def main():
    site = os.path.realpath(sys.argv[1])
    broken = checked = 0
    for folder, _, files in os.walk(site):
        for name in files:
            if not name.endswith('.html'):
                continue
            page = os.path.join(folder, name)
            with open(page, 'rb') as f:
                text = f.read()
            for m in HREF.finditer(text):
                link = m.group(1).decode('utf-8', 'replace')
                if re.match(r'^[a-z][a-z0-9+.-]*:', link) or link.startswith('#'):
                    continue
                full = target(site, page, link)
                if full is None:
                    continue
                checked += 1
                if not full.startswith(site + os.sep) or not os.path.isfile(full):
                    broken += 1
                    if broken <= 20:
                        print('broken: %s -> %s' % (os.path.relpath(page, site), link))
    print('%d links checked, %d broken' % (checked, broken))
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
