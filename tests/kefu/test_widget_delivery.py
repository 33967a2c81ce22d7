"""How the widget reaches a site: a tiny loader, then a hashed, pre-compressed, immutable bundle."""
import gzip
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "static" / "dist"


def bundle_name():
    return json.loads((DIST / "manifest.json").read_text())["kefu-widget"]


def test_widget_js_is_a_tiny_short_lived_loader_naming_the_hashed_bundle(client):
    with client.get("/widget.js") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert len(response.data) < 1024
        assert ("widget/" + bundle_name()).encode() in response.data


def test_the_bundle_is_served_brotli_or_gzip_and_cached_immutably(client):
    raw = (DIST / bundle_name()).read_bytes()
    url = "/widget/" + bundle_name()
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}) as br:
        assert br.headers["Content-Encoding"] == "br"
        assert "immutable" in br.headers["Cache-Control"]
        assert "max-age=31536000" in br.headers["Cache-Control"]
        assert "Accept-Encoding" in br.headers["Vary"]
        decoded = subprocess.run(
            ["node", "-e", "process.stdout.write(require('zlib').brotliDecompressSync("
             "require('fs').readFileSync(0)))"], input=br.data, capture_output=True, check=True)
        assert decoded.stdout == raw
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as gz:
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.data) == raw
    with client.get(url, headers={"Accept-Encoding": "identity"}) as plain:
        assert "Content-Encoding" not in plain.headers
        assert plain.data == raw
        assert plain.mimetype == "application/javascript"


def test_only_the_current_bundle_is_served(client):
    for name in ("kefu-widget.OLDHASH.js", "manifest.json", "../manifest.json"):
        assert client.get("/widget/" + name).status_code == 404


def test_the_widget_bundle_has_no_markdown_parser():
    assert b"markdown-it" not in (DIST / bundle_name()).read_bytes()


def test_favicon_is_served_not_a_404(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
