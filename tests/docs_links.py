#!/usr/bin/env python3
"""Every relative link of README.md and docs/*.md leads somewhere: the file
exists and, with #anchor, has a heading of that anchor (GitHub's slugs:
lowercase, punctuation dropped, spaces to hyphens). Links to http(s) are
not fetched.

usage: docs_links.py SOURCE_ROOT
"""
import os
import re
import sys

ROOT = sys.argv[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    found, fence = set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#{1,6} ", line):
            found.add(slug(line.lstrip("#")))
    return found


def main():
    pages = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    failed = checked = 0
    for page in pages:
        lines, fence = [], False
        for line in open(page, encoding="utf-8"):
            if line.startswith("```"):
                fence = not fence
            lines.append("\n" if fence or line.startswith("```") else line)
        text = "".join(lines)  # code blocks blanked: a link's text may run over lines
        for m in LINK.finditer(text):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            ok = os.path.exists(dest) and (not anchor or anchor in anchors(dest))
            checked += 1
            if not ok:
                failed += 1
                n = text.count("\n", 0, m.start()) + 1
                print(f"not ok - {os.path.relpath(page, ROOT)}:{n}: {target} leads nowhere")
    print(f"{'ok' if not failed else 'not ok'} - {checked - failed} of {checked} links of {len(pages)} pages lead "
          f"somewhere")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
