"""syncsheet_ui: the Qt timeline app (PyQt6 + pyqtgraph) over the syncsheet core."""
