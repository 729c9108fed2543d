"""Folium maps never evaluate their data as a template: rendered text stays text.

branca (folium's element tree) renders each map element's macros to text and then wraps that
text in a new ``branca.element.Element(text)``, whose constructor compiles the text as a fresh,
unsandboxed Jinja template that the figure renders a second time. A community name such as
``{{7*7}}`` embedded in a layer's GeoJSON then shows as ``49``, a name that reaches Python
objects runs code on the server, and an unbalanced ``{{`` stops the render with a
``TemplateSyntaxError``. The same holds for popups, tooltips, ``IFrame`` and every header, HTML
and script fragment of a map.

:func:`install` closes that door once for the process: an ``Element`` made from a string
becomes a :class:`RenderedText`, which renders its text unchanged and never compiles it. Element
classes with their own templates (every folium layer, control and our legends) are untouched;
the one place where branca passes a real template string to ``Element`` (the children loop of
``branca.element.Div``) keeps its template. A side effect: folium's ``{{'name'}}`` trick for
style values that are elements (fill patterns of ``GeoJson`` style functions) is not expanded;
the house draws no such styles.

Every module of ``geo_app`` that imports folium imports this module
(``tests/test_template_injection.py`` checks it), so the patch is in place before any map is
built, rendered, cached or exported. It is pinned to the branca of ``constraints.txt``; the test
renders payload names through every map kind and fails if an upgrade reopens the door.
"""

from __future__ import annotations

import branca.element
from branca.element import Element
from jinja2 import Template

DIV_CHILDREN_TEMPLATE = (
    "{% for name, element in this._children.items() %}{{element.render(**kwargs)}}{% endfor %}"
)
"""The only real template string branca hands to ``Element`` (``Div.__init__``)."""


class RenderedText(Element):
    """Text that is already rendered (or literal HTML): shown as it is, never a template."""

    _template = Template("{{ this.text }}")

    def __init__(self, template: str = "", template_name: str | None = None) -> None:
        super().__init__()
        self._name = "RenderedText"
        self.text = template

    def render(self, **kwargs) -> str:
        """The text, unchanged."""
        return self.text


def _element_new(cls, *args, **kwargs):
    """``Element(text)`` makes a :class:`RenderedText`; everything else is made as usual."""
    template = args[0] if args else kwargs.get("template")
    if cls is Element and isinstance(template, str) and template != DIV_CHILDREN_TEMPLATE:
        return object.__new__(RenderedText)
    return object.__new__(cls)


def install() -> None:
    """Make ``branca.element.Element(text)`` literal for the rest of the process (idempotent)."""
    if getattr(Element, "_geo_app_literal", False):
        return
    Element.__new__ = staticmethod(_element_new)
    Element._geo_app_literal = True


def installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return bool(getattr(branca.element.Element, "_geo_app_literal", False))


install()
