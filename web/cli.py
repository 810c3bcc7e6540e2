"""``concord serve``: build the index if it is missing, then run the web app.

Registered with the ``concord`` command group through :func:`concord.cli.register`.
"""

from __future__ import annotations

import sys

import click

from concord.cli import DEFAULT_CORPUS, handle_errors, register


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port (0: any free port).")
@click.option("--index", "index_dir", envvar="CONCORD_INDEX", type=click.Path(), default=None,
              show_envvar=True, help="Index directory [default: indexes/default].")
@click.option("--corpus", default=DEFAULT_CORPUS, show_default=True, type=click.Path(),
              help="Corpus to index first when the index is missing.")
@click.option("--concepts", "concepts_file", type=click.Path(dir_okay=False), default=None,
              envvar="CONCORD_CONCEPTS", help="Extra concept registry (TOML).")
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads (concurrent requests).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Time limit of one query, in seconds.")
@click.option("--procs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes when building the index.")
@click.option("--processes", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Server processes sharing the port (each with --workers threads).")
@handle_errors
def serve(host, port, index_dir, corpus, concepts_file, workers, timeout, procs, processes) -> None:
    """Run the web interface (search, concordances, frequencies) in a browser."""
    from concord.index import read_current, resolve_index_path

    from .app import create_app
    from .server import make_server

    target = resolve_index_path(index_dir)
    if read_current(target) is None:
        build(corpus, target, procs)
    app = create_app({"CONCORD_INDEX": str(target), "CONCORD_CONCEPTS": concepts_file,
                      "QUERY_TIMEOUT": timeout})
    server = make_server(app, host, port, workers=workers)
    click.echo(f"concord: serving {target} on {server.url}/ with {processes} process(es) x "
               f"{workers} threads (Ctrl+C to stop)", err=True)
    # Python runs one thread at a time per process: more processes on the one listening
    # socket let concurrent queries use every core. Children are forked before any request,
    # so each opens its own index.
    children = fork_servers(server, processes - 1)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        if children:
            click.echo("stopped", err=True)
    finally:
        stop_children(children)
        server.server_close()
        app.extensions["concord_index"].close()


def fork_servers(server, n: int) -> list[int]:
    """Fork ``n`` children that serve on the same listening socket; return their pids."""
    import os
    import signal

    children = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, lambda *_: os._exit(0))
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    return children


def stop_children(children: list[int]) -> None:
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


def build(corpus: str, target, procs: int) -> None:
    """Build the missing index with progress on stderr: a bar on a terminal, else lines."""
    from concord.indexer import build_index

    click.echo(f"concord: no index at {target}; indexing {corpus} first", err=True)
    progress = Progress(sys.stderr.isatty())
    try:
        report = build_index(corpus, target, procs=procs, progress=progress.update)
    finally:
        progress.close()
    for doc_id, reason in report.skipped:
        click.echo(f"skipped {doc_id}: {reason}", err=True)
    if not report.documents:
        raise click.ClickException(f"{corpus} holds no documents to index (.txt, .md, .html, "
                                   ".xml...); give another one with --corpus")
    click.echo(f"concord: indexed {report.documents} documents, {report.tokens} tokens in "
               f"{report.seconds:.1f} s", err=True)


class Progress:
    """Indexing progress: a tqdm bar on a terminal, otherwise a line every 5% of files."""

    def __init__(self, tty: bool):
        self.bar = None
        self.last = -1
        if tty:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="file", file=sys.stderr, desc="indexing")

    def update(self, done: int, total: int, doc_id: str) -> None:
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.set_postfix_str(doc_id[-40:], refresh=False)
            self.bar.refresh()
            return
        step = max(1, total // 20)
        if done == total or done // step != self.last:
            self.last = done // step
            click.echo(f"indexing: {done}/{total} files ({done * 100 // max(total, 1)}%) "
                       f"{doc_id}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


register(serve)
