"""A small threaded WSGI server with a fixed pool of worker threads.

werkzeug's threaded server starts a thread per request, so a per-thread open index would be
opened for every request. Here a fixed pool serves all requests: each worker keeps its index
open between requests, and the number of concurrent queries is bounded. Responses use
HTTP/1.0 (one request per connection), so an idle keep-alive connection can never hold a
worker hostage.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

log = logging.getLogger(__name__)


class RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_request(self, code="-", size="-"):
        if self.server.quiet:
            return
        super().log_request(code, size)


class PooledWSGIServer(BaseWSGIServer):
    """Serve ``app`` on ``host:port`` with ``workers`` threads (port 0: a free port).

    When no request has run for ``IDLE_TRIM`` seconds, the free heap is given back to the
    system (glibc's ``malloc_trim``): under load the heap keeps the space of the requests'
    temporaries for the next ones (see :func:`bound_heap`), and an idle server holds only
    what it uses.
    """

    multithread = True
    daemon_threads = True
    IDLE_TRIM = 1.0

    def __init__(self, host: str, port: int, app, *, workers: int = 8, quiet: bool = False):
        self.quiet = quiet
        super().__init__(host, port, app, handler=RequestHandler)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="concord-web")
        self._lock = threading.Lock()
        self._active = 0
        self._last_done = 0.0
        self._untrimmed = False

    def process_request(self, request, client_address):
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request, client_address):
        with self._lock:
            self._active += 1
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._active -= 1
                self._last_done = time.monotonic()
                self._untrimmed = True

    def service_actions(self):
        """Called by ``serve_forever`` between polls (every half second at most)."""
        super().service_actions()
        with self._lock:
            idle = (self._untrimmed and not self._active
                    and time.monotonic() - self._last_done >= self.IDLE_TRIM)
            if idle:
                self._untrimmed = False
        if idle:
            from concord.store import release_free_memory

            release_free_memory()

    def server_close(self):
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.server_port}"

    def start_background(self) -> threading.Thread:
        """Serve in a daemon thread (tests and benchmarks); stop with ``shutdown()``."""
        thread = threading.Thread(target=self.serve_forever, name="concord-web-server",
                                  daemon=True)
        thread.start()
        return thread


def bound_heap(threshold: int = 32 << 20, trim: int = 64 << 20, arenas: int = 1) -> bool:
    """Keep a long-running server's heap near what it uses, without paying for it in page
    faults (glibc; False elsewhere).

    Each request allocates large numpy temporaries (the 8.5M positions of a frequent word at
    500M tokens are 34 MB; a phrase of two frequent words sorts 16 MB of positions). Left
    alone, glibc raises its mmap threshold after the first such block is freed and serves
    the next ones from per-thread heaps, where freed memory stays resident: 8 threads held
    670 MB of it at 500M. Three settings bound that:

    - one arena for every thread (Python's small objects come from its own allocator, and
      a request allocates only a few large blocks, under the GIL);
    - a fixed mmap ``threshold`` of 32 MB (glibc's largest): only larger blocks are mapped
      and given back when freed;
    - a ``trim`` threshold of 64 MB: free memory at the top of the heap is kept up to that
      and reused by the next request, not given back and faulted in again.

    A threshold of 128 KB gave back every block too, but each request then faulted in its
    temporaries afresh: a phrase request at 500M spent 18-24 ms in the kernel, against 1-2
    ms now (the same user time). Measured at 500M with 8 clients: anonymous memory 416 MB
    at 128 KB, 526-562 MB now, 673 MB with glibc's defaults. Freed blocks below one still in
    use stay in the heap until it is trimmed: :class:`PooledWSGIServer` trims it when idle.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8         # <malloc.h>
        return all(bool(libc.mallopt(option, value)) for option, value in (
            (m_arena_max, arenas), (m_mmap_threshold, threshold), (m_trim_threshold, trim)))
    except (OSError, AttributeError):
        return False


def make_server(app, host: str = "127.0.0.1", port: int = 5000, *, workers: int = 8,
                quiet: bool = False) -> PooledWSGIServer:
    return PooledWSGIServer(host, port, app, workers=workers, quiet=quiet)


def fork_servers(server, n: int) -> list[int]:
    """Fork ``n`` children that serve on the same listening socket; return their pids."""
    import os
    import signal

    from concord.procs import die_with_parent

    parent = os.getpid()
    children = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            die_with_parent(parent)     # a parent stopped by a signal takes its children along
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, lambda *_: os._exit(0))
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    return children


def stop_children(children: list[int]) -> None:
    """Stop the forked servers and wait for them."""
    import os
    import signal

    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
