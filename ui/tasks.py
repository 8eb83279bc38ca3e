"""Background work of the main window: analysis, waveform reading and export, one job at a time.

Jobs run on a worker thread (:mod:`syncsheet_ui.jobs`); the status bar shows the running one with
a progress bar and a Cancel button. A re-analysis requested while one runs cancels it and starts
over with the newest settings.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from syncsheet import exporters
from syncsheet.analysis import AnalysisSettings
from syncsheet.progress import scaled

from .jobs import Job

__all__ = ["TasksMixin"]


class TasksMixin:
    """Analysis, export and the job queue, for :class:`~syncsheet_ui.mainwindow.MainWindow`."""

    def export(self, mod: ModuleType, path: str | None = None) -> Job | None:
        """Export the current sheet in one format (asks where, unless *path* is given)."""
        sheet = self.doc.sheet()
        if sheet is None:
            self._error("Nothing to export", "Analyse the audio first.")
            return None
        if path is None:
            stem = self.doc.path.stem if self.doc.path else Path(self.doc.project.audio_path).stem
            folder = (self.doc.path or Path(self.doc.project.audio_path)).parent
            path = self.dialogs.export_path(mod, str(folder / exporters.default_name(mod, stem)))
            if not path:
                return None
        # the writer hears the progress (a reel's PDF sheet is 1,801 pages, 10-15 s): bar and Cancel work
        job = Job(f"Export {mod.NAME}", lambda progress: exporters.write_file(sheet, path, fmt=mod.NAME,
                                                                             progress=progress))
        job.succeeded.connect(lambda p: self.statusBar().showMessage(f"Exported {p}", 6000))
        self._enqueue(job)
        return job

    def export_all(self, folder: str | None = None) -> Job | None:
        sheet = self.doc.sheet()
        if sheet is None:
            self._error("Nothing to export", "Analyse the audio first.")
            return None
        folder = folder or self.dialogs.export_folder(str(Path(self.doc.project.audio_path).parent))
        if not folder:
            return None
        stem = self.doc.path.stem if self.doc.path else Path(self.doc.project.audio_path).stem
        mods = exporters.all_formats()

        def work(progress):
            out = []
            for i, mod in enumerate(mods):
                progress(i / len(mods), mod.NAME)
                part = scaled(progress, i / len(mods), (i + 1) / len(mods), mod.NAME)
                out.append(exporters.write_file(sheet, Path(folder) / exporters.default_name(mod, stem), fmt=mod.NAME,
                                                progress=part))
            return out

        job = Job("Export", work)
        job.succeeded.connect(lambda ps: self.statusBar().showMessage(f"Exported {len(ps)} files to {folder}", 6000))
        self._enqueue(job)
        return job

    # ------------------------------------------------------------------ background jobs
    def start_analysis(self, settings: AnalysisSettings) -> None:
        """Analyse (again) in the background; a running analysis is cancelled and replaced."""
        if self.doc.project is None or self.audio_info is None:
            if self.doc.project is not None:
                self._audio_note("cannot analyse: the audio file is missing")
            return
        if self._analysis_job is not None:
            self._pending_settings = settings
            self._analysis_job.cancel()
            return
        path, fn = str(self.audio_info.path), self.analyze_fn

        def work(progress):
            return fn(path, settings, progress=progress), settings

        job = Job("Analysis", work)
        job.succeeded.connect(self._analysis_done)
        job.cancelled.connect(lambda: self.statusBar().showMessage("Analysis cancelled", 5000))
        job.done.connect(self._analysis_finished)
        self._analysis_job = job
        self._enqueue(job)

    def _analysis_done(self, result) -> None:
        analysis, settings = result
        unmatched = self.doc.set_analysis(analysis, settings)
        msg = f"Analysed: {len(analysis.beats)} beats, {len(analysis.onsets)} accents, {len(analysis.cues)} cues"
        if unmatched:
            msg += f"; {len(unmatched)} of your edits no longer find their event (kept in the project)"
        self.statusBar().showMessage(msg, 8000)

    def _analysis_finished(self) -> None:
        self._analysis_job = None
        if self._pending_settings is not None:
            settings, self._pending_settings = self._pending_settings, None
            self.start_analysis(settings)
        elif self.doc.project is not None:  # cancelled or failed: the fixes shown are the beats' own
            self.params.sync_fixes(self.doc.project.settings)

    def _enqueue(self, job: Job) -> None:
        job.progressed.connect(self._on_progress)
        job.failed.connect(lambda msg, name=job.name: self._error(name, msg))
        job.done.connect(self._job_done)
        self._queue.append(job)
        self._next_job()

    def _next_job(self) -> None:
        if self._active is not None or not self._queue:
            self._show_progress(self._active is not None)
            return
        self._active = self._queue.pop(0)
        self.progress_label.setText(self._active.name)
        self.progress.setValue(0)
        self._show_progress(True)
        self.runner.start(self._active)

    def _job_done(self) -> None:
        self._active = None
        self._next_job()

    def _show_progress(self, on: bool) -> None:
        for w in (self.progress_label, self.progress, self.cancel_button):
            w.setVisible(on)

    def _on_progress(self, fraction: float, stage: str) -> None:
        if self._active is not None:
            self.progress_label.setText(f"{self._active.name}: {stage}")
        self.progress.setValue(int(fraction * 1000))

    @property
    def busy(self) -> bool:
        return self._active is not None or bool(self._queue)

    def cancel_jobs(self) -> None:
        """Cancel the running job and everything queued."""
        for job in self._queue:
            job.cancel()
        if self._active is not None:
            self._active.cancel()
        self._pending_settings = None

    def _stop_jobs(self) -> None:
        self.cancel_jobs()
        self.runner.cancel_all()
        self._queue.clear()
        self._active = None
        self._analysis_job = None
        self._show_progress(False)
