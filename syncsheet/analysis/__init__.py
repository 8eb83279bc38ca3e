"""Music analysis: one decode, one spectral pass, then every detector from shared features.

The public entry points are :func:`analyze` (a file) and :func:`analyze_samples` (an array).
"""

from .pipeline import analyze, analyze_samples
from .settings import AnalysisSettings

__all__ = ["analyze", "analyze_samples", "AnalysisSettings"]
