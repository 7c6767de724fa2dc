"""Stage 8 (after :mod:`tracer.api`), embedding a derivation in documentation sites. The public
paths stay :mod:`tracer.sphinx` (the extension) and :mod:`tracer.markdown_fence` (the fence).

- ``source``: where an embedded spec comes from (file, example name, inline text) and its options
- ``sphinx``: the ``tracer`` directive for Sphinx and MyST pages
- ``mkdocs``: a ``pymdownx.superfences`` fence for MkDocs and Python-Markdown
"""
