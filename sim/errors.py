"""The base class of errors caused by the user's input (configs, data, command-line values).

The command line prints these as one clear message and exits non-zero; anything else is a bug
and keeps its traceback.
"""


class UserError(Exception):
    """An error in what the user gave: a config, a data file, an argument, an output folder."""
