"""`python -m sendbot.i18n extract|update|check|status|compile DIR` for catalog maintainers."""

from __future__ import annotations

import sys
from pathlib import Path

from sendbot.i18n import maintain


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
        for code, (reviewed, total) in maintain.review_status().items():
            print(f"{code:8} {reviewed:3}/{total} reviewed by a fluent speaker")
    elif command == "compile" and len(argv) == 2:
        for path in maintain.compile_to(Path(argv[1])):
            print(path)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
