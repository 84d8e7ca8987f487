"""What every uploaded file's name must be, whatever the file is for (evidence, ledger imports)."""


def has_folder_path(name: str | None) -> bool:
    """A name with a folder in it (`../../x.jpg`, `C:\\photos\\x.jpg`). Browsers send the bare
    name, so this is someone trying to write elsewhere: refused, never guessed at."""
    if not name:
        return False
    return "/" in name or "\\" in name or name.strip() in (".", "..")
