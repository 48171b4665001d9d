"""Validation of configuration options."""
from typing import Any, Sequence


def check_choice(name: str, value: Any, choices: Sequence) -> Any:
    """Return ``value`` when it is one of ``choices``.

    Args:
        name (str): the option as the user wrote it, with its owner, e.g.
            ``'LowCAM: test_cfg.box_mode'``; starts the error message.
        value: the given value.
        choices (Sequence): the accepted values.

    Raises:
        ValueError: ``"<name> must be one of (...), got <value>."``.
    """
    if value not in choices:
        raise ValueError(
            f'{name} must be one of {tuple(choices)}, got {value!r}.')
    return value
