"""From a sweep's results to a paper: the report's figures and tables.

The report, its figures and tables, and Sobol/Morris sensitivity indices.
"""
