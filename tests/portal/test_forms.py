"""portal.forms: the quick select widget writes what WTForms' own would, escaped."""

from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from portal.forms import ManyOptions

CHOICES = [
    SelectChoice("", "All"),
    SelectChoice('1"><script>', "A & <b>"),
    SelectChoice("2", "B", render_kw={"data-district": '3"x'}, optgroup="D & <i>"),
]


class Pair(Form):
    theirs = SelectField(choices=CHOICES, widget=Select())
    ours = SelectField(choices=CHOICES, widget=ManyOptions())


def _options(html: str) -> list[str]:
    return html.split("<option")[1:]


def test_many_options_match_wtforms_option_for_option():
    for chosen in ("", "2", '1"><script>'):
        form = Pair(data={"theirs": chosen, "ours": chosen})
        theirs, ours = form.theirs(), form.ours()
        assert "<script>" not in ours and "A &amp; &lt;b&gt;" in ours
        assert 'data-district="3&#34;x"' in ours and 'label="D &amp; &lt;i&gt;"' in ours
        assert ours.count(" selected") == 1 and theirs.count(" selected") == 1
        for a, b in zip(_options(theirs), _options(ours), strict=True):
            # the same attributes (WTForms sorts them) and the same label
            assert sorted(a.split(">")[0].split()) == sorted(b.split(">")[0].split())
            assert a.split(">", 1)[1] == b.split(">", 1)[1]
