"""The base class of errors caused by the user's input (configs, data, command-line values).

The command line prints these as one clear message and exits non-zero; anything else is a bug
and keeps its traceback.
"""


class UserError(Exception):
    """An error in what the user gave: a config, a data file, an argument, an output folder."""


MAX_SHOWN = 240
"""The most characters of a user's text (a path, a value) an error message shows."""


def shown(text: str, limit: int | None = MAX_SHOWN) -> str:
    """A user's text as an error message shows it: on one line, and not too long.

    Control characters (a newline in a file name, a NUL, undecodable bytes) are escaped as in
    Python's ``repr``; a text longer than ``limit`` keeps its start and its end around the
    number of characters left out, so a 5,000-character path still names its file in one line.

    Args:
        text: the text (a path, a repr of a value, a message).
        limit: the most characters kept; None keeps them all.
    """
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if limit is not None and len(text) > limit:
        half = limit // 2
        text = f"{text[:half]}...[{len(text) - 2 * half} characters]...{text[-half:]}"
    return text


def os_error_text(err: OSError) -> str:
    """An OSError as one line naming its file(s): ``path: reason`` (``path -> other: reason``).

    Args:
        err: the error (its ``filename``/``filename2`` name the files, ``strerror`` the reason).
    """
    if err.filename is None or not err.strerror:
        return shown(str(err), None)
    where = shown(str(err.filename))
    if err.filename2 is not None:
        where += f" -> {shown(str(err.filename2))}"
    return f"{where}: {err.strerror}"
