"""Errors of the corpus builder that a user can act on."""

from __future__ import annotations


class MissingDependency(RuntimeError):
    """A Debian package the corpus needs is not installed; the message says which one."""

    def __init__(self, package: str, detail: str):
        self.package = package
        super().__init__(f"{detail}: install the Debian package '{package}' (apt-get install {package})")
