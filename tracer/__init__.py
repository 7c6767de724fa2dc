"""tracer: backpropagation explained step by step, derived by SymPy, never a slip."""

__version__ = "0.2.0"
