"""Checks of the model against theory and the record.

Docking with Richardson and Olson-Zeckhauser, the 2014-2024 backcast, the calibration (search
space and loss, the search, and its written outputs), and the scoreboard: the rolling-origin
hindcast against baselines (the ``hindcast`` package, which also reads the record).
"""
