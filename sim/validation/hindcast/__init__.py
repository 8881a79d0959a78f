"""The hindcast: rolling-origin forecasts of the record, the model's and the baselines', scored.

``python -m sim hindcast CONFIG --origins 2016:2023 --horizons 1,2,3 --out DIR`` (issue 14). For
each origin year Y the model is fitted with data up to Y only, forecasts Y+1 ... Y+h from the
record's shares at Y, and is scored against the record with the baselines in the same table.

- :mod:`~sim.validation.hindcast.record`: the record the hindcast scores against, censorable at Y;
- :mod:`~sim.validation.hindcast.forecast`: a forecast (an ensemble of annual shares);
- :mod:`~sim.validation.hindcast.model`: the model's fit up to Y and its forecast from Y;
- :mod:`~sim.validation.hindcast.baselines`: persistence, linear trend, pooled partial adjustment;
- :mod:`~sim.validation.hindcast.scores`: the scores of a forecast against the record;
- :mod:`~sim.validation.hindcast.output`: the scores table, the figure and the LaTeX table;
- :mod:`~sim.validation.hindcast.command`: the command line and the loop over origins.
"""
