"""syncsheet_ui: the Qt timeline app (PyQt6 + pyqtgraph). Talks to the core through its public API."""
