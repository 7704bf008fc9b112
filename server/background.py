"""Work a server process does for a project after a request has committed, on a thread of its own: one run per
project at a time; asked again while it runs, it goes round once more when it ends. A run lost with its process
is no loss where the work is idempotent and what it leaves undone is found again (as pending) by the next run,
by a read that needs it, or by a command."""

import logging
import threading

log = logging.getLogger(__name__)


class ProjectRuns:
    """The runs of one kind of work, `work(project_id)`, each in the app context of `app`."""

    def __init__(self, name: str, work):
        self.name, self.work = name, work
        self._lock, self._running, self._again = threading.Lock(), set(), set()

    def start(self, app, project_id):
        """Start a run for the project, or ask the one running to go round again; the thread, or None."""
        with self._lock:
            if project_id in self._running:
                self._again.add(project_id)
                return None
            self._running.add(project_id)
        thread = threading.Thread(target=self._run, args=(app, project_id), name=f"{self.name}-{project_id}",
                                  daemon=True)
        thread.start()
        return thread

    def _run(self, app, project_id):
        try:
            while True:
                with app.app_context():
                    self.work(project_id)
                with self._lock:
                    if project_id not in self._again:
                        return
                    self._again.discard(project_id)
        except Exception:  # a background thread has no caller: log it; what is left stays pending
            log.exception("%s of project %s failed; what it left stays pending", self.name, project_id)
        finally:
            with self._lock:
                self._running.discard(project_id)
                self._again.discard(project_id)
