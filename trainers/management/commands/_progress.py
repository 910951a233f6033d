"""A tqdm bar over named phases: shown on a terminal, silent in scripts and at verbosity 0."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from trainers.rebuild import Progress


@contextmanager
def phase_bar(phases: list[str], *, verbosity: int, desc: str) -> Iterator[Progress]:
    show = verbosity > 0 and sys.stderr.isatty()
    with tqdm(total=len(phases), desc=desc, unit="phase", disable=not show, leave=True) as bar:
        started = False

        def progress(phase: str) -> None:
            nonlocal started
            if started:
                bar.update(1)
            started = True
            bar.set_postfix_str(phase)

        yield progress
        if started:
            bar.update(1)
