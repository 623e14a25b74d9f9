"""docs/scheduling.md tells a SENCO, for every rule, which fact starts it and where that fact
is recorded: a rule added to the domain without a row there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from sendbot.domain.timescales import RULES

DOC = Path(__file__).resolve().parents[1] / "docs" / "scheduling.md"


def rule_rows() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("### Every rule: the fact that starts it, and where it is recorded")[1]
    table = table.split("\n### ")[0]
    return re.findall(r"^\| `([a-z0-9_.]+)` \|", table, flags=re.M)


def test_every_rule_has_one_row_saying_what_starts_it_and_where_it_is_recorded() -> None:
    rows = rule_rows()
    assert sorted(rows) == sorted(rule.kind for rule in RULES)
    assert len(rows) == len(set(rows))
