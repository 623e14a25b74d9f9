"""`python -m sendbot.i18n extract|update|check|status|review|compile` for catalog maintainers.

review CODE --by "NAME or ROLE" [--on YYYY-MM-DD]
    a fluent speaker has checked the whole catalog: mark every translated message and
    the header with who and when; parents of that language stop getting the
    machine-translation notice (docs/translations.md).
compile DIR
    write .mo files for tools that want them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sendbot.clock import SystemClock
from sendbot.i18n import maintain


def _status() -> None:
    for code, s in maintain.review_status().items():
        line = f"{code:8} {s.reviewed:3}/{s.total} reviewed by a fluent speaker"
        if s.signed_off:
            line += f"; whole catalog signed off by {s.signed_off}"
        unchecked = s.total - s.reviewed
        print(line + (f"; {unchecked} still show the notice" if s.signed_off and unchecked else ""))


def _review(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sendbot.i18n review")
    parser.add_argument("code", help="the catalog, e.g. pl, ur, pa_Guru")
    parser.add_argument("--by", required=True, help="who reviewed it: a name or a role")
    parser.add_argument("--on", type=date.fromisoformat, help="the date (default today)")
    args = parser.parse_args(argv)
    today = SystemClock().now().astimezone(ZoneInfo("Europe/London"))
    try:
        review = maintain.review_catalog(args.code, args.by, args.on or today.date())
    except maintain.ReviewRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"{review.code}: {review.marked} message(s) marked reviewed by {review.by} on "
        f"{review.on.isoformat()} ({review.already} were already marked)"
    )
    for msgid in review.left:
        print(f"  not marked (untranslated or fuzzy, parents still see the notice): {msgid!r}")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        print(maintain.write_template())
    elif command == "update":
        for path in maintain.update_catalogs():
            print(path)
    elif command == "check":
        findings = maintain.check()
        for finding in findings:
            print(finding)
        print("catalogs OK" if not findings else f"{len(findings)} problem(s)")
        return 1 if findings else 0
    elif command == "status":
        _status()
    elif command == "review":
        return _review(argv[1:])
    elif command == "compile" and len(argv) == 2:
        for path in maintain.compile_to(Path(argv[1])):
            print(path)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
