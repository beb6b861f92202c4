"""Where a source may link: content/source_domains.yml lists the hosts of the
original publishers (PubMed, doi.org, the FDA, the hospitals and makers), so a
source cannot quietly point at a mirror or an aggregator's copy.

An entry allows its host and every host under it ("ncbi.nlm.nih.gov" allows
"pubmed.ncbi.nlm.nih.gov", never "ncbi.nlm.nih.gov.evil.example" or
"evilncbi.nlm.nih.gov"). Addresses must use https://; an entry written
"http://host" also allows plain http for a site that has no https. The host of
the clinic's own website (content/clinic.yml) is always allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.content.problems import ERROR, Problem
from bot.content.yaml_files import read_yaml

DOMAINS_FILE = "source_domains.yml"
HTTP_ONLY = "http://"
HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Domains:
    hosts: frozenset[str]
    # Of those, the sites reached over plain http (they have no https).
    http_only: frozenset[str] = frozenset()

    def covering(self, host: str, among: frozenset[str] | None = None) -> str | None:
        """The entry that allows `host`: the host itself or a domain it is under."""
        for entry in self.hosts if among is None else among:
            if host == entry or host.endswith("." + entry):
                return entry
        return None


def load(root: Path) -> tuple[Domains | None, list[Problem]]:
    """The allowed hosts, or None when the file cannot be used (the problems say why)."""
    rel = f"content/{DOMAINS_FILE}"
    path = root / DOMAINS_FILE
    problems: list[Problem] = []
    if not path.exists():
        problems.append(
            Problem(ERROR, rel, "(file)", "is missing: it lists the hosts a source may link to")
        )
        return None, problems
    data = read_yaml(path, rel, problems)
    if problems:
        return None, problems
    if not isinstance(data, list) or not data:
        problems.append(
            Problem(
                ERROR,
                rel,
                "(file)",
                "must be a list of host names, one per line, such as '- pubmed.ncbi.nlm.nih.gov'",
            )
        )
        return None, problems
    hosts, http_only = set(), set()
    for number, entry in enumerate(data, start=1):
        text = entry.strip().lower() if isinstance(entry, str) else ""
        plain_http = text.startswith(HTTP_ONLY)
        host = text.removeprefix(HTTP_ONLY).rstrip(".")
        if not HOST.match(host):
            problems.append(
                Problem(
                    ERROR,
                    rel,
                    f"entry {number}",
                    f"{entry!r} is not a host name such as pubmed.ncbi.nlm.nih.gov "
                    "(no https://, path or port; 'http://host' only for a site without https)",
                )
            )
            continue
        hosts.add(host)
        if plain_http:
            http_only.add(host)
    if problems:
        return None, problems
    return Domains(frozenset(hosts), frozenset(http_only)), problems


def url_problem(url: str, domains: Domains, clinic_website: str | None = None) -> str | None:
    """Why a source may not link to `url` (placeholders already filled), if it may not."""
    if re.search(r"[\s\\]", url):
        return "must be one address, without spaces or backslashes"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        return "is not a web address"
    if parts.scheme not in ("http", "https") or not host:
        return "must start with https://"
    allowed = domains
    if clinic := _host(clinic_website):
        allowed = Domains(domains.hosts | {clinic}, domains.http_only)
    entry = allowed.covering(host)
    if entry is None:
        return (
            f"links to {host}, which is not in content/{DOMAINS_FILE}: link the original "
            "(PubMed or the journal's DOI for a study, the hospital's or organisation's own "
            "page, the FDA or the maker), or, if this host is the original publisher, add "
            f"it to content/{DOMAINS_FILE}"
        )
    if parts.scheme == "http" and allowed.covering(host, allowed.http_only) is None:
        return (
            f"must start with https:// (content/{DOMAINS_FILE} lists {entry} as a site with https)"
        )
    return None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return (urlsplit(url).hostname or "").rstrip(".") or None
    except ValueError:
        return None
