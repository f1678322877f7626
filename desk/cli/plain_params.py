"""Plain values need no pydantic: text, paths and flags are converted without it.

Typer 0.29 converts every parameter's value through a pydantic `TypeAdapter`, built the first
time the parameter is processed — even when its value is None. Importing pydantic and building
the adapters cost about 0.07 s of every command's start (`desk case show` 0.27 s against the
0.2 s it should start in; bench/bench_cli_start.py). desk's own parameters are nearly all text
(`str`), paths (`Path`) and flags (`bool`), which Click has already parsed: for exactly those,
this module gives Typer a converter that does what the adapter did for them (accept the value
of that type; make a `Path` of text), and leaves every other annotation (numbers, lists, files,
custom parsers) to Typer.

It replaces `typer.core.build_runtime_param`, a function of Typer's internals: the pin in
pyproject.toml (typer 0.29.x) keeps that name where this module expects it, and
tests/test_cli_start.py checks that a command runs without importing pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer.core
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor

_typer_runtime_param = typer.core.build_runtime_param  # type: ignore[attr-defined]
PLAIN = (str, Path, bool)


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """A text, path or flag value, converted as the pydantic adapter would have."""

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation = self.annotation
        if isinstance(value, annotation):
            return value
        if annotation is Path and isinstance(value, str):
            return Path(value)
        shown = getattr(annotation, "__name__", repr(annotation))
        raise BadParameter(f"Value {value!r} is not a valid {shown}.", ctx=ctx, param=param)


def runtime_param(descriptor: TypeDescriptor) -> RuntimeParam:
    """Typer's converter for a parameter, without pydantic for plain text, paths and flags."""
    info = descriptor.parameter_info
    if (
        descriptor.file_annotation is None
        and descriptor.annotation in PLAIN
        and getattr(info, "parser", None) is None
        and getattr(info, "click_type", None) is None
    ):
        return PlainRuntimeParam(annotation=descriptor.annotation, parameter_info=info)
    return _typer_runtime_param(descriptor)


def install() -> None:
    """Use `runtime_param` for every parameter Typer processes from now on."""
    typer.core.build_runtime_param = runtime_param  # type: ignore[attr-defined]
