"""The Teams app package a school's admin uploads: manifest.json and two icons, zipped.

The manifest follows the Teams app manifest schema v1.17: one bot (the app registration's
id), personal scope only, so sendbot is never added to a team or group chat where others
would read its answers; no files; the typed commands listed for the compose box; the
server's host as the one valid domain. The icons are drawn here with matplotlib (a colour
icon 192x192 and a white-on-transparent outline 32x32, as the schema asks), so the package
needs no image files kept in the repository.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.17"
ACCENT = "#1F5F8B"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

COMMANDS = (
    ("concern", "Log a concern about a pupil"),
    ("session", "Record an intervention session"),
    ("targets", "Check a pupil's targets and next review"),
    ("menu", "See everything you can do"),
    ("help", "How to use sendbot"),
    ("cancel", "Stop what you are doing; nothing half-typed is saved"),
)


@dataclass(frozen=True)
class PackageDetails:
    app_id: str
    public_url: str  # https://sendbot.school.example
    school_name: str = "your school"
    version: str = "1.0.0"
    privacy_url: str | None = None
    terms_url: str | None = None


class PackageError(ValueError):
    """The details cannot make a valid package; the message says which and why."""


def _check(details: PackageDetails) -> str:
    if not GUID.match(details.app_id):
        raise PackageError("The app id must be the Entra app (client) id, a GUID.")
    url = urlparse(details.public_url)
    if url.scheme != "https" or not url.hostname:
        raise PackageError("The public URL must be https://, e.g. https://sendbot.school.example")
    return url.hostname


def manifest(details: PackageDetails) -> dict[str, Any]:
    host = _check(details)
    base = details.public_url.rstrip("/")
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": details.version,
        "id": details.app_id,
        "developer": {
            "name": details.school_name[:32],
            "websiteUrl": base,
            "privacyUrl": details.privacy_url or f"{base}/privacy",
            "termsOfUseUrl": details.terms_url or f"{base}/terms",
        },
        "name": {"short": "sendbot", "full": f"sendbot for {details.school_name}"[:100]},
        "description": {
            "short": "SEND and safeguarding records for staff, in a personal chat"[:80],
            "full": (
                "sendbot keeps the school's SEND and safeguarding records. Log a concern about "
                "a pupil in under a minute, record an intervention session, check a pupil's "
                "targets, and receive safeguarding alerts and the daily digest. It works only "
                "in your personal chat with sendbot, so nothing about a child is posted where "
                "others can read it."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": details.app_id,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": title, "description": text} for title, text in COMMANDS
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def _icon(size: int, *, outline: bool) -> bytes:
    from matplotlib.figure import Figure  # the only drawing library sendbot has

    figure = Figure(figsize=(size / 100, size / 100), dpi=100)
    if not outline:
        figure.patch.set_facecolor(ACCENT)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    # A speech bubble with a tick: a message that is looked after.
    from matplotlib.patches import FancyBboxPatch, Polygon

    white = "#FFFFFF"
    bubble = FancyBboxPatch(
        (0.16, 0.30),
        0.68,
        0.50,
        boxstyle="round,pad=0,rounding_size=0.12",
        facecolor=white if outline else "none",
        edgecolor=white,
        linewidth=0 if outline else size / 40,
    )
    axes.add_patch(bubble)
    axes.add_patch(Polygon([(0.30, 0.31), (0.22, 0.14), (0.46, 0.31)], closed=True, color=white))
    if not outline:
        axes.plot([0.33, 0.46, 0.68], [0.55, 0.42, 0.66], color=white, linewidth=size / 24)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, transparent=outline)
    return out.getvalue()


def build(details: PackageDetails) -> bytes:
    """The zip to upload in Teams (Apps > Manage your apps > Upload an app)."""
    body = json.dumps(manifest(details), indent=2, ensure_ascii=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", body)
        package.writestr("color.png", _icon(COLOR_SIZE, outline=False))
        package.writestr("outline.png", _icon(OUTLINE_SIZE, outline=True))
    return out.getvalue()
