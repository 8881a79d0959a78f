"""One scenario run into its own results folder.

The folder rules (atomic writes, one writer, what ``--overwrite`` may replace), the
manifest's provenance and the run's figure.
"""
