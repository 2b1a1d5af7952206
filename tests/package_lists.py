#!/usr/bin/python3
"""Every Debian package the build and the tests used is named in the project's
package lists (or comes with them, or with Debian's minimal system).

tests/run.sh records every file opened on this machine while it builds and
runs the suites (fatrace, fanotify: system-wide, root only) into OPENS, one
"command: O path" line per distinct command and path. This maps each path to
the package that installed it (dpkg's file lists) and fails naming every
package that is neither
  - named in a LIST (tools/debian-packages.txt, tools/debian-test-packages.txt),
  - nor pulled in by one of those through Depends / Pre-Depends (what
    `apt-get install --no-install-recommends` brings; Recommends are not
    followed), alternatives and virtual packages resolved to what is installed,
  - nor Essential or of Priority required (a debootstrap minbase root).
Directories listed, metadata scanned whatever is installed, and files read
only when present (INCIDENTAL, OPTIONAL below) say nothing of a need.
A package installed on this machine by hand (or left over from another
project) that a test opened is exactly the "green run that hides a missing
install step": on a fresh machine that test fails.

usage: package_lists.py OPENS LIST...      exit 0, 1 (a package not in the lists), 77 (nothing recorded)
"""
import glob
import os
import re
import sys

DPKG = "/var/lib/dpkg"

# Packages whose files are read when present and done without when absent: not needed.
OPTIONAL = {
    "locales": "glibc reads /etc/locale.alias if it exists",
    "dpkg-dev": "(dpkg-architecture, started by meson when it is there: OPTIONAL_COMMANDS)",
}
# Programs run only when present, and all that they open (command names as the kernel keeps them: 15 bytes).
OPTIONAL_COMMANDS = {
    "dpkg-architectu": "meson asks dpkg-architecture (dpkg-dev) for the multiarch directory if it is there",
}
# Opens that read whatever is installed, needed or not: Python's scans of
# every installed distribution's metadata (importlib.metadata, pkg_resources:
# docker-compose at start-up), the linker's reading of every ld.so.conf.d file,
# fontconfig's fallback fonts (Chromium opened fonts-dejavu-extra's, which a
# machine with a Java runtime has; without them another font draws the text).
INCIDENTAL = re.compile(r"/dist-packages/[^/]+\.(egg|dist)-info(/|$)|^/etc/ld\.so\.conf\.d/|^/usr/share/fonts/")


def installed_packages():
    """name -> its dpkg status fields, for every installed package (of any architecture)."""
    packages = {}
    with open(os.path.join(DPKG, "status"), encoding="utf-8", errors="replace") as f:
        for stanza in f.read().split("\n\n"):
            fields, key = {}, None
            for line in stanza.split("\n"):
                if line[:1] in (" ", "\t") and key:
                    fields[key] += "\n" + line
                elif ":" in line:
                    key, _, value = line.partition(":")
                    fields[key] = value.strip()
            if "Package" in fields and fields.get("Status", "").endswith(" installed"):
                packages[fields["Package"]] = fields
    return packages


def relations(fields):
    """The alternatives groups of a package's Depends and Pre-Depends: [[name, ...], ...]."""
    groups = []
    for key in ("Pre-Depends", "Depends"):
        for group in filter(None, (g.strip() for g in fields.get(key, "").split(","))):
            names = [re.split(r"[\s(:\[]", alt.strip(), maxsplit=1)[0] for alt in group.split("|")]
            groups.append([n for n in names if n])
    return groups


def allowed_packages(packages, roots):
    """The packages roots bring in, with the minimal system's."""
    providers = {}
    for name, fields in packages.items():
        for provided in filter(None, (p.strip() for p in fields.get("Provides", "").split(","))):
            providers.setdefault(re.split(r"[\s(]", provided, maxsplit=1)[0], []).append(name)
    base = [n for n, f in packages.items() if f.get("Essential") == "yes" or f.get("Priority") == "required"]
    seen, todo = set(), [n for n in list(roots) + base if n in packages]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for group in relations(packages[name]):
            for alt in group:
                found = [alt] if alt in packages else providers.get(alt, [])
                if found:
                    todo.extend(found)
                    break
    return seen


def file_owners():
    """Canonical path -> the packages that install it (a directory has many), from dpkg's file lists (merged
    /usr and links in directories resolved)."""
    owners, real_dirs = {}, {}
    for listing in glob.glob(os.path.join(DPKG, "info", "*.list")):
        package = os.path.basename(listing)[:-5].split(":")[0]
        with open(listing, encoding="utf-8", errors="surrogateescape") as f:
            for path in f.read().split("\n"):
                if not path or path == "/.":
                    continue
                directory, base = os.path.split(path)
                real = real_dirs.get(directory)
                if real is None:
                    real = real_dirs[directory] = os.path.realpath(directory)
                owners.setdefault(os.path.join(real, base), set()).add(package)
    return owners


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    opens, lists = sys.argv[1], sys.argv[2:]
    named = []
    for path in lists:
        with open(path) as f:
            named += [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
    packages = installed_packages()
    missing_named = [n for n in named if n not in packages]
    allowed = allowed_packages(packages, named)
    owners = file_owners()
    used, strays = set(), {}
    with open(opens, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            command, sep, rest = line.rstrip("\n").partition(": ")
            path = rest.split(" ", 1)[1].strip() if " " in rest else ""
            packages = owners.get(path, ()) if sep and path.startswith("/") else ()
            if not packages or INCIDENTAL.search(path) or command in OPTIONAL_COMMANDS or os.path.isdir(path):
                continue  # not a package's, read whatever is installed, or a directory listed
            used.update(packages)
            if packages and not packages & allowed:
                for package in packages - OPTIONAL.keys():
                    strays.setdefault(package, {}).setdefault(command, path)
    if not used:  # fatrace recorded nothing (no fanotify here?): nothing was compared
        print("# SKIP: no file opened by the build and tests was recorded")
        sys.exit(77)
    print(f"# {len(named)} packages named in {', '.join(lists)}; {len(allowed)} with what they bring and the "
          f"minimal system; the build and tests opened files of {len(used)} packages")
    for name in missing_named:
        print(f"# note: {name} is named but not installed here")
    for package, by in sorted(strays.items()):
        examples = "; ".join(f"{command} opened {path}" for command, path in sorted(by.items())[:4])
        print(f"not ok - {package} is used but neither named in the lists nor brought by a package they name: "
              f"{examples}")
    if not strays:
        print("ok - every package whose files the build and tests opened comes from the lists")
    print(f"# {0 if strays else 1} passed, {1 if strays else 0} failed")
    sys.exit(1 if strays else 0)


if __name__ == "__main__":
    main()
