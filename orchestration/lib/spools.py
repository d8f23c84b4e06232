"""Spool folders: Parquet parts a step writes beside its output while it runs (the loader's,
orchestration/engines.py TableReplacer; the export's places, audit/export_lines.py PlaceSpool)
and removes when it ends. A process that was killed leaves its folder behind; the next one
clears it, and only what a spool holds: nothing the project did not write is deleted."""

from pathlib import Path

# a spool's parts end so: clear() removes only such files
PART_SUFFIX = ".parquet"


def clear(folder: Path) -> bool:
    """Remove a dead process's spool: its parts (regular files named *.parquet), then the folder
    if that empties it. True when the folder is gone; a file of another name is not ours: it
    stays, and so does the folder."""
    for part in folder.iterdir():
        if part.name.endswith(PART_SUFFIX) and part.is_file() and not part.is_symlink():
            part.unlink()
    try:
        folder.rmdir()
    except OSError:
        return False
    return True
