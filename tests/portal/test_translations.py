"""Every interface string has its Chinese translation, and the compiled catalog is current."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "portal/translations/zh/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
METHODS = [
    ("portal/**.py", "python"),
    ("campaigns/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_is_translated():
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="zh")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and "fuzzy" not in m.flags
    }
    missing = sorted(_source_messages() - translated)
    assert missing == [], f"{len(missing)} strings lack a Chinese translation: {missing[:20]}"


def test_compiled_catalog_is_current():
    with open(PO, "rb") as f:
        source = {m.id: m.string for m in read_po(f, locale="zh") if m.id and m.string}
    with open(MO, "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id and m.string}
    assert source == compiled, "run: pybabel compile -d portal/translations"
