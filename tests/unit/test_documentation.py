"""The documentation: a short README, links that lead somewhere in the repository, no
references to notes outside it, and a configuration page that names every setting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from producer_discovery.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LIMIT_BYTES = 8192

# Written on another branch at the same time; the link stays, and must resolve once it lands.

MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
BACKTICKED_DOCUMENT = re.compile(r"`([^`\s]+\.md)`")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Built from pieces so that this file does not match itself.
OUTSIDE_NOTES = re.compile(r"\.\./" + "shared" + r"|\binterface" + r"\.md\b", re.IGNORECASE)
ISSUE_NUMBER = re.compile(r"\bissues? ?#?\d+", re.IGNORECASE)
DESIGN_NOTES_URL = re.compile(
    r"shared/(design|spec)|" + "interface" + r"\.md|errata\.md|house-style", re.IGNORECASE
)
SCANNED = ("src", "workers", "tests", "benchmarks", "docs", "scripts")
SCANNED_FILES = ("README.md", "docker-compose.yml", ".env.example")
GENERATED = ("__pycache__", ".egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache")


def documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def without_code_blocks(text: str) -> str:
    return FENCE.sub("", text)


def links(document: Path) -> Iterator[str]:
    """Markdown links and images, and backticked paths of markdown files, outside code blocks."""
    text = without_code_blocks(document.read_text(encoding="utf-8"))
    yield from MARKDOWN_LINK.findall(text)
    yield from BACKTICKED_DOCUMENT.findall(text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    text = without_code_blocks(document.read_text(encoding="utf-8"))
    return {slug(heading) for heading in HEADING.findall(text)}


def scanned_files() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and not any(part.endswith(GENERATED) for part in path.parts):
                yield path
    for name in SCANNED_FILES:
        yield ROOT / name


def test_readme_fits_in_eight_kilobytes() -> None:
    """README.md is a front door of at most 8 KB; the reference lives in docs/."""
    size = len(README.read_bytes())
    assert size <= README_LIMIT_BYTES, f"README.md is {size} bytes"


def test_readme_links_every_document_in_docs() -> None:
    """Every page of docs/ is reachable from the README by a markdown link."""
    text = without_code_blocks(README.read_text(encoding="utf-8"))
    linked = {(ROOT / link.split("#")[0]).resolve() for link in MARKDOWN_LINK.findall(text)}
    missing = [path.name for path in DOCS.glob("*.md") if path.resolve() not in linked]
    assert not missing, missing


def test_every_link_in_the_docs_leads_into_the_repository() -> None:
    """Relative links in README.md and docs/*.md name a file (and heading) of this repository;
    web links never lead to design notes kept outside it."""
    broken = []
    for document in documents():
        for link in links(document):
            if link.startswith(("http://", "https://")):
                if DESIGN_NOTES_URL.search(link):
                    broken.append(f"{document.name}: {link}")
                continue
            if link.startswith("mailto:"):
                continue
            if link.startswith("#"):
                if link[1:] not in anchors(document):
                    broken.append(f"{document.name}: {link} (no such heading)")
                continue
            path_text, _, anchor = link.partition("#")
            target = (document.parent / path_text).resolve()
            if not target.exists() and "/" in path_text:  # a backticked path from the root
                target = (ROOT / path_text).resolve()
            inside = target == ROOT or ROOT in target.parents
            if not inside or not target.exists():
                broken.append(f"{document.name}: {link}")
            elif anchor and target.suffix == ".md" and anchor not in anchors(target):
                broken.append(f"{document.name}: {link} (no such heading)")
    assert not broken, broken


def test_no_file_mentions_issue_numbers_or_notes_outside_the_repository() -> None:
    """Code and docs say what they mean: no issue numbers, no design notes kept elsewhere."""
    found = []
    for path in scanned_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # screenshots and other binary files
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE_NOTES.search(line) or ISSUE_NUMBER.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, found


def test_configuration_documents_every_setting_and_compose_variable() -> None:
    """docs/configuration.md names every field of Settings and every variable of .env.example."""
    page = DOCS / "configuration.md"
    assert page.exists(), "docs/configuration.md is missing"
    text = page.read_text(encoding="utf-8")
    names = {field.upper() for field in Settings.model_fields}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            names.add(line.partition("=")[0].strip())
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, missing
