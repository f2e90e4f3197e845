#!/usr/bin/env python3
"""Print the runtime requirements of pyproject.toml, one per line (for a cached dependency layer).

Usage: ``python requirements_from_pyproject.py pyproject.toml [--extra NAME ...] > requirements.txt``

The Docker build installs these before copying the source, so a code change does not reinstall every
dependency. ``torch`` is left out: the image installs it first, pinned, from the index the build names
(CPU or CUDA), and a second mention would let pip replace it with a build from the default index.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

# Requirements that the Dockerfile installs itself, from a specific index.
INSTALLED_SEPARATELY = {"torch"}


def requirement_name(requirement: str) -> str:
    """The normalised project name at the start of a PEP 508 requirement (``"Django>=5"`` -> ``"django"``)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    """``[project].dependencies`` plus the named optional-dependency groups, minus INSTALLED_SEPARATELY."""
    with pyproject.open("rb") as fh:
        project = tomllib.load(fh).get("project")
    if not project or "dependencies" not in project:
        raise ValueError(f"{pyproject} has no [project].dependencies")
    found = list(project["dependencies"])
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise ValueError(f"{pyproject} has no optional-dependencies group {extra!r} (has: {sorted(optional)})")
        found.extend(optional[extra])
    return [req for req in found if requirement_name(req) not in INSTALLED_SEPARATELY]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", type=Path)
    parser.add_argument("--extra", action="append", default=[], help="also include this optional group")
    args = parser.parse_args(argv)
    try:
        lines = requirements(args.pyproject, args.extra)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        print(f"requirements_from_pyproject: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
