"""Licences of the Debian packages the corpus draws on, read from /usr/share/doc/<pkg>/copyright.

Most of these files are machine-readable (DEP-5): paragraphs with `Files:` patterns, a
`Copyright:` holder and a `License:` name, where the last paragraph whose pattern matches a
file applies to it. Patterns are paths in the package's source tree, so callers pass the
source-tree path of an installed file (see `recordings`). Free-form copyright files get a
best-effort licence name read from their wording.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DOC_ROOT = Path("/usr/share/doc")


@dataclass(frozen=True)
class LicenceParagraph:
    """One `Files:` paragraph of a DEP-5 copyright file."""

    patterns: tuple[str, ...]
    copyright: str
    licence: str

    def matches(self, source_path: str) -> bool:
        # In DEP-5 patterns `*` also matches "/", which is exactly fnmatch's behaviour.
        return any(fnmatch.fnmatchcase(source_path, p) for p in self.patterns)


def copyright_path(package: str) -> Path:
    return DOC_ROOT / package / "copyright"


def _fields(paragraph: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name = None
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t") and name:
            fields[name] += "\n" + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            fields[name] = value.strip()
    return fields


@lru_cache(maxsize=None)
def paragraphs(package: str) -> tuple[LicenceParagraph, ...]:
    """The `Files:` paragraphs of a package's DEP-5 copyright file (empty if free-form)."""
    text = copyright_path(package).read_text(encoding="utf-8", errors="replace")
    if not text.startswith("Format:"):
        return ()
    out = []
    for block in re.split(r"\n\s*\n", text):
        fields = _fields(block)
        if "files" in fields and "license" in fields:
            licence = fields["license"].split("\n", 1)[0].strip()
            holder = " ".join(fields.get("copyright", "").split())
            out.append(LicenceParagraph(tuple(fields["files"].split()), holder, licence))
    return tuple(out)


def licence_for(package: str, source_paths: list[str]) -> dict:
    """The licence of an installed file, given its candidate source-tree paths (tried in order;
    the first one some paragraph matches wins, and among those the last matching paragraph).
    Returns {"licence", "copyright", "files"} or {"licence": free-form guess} for free-form files."""
    paras = paragraphs(package)
    if not paras:
        return {"licence": free_form_licence(package), "copyright": None, "files": None}
    # A paragraph naming the file's folder or name beats the catch-all `Files: *` paragraph,
    # whichever candidate path it matches.
    for generic in (False, True):
        for path in source_paths:
            hits = [p for p in paras if p.matches(path) and (p.patterns == ("*",)) == generic]
            if hits:
                best = hits[-1]
                return {"licence": best.licence, "copyright": best.copyright, "files": " ".join(best.patterns)}
    return {"licence": "unknown", "copyright": None, "files": None}


@lru_cache(maxsize=None)
def free_form_licence(package: str) -> str:
    """A licence name read from the wording of a free-form copyright file, e.g. "MIT", "GPL-3+"."""
    text = " ".join(copyright_path(package).read_text(encoding="utf-8", errors="replace").split())
    if re.search(r"under the MIT license", text, re.I):
        return "MIT"
    gpl = re.search(r"GNU General Public License as published by the Free Software Foundation; either version (\d)", text)
    if gpl:
        return f"GPL-{gpl.group(1)}+"
    return "see copyright file"


def package_summary(package: str) -> dict:
    """What `summary.json` says about a package's licensing as a whole."""
    path = copyright_path(package)
    if not path.exists():
        return {"package": package, "copyright_file": str(path), "installed": False}
    paras = paragraphs(package)
    if not paras:
        return {"package": package, "copyright_file": str(path), "format": "free-form", "licence": free_form_licence(package)}
    return {"package": package, "copyright_file": str(path), "format": "DEP-5", "licences": sorted({p.licence for p in paras})}


# Licence names (as DEP-5 copyright files spell them) whose terms ask nothing of a model trained
# on the files or of the sounds it makes beyond, for CC-BY, crediting the authors; the corpus
# carries that credit into its manifest and the model card. Everything else (GPL, LGPL, GFDL,
# share-alike, unknown wording) is left out of a default build.
_FREE_FOR_OUTPUTS = re.compile(r"^(cc0(-1\.0)?|public[- ]domain|mit|expat|cc-by-\d(\.\d)?(-[a-z]+)?)$", re.I)
_SHARE_ALIKE = re.compile(r"(^|[-\s])sa([-\s]|$)", re.I)


def free_for_outputs(licence: str) -> bool:
    """Whether a recording under `licence` may go into the default (licence-clean) corpus:
    public domain, CC0, MIT/Expat or CC-BY (attribution only), never copyleft or share-alike."""
    name = licence.strip()
    return bool(_FREE_FOR_OUTPUTS.match(name)) and not _SHARE_ALIKE.search(name)


def needs_attribution(licence: str) -> bool:
    """CC-BY and MIT ask for credit; CC0 and public domain do not."""
    return free_for_outputs(licence) and not re.match(r"^(cc0|public)", licence.strip(), re.I)
