"""Checks of the model against theory and the record.

Docking with Richardson and Olson-Zeckhauser, the 2014-2024 backcast, and the
calibration (search space and loss, the search, and its written outputs).
"""
