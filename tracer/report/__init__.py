"""Stage 5, a Trace as text: Markdown, LaTeX, HTML or JSON. Rendering computes nothing new:
what a report shows is in the Trace.

- ``render``: the render options and the entry point (Trace → report), template folders
- ``traced``: :class:`~tracer.report.traced.Traced`, what :func:`tracer.trace` returns
- ``output``: the format a file name asks for; writing a file without leaving a partial one
- ``formats``: what differs between output formats (escaping, math, headings, tables)
- ``embedded``: the formats for documentation sites (reStructuredText nodes, arithmatex HTML)
- ``printer``: the one LaTeX printer of SymPy expressions, named through :mod:`tracer.notation`
- ``blocks``: one step as display math: formulas, numbers put in, value
- ``layout``: how wide LaTeX looks, and where a long right-hand side breaks
- ``context``: the template context of the neuron view
- ``netsection``: the network section (layers, loss, learning rate, samples)
- ``rules``: the local rules section (each derivative as SymPy derived it)
- ``training``: the training section (loss curve, checkpoints, final parameters)
- ``matrix``, ``matrixsteps``, ``matrixtex``: the matrix view, layer by layer
- ``only``: parts of a report (``--only``)
- ``lang``, ``markup``: every word of a report, per language, in a small markup
- ``mathml``: LaTeX → MathML for the self-contained HTML page
- ``plots``: the loss curve (SVG or pgfplots)
- ``diagram``: the network picture (content → layout → scene → SVG / TikZ)
- ``jsontrace``, ``traceschema``: the JSON trace and its JSON Schema
"""
