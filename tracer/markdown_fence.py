"""The MkDocs fence's public path: ``tracer.markdown_fence.fence`` and ``validate``.

See :mod:`tracer.embed.mkdocs`.
"""

from tracer.embed.mkdocs import fence, validate

__all__ = ["fence", "validate"]
