"""The text of an uncompressed PDF that fpdf2 wrote, read back without a PDF library.

fpdf2 writes each line of text in a Unicode font as a literal string of two-byte glyph
numbers (`(...) Tj`) after choosing the font (`/F1 10 Tf`); each font object names its
`ToUnicode` map (`beginbfchar`) from glyph number to character. Following the font choices
through the page is enough for a test to read the lines back.
"""

from __future__ import annotations

import re

ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _literal(body: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(body):
        byte = body[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", body[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def _bfchar(stream: bytes) -> dict[int, str]:
    pairs = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", stream.split(b"beginbfchar", 1)[-1])
    return {int(g, 16): bytes.fromhex(u.decode()).decode("utf-16-be") for g, u in pairs}


def _fonts(data: bytes) -> dict[bytes, dict[int, str]]:
    """Each font's resource name (b'F1') and its map from glyph number to character."""
    objects = {
        int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)
    }
    names = {}
    for body in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            names.update(dict(re.findall(rb"/(F\d+)\s+(\d+) 0 R", block)))
    fonts = {}
    for name, number in names.items():
        font = objects.get(int(number), b"")
        found = re.search(rb"/ToUnicode\s+(\d+) 0 R", font)
        if found:
            fonts[name] = _bfchar(objects[int(found.group(1))])
    return fonts


def pdf_lines(data: bytes) -> list[str]:
    """The lines of text on the pages, in the order written."""
    fonts = _fonts(data)
    lines: list[str] = []
    current: dict[int, str] = {}
    token = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
    for m in token.finditer(data):
        if m.group(1) is not None:
            current = fonts.get(m.group(1), {})
            continue
        raw = _literal(m.group(2))
        glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
        lines.append("".join(current.get(g, "?") for g in glyphs))
    return lines
