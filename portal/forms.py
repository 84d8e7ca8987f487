"""Small helpers shared by every feature's forms."""

from markupsafe import escape
from wtforms import SelectChoice
from wtforms.widgets import Select


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class ManyOptions(Select):
    """WTForms' select for lists of hundreds of options (the item lists' filters): an option
    is written directly, not through `html_params` (a third of a list page's time at city
    scale, docs/PERFORMANCE.md). Options with other attributes than string ones are left to
    WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        extra = {**(choice.render_kw or {}), **kwargs}
        if not all(isinstance(v, str) for v in extra.values()):
            return super().render_option(choice, **kwargs)
        attributes = "".join(f' {escape(k)}="{escape(v)}"' for k, v in extra.items())
        selected = " selected" if choice.selected else ""
        label = escape(choice.label or choice.value)
        return f'<option value="{escape(choice.value)}"{attributes}{selected}>{label}</option>'
