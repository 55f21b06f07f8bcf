"""Progress bars on a terminal for the long commands (import, dedupe, rotate-keys)."""

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

from tqdm import tqdm

from reliefline.access.operations import Stages, Step


@contextmanager
def tqdm_stages(
    stream: TextIO, *, units: Mapping[str, str] | None = None, width: int = 10, **options: Any
) -> Iterator[Stages]:
    """Yield a stages callback drawing one tqdm bar per stage, one at a time.

    Each new stage closes the bar of the one before it, which is then done. `options`
    go to each tqdm bar (unit_scale, disable, ...).
    """
    with ExitStack() as bars:

        def stage(name: str, total: int | None) -> Step:
            bars.close()
            bar = bars.enter_context(
                tqdm(
                    total=total,
                    desc=f"{name:<{width}}",
                    unit=(units or {}).get(name, "row"),
                    file=stream,
                    **options,
                )
            )
            return bar.update

        yield stage
