"""`sendbot teams package` writes a package Teams accepts, by every rule of the v1.17
manifest schema that can be checked offline: required fields, ids, lengths, personal scope
only, icon sizes, and an outline icon that is white on transparent."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from sendbot.cli import app
from sendbot.handlers.teams.package import PackageDetails, PackageError, build
from tests.teams.fake_connector import APP_ID

REQUIRED = {
    "$schema",
    "manifestVersion",
    "version",
    "id",
    "developer",
    "name",
    "description",
    "icons",
    "accentColor",
}
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _open(data: bytes) -> tuple[dict, dict[str, bytes]]:  # type: ignore[type-arg]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        files = {name: package.read(name) for name in package.namelist()}
    return json.loads(files["manifest.json"]), files


def test_the_cli_writes_a_package_that_keeps_the_schema_rules(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SENDBOT_TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("SENDBOT_PUBLIC_URL", "https://sendbot.oakfield.example")
    from sendbot.config import get_settings

    get_settings.cache_clear()
    out = tmp_path / "teams.zip"
    try:
        result = CliRunner().invoke(
            app, ["teams", "package", "--out", str(out), "--school-name", "Oakfield Primary"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    manifest, files = _open(out.read_bytes())

    assert set(files) == {"manifest.json", "color.png", "outline.png"}
    assert set(manifest) >= REQUIRED
    assert manifest["$schema"].endswith("/v1.17/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == "1.17"
    assert SEMVER.match(manifest["version"])
    assert manifest["id"] == APP_ID
    developer = manifest["developer"]
    assert developer["name"] == "Oakfield Primary"
    assert all(
        developer[k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl")
    )
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert re.match(r"^#[0-9A-Fa-f]{6}$", manifest["accentColor"])
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal"]  # never a team or group chat
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    titles = [c["title"] for c in commands["commands"]]
    assert {"concern", "session", "targets", "help"} <= set(titles)
    assert len(titles) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands["commands"])
    assert manifest["validDomains"] == ["sendbot.oakfield.example"]

    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert _size(files["color.png"]) == (192, 192)
    assert _size(files["outline.png"]) == (32, 32)
    outline = imread(io.BytesIO(files["outline.png"]), format="png")
    drawn = outline[outline[..., 3] > 0]
    assert len(drawn) > 0 and (outline[..., 3] == 0).any()  # a shape on transparency
    assert (drawn[:, :3] > 0.99).all()  # and only white


@pytest.mark.parametrize(
    ("app_id", "url", "says"),
    [
        ("not-a-guid", "https://sendbot.oakfield.example", "GUID"),
        (APP_ID, "http://sendbot.oakfield.example", "https://"),
        (APP_ID, "", "https://"),
    ],
)
def test_details_that_cannot_make_a_valid_package_are_refused(app_id, url, says) -> None:
    with pytest.raises(PackageError, match=says):
        build(PackageDetails(app_id=app_id, public_url=url))
