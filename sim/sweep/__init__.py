"""Parameter sweeps: config, designs, runner, execution and the results folder.

The sweep config, the designs (grid, LHS, Sobol, Morris), the runner, execution on local
processes or Dask, and the results folder on disk.
"""
