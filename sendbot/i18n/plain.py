"""Plain English for parents: the glossary, jargon expansion, and the checks tests run.

The thresholds follow domain/GLOSSARY.md section 13: GOV.UK's 25-word sentence limit, and a
Flesch reading ease of at least 70 as an internal heuristic (not government guidance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_WORDS = 25
MIN_READING_EASE = 70.0


@dataclass(frozen=True)
class Term:
    acronym: str  # as staff write it
    expansion: str  # what it stands for, lower case unless a proper name
    # Other spellings of the same thing that also count as an explanation when present.
    also_explained_by: tuple[str, ...] = ()


# The acronyms of domain/GLOSSARY.md 13a that staff are likely to write in a note to parents.
# Where the glossary gives two (SALT / SLT), each is listed. "SLT" is read as speech and
# language therapy: in a note to a parent about their child's support that is the usual sense.
GLOSSARY: tuple[Term, ...] = (
    Term("SENCO", "special educational needs co-ordinator", ("special educational needs",)),
    Term("SENDCo", "special educational needs and disabilities co-ordinator"),
    Term("SEND", "special educational needs and disabilities"),
    Term("SEN", "special educational needs"),
    Term("EHCP", "Education, Health and Care plan", ("education, health and care",)),
    Term("EHCNA", "Education, Health and Care needs assessment"),
    Term("EHC", "Education, Health and Care", ("education, health and care",)),
    Term("APDR", "assess, plan, do, review"),
    Term("SENDIASS", "SEND Information, Advice and Support Service", ("advice and support",)),
    Term("IASS", "Information, Advice and Support Service"),
    Term("IPSEA", "Independent Provider of Special Education Advice"),
    Term("SENDIST", "First-tier Tribunal (SEND)", ("tribunal",)),
    Term("LA", "local authority", ("council",)),
    Term("SEMH", "social, emotional and mental health"),
    Term("SLCN", "speech, language and communication needs"),
    Term("MLD", "moderate learning difficulties"),
    Term("SLD", "severe learning difficulties"),
    Term("PMLD", "profound and multiple learning difficulties"),
    Term("SpLD", "specific learning difficulty", ("specific learning difficult",)),
    Term("HI", "hearing impairment", ("hearing",)),
    Term("VI", "visual impairment", ("visual", "sight")),
    Term("MSI", "multi-sensory impairment"),
    Term("PD", "physical disability"),
    Term("ASC", "autism spectrum condition", ("autism",)),
    Term("ASD", "autism spectrum disorder", ("autism",)),
    Term("ADHD", "attention deficit hyperactivity disorder"),
    Term("EAL", "English as an additional language"),
    Term("HLTA", "higher level teaching assistant"),
    Term("TA", "teaching assistant"),
    Term("EP", "educational psychologist"),
    Term("SALT", "speech and language therapist", ("speech and language therap",)),
    Term("SLT", "speech and language therapist", ("speech and language therap",)),
    Term("OT", "occupational therapist", ("occupational therap",)),
    Term("CAMHS", "Child and Adolescent Mental Health Services", ("mental health service",)),
    Term("ICB", "Integrated Care Board"),
    Term("DCO", "designated clinical officer"),
    Term("DMO", "designated medical officer"),
    Term("PfA", "preparing for adulthood"),
    Term("DSL", "designated safeguarding lead", ("safeguarding lead",)),
    Term("DDSL", "deputy designated safeguarding lead", ("safeguarding lead",)),
    Term("EHA", "early help assessment"),
    Term("CIN", "child in need"),
    Term("CP", "child protection"),
    Term("MASH", "multi-agency safeguarding hub"),
    Term("LADO", "local authority designated officer"),
    Term("LAC", "looked-after child"),
    Term("CLA", "child looked after"),
    Term("PEP", "personal education plan"),
    Term("VSH", "virtual school head"),
    Term("KCSIE", "Keeping children safe in education"),
    Term("CoP", "SEND Code of Practice", ("code of practice",)),
)

# Terms that are words, not acronyms: banned from parent templates unless their plain meaning
# is next to them. Matched case-insensitively.
PHRASES: tuple[Term, ...] = (
    Term("annual review", "a meeting at least once a year to check the plan still fits"),
    Term("graduated approach", "the school's cycle of finding out, planning, helping, checking"),
    Term("provision map", "the school's chart of extra help"),
    Term("Local Offer", "the council's website listing SEND help"),
    Term("phase transfer", "moving to the next stage of education"),
    Term("SEN support", "extra help the school gives from its own resources", ("extra help",)),
    Term("EHC needs assessment", "the council's detailed check of your child's needs"),
)

_WORD = re.compile(r"[A-Za-z\u00C0-\u024F0-9’']+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _acronym_pattern(term: Term) -> re.Pattern[str]:
    # Whole word, exact case: "EP" but not "step", "LA" but not "La" in a name.
    return re.compile(rf"(?<![\w-]){re.escape(term.acronym)}s?(?![\w-])")


_ACRONYMS = [(t, _acronym_pattern(t)) for t in GLOSSARY]


def sentences(text: str) -> list[str]:
    """Sentences and list lines: a bullet or a heading counts as one sentence."""
    parts = []
    for chunk in _SENTENCE_END.split(text):
        chunk = chunk.strip(" \t•-–—*:")
        if _WORD.search(chunk):
            parts.append(chunk)
    return parts


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _explained(term: Term, text: str) -> bool:
    low = text.lower()
    return any(x.lower() in low for x in (term.expansion, *term.also_explained_by))


def unexplained_terms(text: str) -> list[str]:
    """Glossary acronyms and phrases in the text with no plain meaning anywhere in it."""
    found = []
    low = text.lower()
    # An explained phrase explains the acronym inside it: "extra help (SEN support)".
    claimed: list[tuple[int, int]] = [
        (m.start(), m.end())
        for term in PHRASES
        if _explained(term, text)
        for m in re.finditer(re.escape(term.acronym.lower()), low)
    ]
    for term, pattern in _ACRONYMS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(a <= span[0] < b for a, b in claimed):
                continue  # "SEN" inside "SEND" is the same word
            claimed.append(span)
            if not _explained(term, text):
                found.append(term.acronym)
            break
    for term in PHRASES:
        if term.acronym.lower() in low and not _explained(term, text):
            found.append(term.acronym)
    return sorted(set(found))


def expand_jargon(text: str) -> str:
    """Staff free text for a parent: each known acronym is spelt out the first time it appears.

    "The EP will visit" becomes "The educational psychologist (EP) will visit". An acronym
    already explained in the text is left alone, and "a"/"an" before it is corrected.
    """
    result = text
    for term, pattern in _ACRONYMS:
        if _explained(term, result):
            continue
        match = pattern.search(result)
        if match is None:
            continue
        start, end = match.span()
        if result[end : end + 1] == ")" or result[max(0, start - 1) : start] == "(":
            continue
        replacement = f"{term.expansion} ({match.group(0)})"
        before = result[:start]
        if not before.strip() or re.search(r"[.!?\n]\s*$", before):
            replacement = replacement[0].upper() + replacement[1:]
        article = re.search(r"\b(a|an|A|An)\s+$", before)
        if article:
            vowel = term.expansion[:1].lower() in "aeiou"
            word = article.group(1)
            new = ("an" if vowel else "a") if word.islower() else ("An" if vowel else "A")
            before = before[: article.start(1)] + new + before[article.end(1) :]
        result = before + replacement + result[end:]
    return result


@dataclass(frozen=True)
class Problem:
    kind: str  # "long-sentence" | "reading-ease" | "jargon"
    detail: str


def reading_ease(text: str) -> float:
    import textstat  # imported here: only the checks and the staff preview need it

    return float(textstat.flesch_reading_ease(text))


def check(text: str, *, reading_ease_floor: float | None = MIN_READING_EASE) -> list[Problem]:
    """What stops this text being plain English for a parent; empty when it is fine."""
    problems = []
    for sentence in sentences(text):
        count = len(words(sentence))
        if count > MAX_SENTENCE_WORDS:
            problems.append(Problem("long-sentence", f"{count} words: {sentence[:80]}"))
    for term in unexplained_terms(text):
        problems.append(Problem("jargon", f"{term} is not explained"))
    if reading_ease_floor is not None and words(text):
        score = reading_ease(_flesch_input(text))
        if score < reading_ease_floor:
            problems.append(Problem("reading-ease", f"Flesch reading ease {score:.0f}"))
    return problems


def _flesch_input(text: str) -> str:
    """Each list line or heading ends a sentence, as a reader takes it."""
    return " ".join(s if s[-1] in ".!?" else s + "." for s in sentences(text))


@dataclass(frozen=True)
class Preview:
    """What a staff member sees before free text goes to a parent."""

    parent_text: str
    expanded: tuple[str, ...]
    problems: tuple[Problem, ...]


def preview_for_parent(text: str) -> Preview:
    """The parent's version of staff free text, what was expanded, and what is still hard."""
    parent_text = expand_jargon(text)
    expanded = tuple(
        t.acronym for t, p in _ACRONYMS if p.search(text) and t.expansion in parent_text
    )
    problems = tuple(check(parent_text, reading_ease_floor=None))
    return Preview(parent_text, expanded, problems)
