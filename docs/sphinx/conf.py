"""A small Sphinx project that shows the ``tracer`` directive (built by tests/test_sphinx.py)."""

project = "tracer in Sphinx"
author = "tracer developers"
extensions = ["tracer.sphinx", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "alabaster"
latex_documents = [("index", "tracer-demo.tex", project, author, "howto")]
