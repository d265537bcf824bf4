"""Run the normalize worker beside a PostgreSQL load: pages go in, COPY-ready batches come out.

The loading process keeps the transaction, the merge and the COPY; the worker
(:mod:`genesys_pipeline.normalize.worker`) parses, normalizes and encodes on a core of its own.
A thread here feeds it the staged pages (read, gunzipped and checked here: staging may be
object storage), so reading, normalizing and loading all overlap. The pipes bound what is in
flight to about one page each way. Whatever fails (the feed, the worker, the load) stops the
other two: the worker is killed on exit unless it finished, and its error or the feed's is
raised in the loading thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

from genesys_pipeline.normalize.frames import read_frame, write_frame
from genesys_pipeline.normalize.normalizer import NormalizeResult, TableBatch
from genesys_pipeline.normalize.pii import PiiConfig
from genesys_pipeline.normalize.worker import END_OF_PAGES
from genesys_pipeline.staging.rejects import RejectsFile

WORKER_MODULE = "genesys_pipeline.normalize.worker"
EXIT_WAIT_S = 30.0
MMAP_THRESHOLD_VARIABLE, MMAP_THRESHOLD = "MALLOC_MMAP_THRESHOLD_", "131072"  # an operator's own value wins


class NormalizeWorkerError(RuntimeError):
    """The worker ended without finishing and without saying why (killed, crashed)."""


class NormalizeProcess:
    """One extraction's pages normalized in a child process; iterate :meth:`batches` inside ``with``.

    ``result`` is kept up to date after every batch, like :attr:`.Normalizer.result`;
    ``normalize_s`` is the worker's own time per page, summed.
    """

    def __init__(
        self,
        pages: Iterable[bytes],
        extracted_at: str,
        run_id: str,
        pii: PiiConfig | None,
        rejects: RejectsFile,
        attributes: bool = True,
    ) -> None:
        self._pages = pages
        self._settings = {"extracted_at": extracted_at, "run_id": run_id, "pii": pii, "attributes": attributes}
        self._rejects = rejects
        self.result = NormalizeResult()
        self.normalize_s = 0.0
        self._child: subprocess.Popen[bytes] | None = None
        self._feeder: threading.Thread | None = None
        self._feed_error: BaseException | None = None
        self._done = False

    def __enter__(self) -> NormalizeProcess:
        # The worker imports this package as the loading process does, wherever that finds it.
        # glibc: buffers from 128 KiB up (pages, frames) are mapped and returned when freed, not
        # kept in the heap: 19 MB less peak for the worker at 20,000 conversations (102 -> 83 MB).
        env = {
            MMAP_THRESHOLD_VARIABLE: MMAP_THRESHOLD,
            **os.environ,
            "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
        }
        self._child = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._feeder = threading.Thread(target=self._feed, args=(self._child,), name="normalize-feed", daemon=True)
        self._feeder.start()
        return self

    def _feed(self, child: subprocess.Popen[bytes]) -> None:
        stdin = child.stdin
        assert stdin is not None  # started with stdin=PIPE
        try:
            if self._send(stdin, self._settings) and all(self._send(stdin, raw) for raw in self._pages):
                self._send(stdin, END_OF_PAGES)
        except BaseException as error:  # e.g. a corrupt staged page: stop the worker, raise it there
            self._feed_error = error
            child.kill()
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def _send(self, stdin: IO[bytes], message: Any) -> bool:
        """False when the worker is gone or the loader closed the pipe: the reading side says why.
        Only the write is guarded: an error of the pages themselves must never end the feed quietly."""
        try:
            write_frame(stdin, message)
            return True
        except (BrokenPipeError, ValueError):  # ValueError: write to a closed file
            return False

    def _started(self) -> tuple[subprocess.Popen[bytes], threading.Thread]:
        """The worker and the thread feeding it, both started by ``__enter__``."""
        assert self._child is not None and self._feeder is not None, "use NormalizeProcess inside with"
        return self._child, self._feeder

    def batches(self) -> Iterator[TableBatch]:
        child, feeder = self._started()
        stdout = child.stdout
        assert stdout is not None  # started with stdout=PIPE
        while True:
            try:
                message = read_frame(stdout)
            except EOFError:
                raise self._ended_early() from None
            kind = message[0]
            if kind == "done":
                self._done = True
                feeder.join()  # it closed the pipe: it has finished
                if self._feed_error is not None:  # belt and braces: a failed feed never ends cleanly
                    raise self._feed_error
                return
            if kind == "error":
                raise message[1]
            _, batch, result, rejected, seconds = message
            self._take(result, rejected, seconds)
            yield batch

    def _take(self, result: NormalizeResult, rejected: list[tuple[Any, str, Any]], seconds: float) -> None:
        vars(self.result).update(vars(result))
        for conversation_id, reason, record in rejected:
            self._rejects.write(conversation_id, reason, record)
        self.normalize_s += seconds

    def _ended_early(self) -> BaseException:
        child, feeder = self._started()
        feeder.join()  # it set _feed_error before killing the worker
        if self._feed_error is not None:
            return self._feed_error
        code = child.wait(timeout=EXIT_WAIT_S)
        return NormalizeWorkerError(f"the normalize worker ended without finishing (exit status {code})")

    def __exit__(self, *exc: object) -> None:
        child = self._child
        if child is None:
            return
        if not self._done:  # failed or abandoned: the worker may be blocked writing, stop it
            child.kill()
        child.wait(timeout=EXIT_WAIT_S)
        _, feeder = self._started()
        feeder.join(timeout=EXIT_WAIT_S)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
