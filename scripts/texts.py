#!/usr/bin/env python3
"""Check the translation catalogs, or fold a ``TEXTS = {...}`` table into them.

    python scripts/texts.py check                 # both catalogs complete and consistent
    python scripts/texts.py extract               # the engine's messages into the catalogs
    python scripts/texts.py add path/to/i18n.py   # add the table's keys the catalogs lack

See docs/I18N.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.catalogs import check, extract, merge, texts_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="both catalogs hold the same keys, every text filled in")
    sub.add_parser("extract", help="add the engine's new or changed messages to both catalogs")
    add = sub.add_parser("add", help="merge a Python file's TEXTS table into both catalogs")
    add.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "extract":
        changed = extract()
        print(f"{len(changed)} message(s) added or changed" + "".join(f"\n  {k}" for k in changed))
    if args.command == "add":
        added = merge(texts_table(args.file.read_text(encoding="utf-8")))
        print(f"{len(added)} key(s) added" + "".join(f"\n  {k}" for k in added))
    wrong = check()
    for line in wrong:
        print(line, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
