"""Finding a pupil by part of a name, forgiving case, accents and small typos.

Only pupils the actor may see are ever searched, so a result (or its absence, or a count)
never reveals a pupil outside their scope.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from sendbot.services import policy
from sendbot.services.actors import StaffActor
from sendbot.store.models import Pupil

FUZZY_THRESHOLD = 80


@dataclass(frozen=True)
class PupilSummary:
    id: int
    name: str
    year_group: int
    class_name: str | None
    sen_status: str

    @property
    def label(self) -> str:
        year = "Reception" if self.year_group == 0 else f"Year {self.year_group}"
        if not self.class_name:
            return f"{self.name} ({year})"
        if year.lower() in self.class_name.lower():  # "Year 4 - Birches" says it already
            return f"{self.name} ({self.class_name})"
        return f"{self.name} ({year}, {self.class_name})"


def summarise(pupil: Pupil) -> PupilSummary:
    return PupilSummary(
        id=pupil.id,
        name=pupil.display_name,
        year_group=pupil.year_group,
        class_name=pupil.group.name if pupil.group else None,
        sen_status=pupil.sen_status,
    )


def fold(text: str) -> str:
    """Lower case without accents: 'Zoë' and 'zoe' are the same search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def _score(query_tokens: list[str], name_tokens: list[str]) -> int:
    """Every query word must match some name word: exactly, as a prefix, or nearly."""
    total = 0
    for q in query_tokens:
        best = 0
        for n in name_tokens:
            if n == q:
                best = max(best, 300)
            elif n.startswith(q):
                best = max(best, 200)
            elif len(q) >= 3 and q in n:
                best = max(best, 150)
            elif len(q) >= 4:
                ratio = int(fuzz.ratio(q, n))
                if ratio >= FUZZY_THRESHOLD:
                    best = max(best, ratio)
        if best == 0:
            return 0
        total += best
    return total


def search(
    session: Session,
    actor: StaffActor,
    query: str,
    limit: int = 25,
    action: policy.Action = policy.Action.FIND_PUPIL,
) -> list[PupilSummary]:
    """Best matches first, among the pupils `action` lets the actor see; never any other."""
    tokens = fold(query).replace(",", " ").split()
    if not tokens:
        return []
    scored: list[tuple[int, str, Pupil]] = []
    for pupil in session.scalars(policy.pupils_for(actor, action)):
        names = {fold(pupil.first_name), fold(pupil.last_name)}
        if pupil.preferred_name:
            names.add(fold(pupil.preferred_name))
        name_tokens = [t for n in names for t in n.replace("-", " ").split()] + list(names)
        score = _score(tokens, name_tokens)
        if score:
            scored.append((score, fold(pupil.display_name), pupil))
    scored.sort(key=lambda item: (-item[0], item[1]))
    if scored and scored[0][0] >= 300 * len(tokens):
        # Exact word matches win outright: "Ali" should not also offer "Alice".
        scored = [s for s in scored if s[0] >= 300 * len(tokens)]
    return [summarise(p) for _, _, p in scored[:limit]]


def get_visible(
    session: Session,
    actor: StaffActor,
    pupil_id: int,
    action: policy.Action = policy.Action.FIND_PUPIL,
) -> PupilSummary:
    if not policy.can_see_pupil(session, actor, pupil_id, action):
        raise policy.PermissionDenied(policy.REFUSALS.get(action, policy.DEFAULT_REFUSAL))
    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    return summarise(pupil)
