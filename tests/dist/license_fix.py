#!/usr/bin/env python3
# license_fix.py: gives every tracked source file that lacks them the two
# lines tests/dist/license.sh checks, at the end of its opening comment:
# "Copyright (c) 2026 The reputed authors" and "SPDX-License-Identifier:
# ISC". Run from the top of the tree: python3 tests/dist/license_fix.py
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import subprocess, sys, re
COPY = "Copyright (c) 2026 The reputed authors"
SPDX = "SPDX-License-Identifier: ISC"
files = subprocess.run(["git", "ls-files", "*.c", "*.h", "*.sh", "*.py",
    "*.proto", "Makefile", "*module.mk"], capture_output=True, text=True,
    check=True).stdout.split()
changed = 0
for f in files:
    try:
        s = open(f).read()
    except FileNotFoundError:
        continue
    head = "\n".join(s.split("\n")[:60])
    has_c, has_s = COPY in head, SPDX in head
    if has_c and has_s:
        continue
    lines = s.split("\n")
    if f.endswith((".c", ".h")):
        if lines and lines[0].startswith("/*"):
            # the end of the first comment
            end = next(i for i, l in enumerate(lines) if "*/" in l)
            if has_s:
                k = next(i for i, l in enumerate(lines[:end + 1]) if SPDX in l)
                lines.insert(k, " * " + COPY)
            elif lines[end].strip() == "*/":
                add = [" *", " * " + COPY] if not has_c else [" *"]
                if not has_s:
                    add.append(" * " + SPDX)
                lines[end:end] = add
            else:
                # "/* one line */" or text before */ on the last line
                l = lines[end]
                i = l.index("*/")
                before = l[:i].rstrip()
                lines[end:end + 1] = ([before] if before.strip() not in ("", "*") else []) + \
                    [" *", " * " + COPY, " * " + SPDX, " */"] + ([l[i + 2:]] if l[i + 2:].strip() else [])
        else:
            lines[0:0] = ["/*", " * " + COPY, " * " + SPDX, " */"]
    else:
        c = "//" if f.endswith(".proto") else "#"
        i = 1 if lines and lines[0].startswith("#!") else 0
        # after the leading comment block
        j = i
        while j < len(lines) and lines[j].startswith(c) and not lines[j].startswith("#!"):
            j += 1
        add = []
        if not has_c:
            add.append(c + " " + COPY)
        if not has_s:
            add.append(c + " " + SPDX)
        elif not has_c:
            k = next(n for n, l in enumerate(lines[:60]) if SPDX in l)
            lines.insert(k, c + " " + COPY)
            add = []
        lines[j:j] = add
    open(f, "w").write("\n".join(lines))
    changed += 1
print(changed, "files given the header")
