"""The Sphinx extension's public path: ``extensions = ["tracer.sphinx"]`` (see :mod:`tracer.embed.sphinx`)."""

from tracer.embed.sphinx import TracerDirective, setup

__all__ = ["TracerDirective", "setup"]
