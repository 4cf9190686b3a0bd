"""Following a download error's advice to the letter, as a student would."""

from __future__ import annotations

import re
import shutil
from pathlib import Path


def follow_download_advice(message: str, published: Path, folder: Path) -> dict[str, str]:
    """Put `published` where the "Fix:" of `message` says, `folder` standing for its <folder>.

    Returns the environment variables the advice says to set (NAME=value), with <folder> filled in.
    """
    fix = message[message.index("Fix:") :]
    found = re.search(r"put the published file at (\S+?),?\s", fix)
    assert found, f"the advice names no place for the file:\n{fix}"
    target = Path(found.group(1).replace("<folder>", str(folder)))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published, target)
    return {name: value.replace("<folder>", str(folder)) for name, value in re.findall(r"\b([A-Z_]+)=(\S+)", fix)}
