#!/usr/bin/env python3
"""Counts the public and open declarations of each Swift module that have no `///` comment.

A declaration is a line whose modifiers include `public` or `open` (after any attributes
such as `@inlinable`); it counts as documented when the nearest lines above it, skipping
attribute lines, are `///` comments. Enum cases and protocol requirements carry no modifier
and are not counted. Usage:

    scripts/undocumented.py [--list] [Sources/Module ...]   (default: every module in Sources)
"""
import pathlib
import re
import sys

DECLARATION = re.compile(
    r"^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*"             # attributes on the same line
    r"(?:(?:public|open|private\(set\)|fileprivate\(set\)|internal\(set\)|static|final|"
    r"class|override|mutating|nonmutating|convenience|required|indirect|nonisolated)\s+)*"
    r"(?:public|open)\b")
ATTRIBUTE = re.compile(r"^\s*@[\w.]+(?:\(.*\))?\s*$")


def declarations(path):
    """Yields `(line number, text, documented)` for every public or open declaration in `path`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if not DECLARATION.match(line):
            continue
        above = index - 1
        while above >= 0 and ATTRIBUTE.match(lines[above]):
            above -= 1
        documented = above >= 0 and lines[above].lstrip().startswith("///")
        yield index + 1, line.strip(), documented


def main(arguments):
    listing = "--list" in arguments
    folders = [pathlib.Path(a) for a in arguments if a != "--list"]
    if not folders:
        folders = sorted(p for p in pathlib.Path("Sources").iterdir() if p.is_dir())
    for folder in folders:
        total = documented = 0
        missing = []
        for path in sorted(folder.rglob("*.swift")):
            for number, text, is_documented in declarations(path):
                total += 1
                documented += is_documented
                if not is_documented:
                    missing.append(f"  {path}:{number}: {text}")
        share = 100 * documented / total if total else 100
        print(f"{folder.name}: {documented} of {total} public declarations documented ({share:.1f} %), "
              f"{total - documented} undocumented")
        if listing:
            print("\n".join(missing))


if __name__ == "__main__":
    main(sys.argv[1:])
