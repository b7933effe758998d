"""Render numpydoc / Sphinx roles (``:func:`x```, ``:class:`~a.b.C```) in the API reference.

The docstrings use the roles ``help()`` readers and numpydoc know; mkdocstrings
renders Markdown. This Griffe extension (loaded from ``mkdocs.yml``) rewrites
each role into an optional cross-reference: a link where the target is on
the site, plain code otherwise. ``~`` shows the last component only, as in
Sphinx; a name without a dot is looked up in the docstring's own module.

A function whose docstring is composed at import (``f.__doc__ = ...``,
as the estimators' ``__init__`` share their parameter descriptions) has none
in its source; the extension then takes the imported object's docstring.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|mod|attr|data|obj|exc|const):"
    r"`(?P<tilde>~?)(?P<title>[^`<]*?)\s*(?:<(?P<target>[^`>]+)>)?`"
)


def _identifier(name: str, module: str) -> str:
    if name.startswith("."):
        return f"{module}{name}"
    if "." not in name or not name.split(".")[0].isidentifier() or name[0].isupper():
        return f"{module}.{name}"
    return name


def render_roles(text: str, module: str) -> str:
    """``text`` with every role replaced by an optional autorefs cross-reference."""

    def replace(match: re.Match[str]) -> str:
        name = (match["target"] or match["title"]).strip()
        title = match["title"].strip() if match["target"] else name
        if match["tilde"]:
            title = title.rsplit(".", 1)[-1]
        identifier = _identifier(name, module)
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    return ROLE.sub(replace, text)


class RenderRoles(griffe.Extension):
    """Rewrite the roles of every docstring Griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is None and obj.is_function:
            try:  # the function's own __doc__: inspect.getdoc would inherit object's
                own = griffe.dynamic_import(obj.path).__doc__
            except ImportError:
                own = None
            if own:
                text = inspect.cleandoc(own)
                parser = obj.parent.docstring.parser if obj.parent and obj.parent.docstring else None
                obj.docstring = griffe.Docstring(text, parent=obj, parser=parser or "numpy")
        if obj.docstring is not None:
            obj.docstring.value = render_roles(obj.docstring.value, obj.module.path)
