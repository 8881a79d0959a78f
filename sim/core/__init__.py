"""The model itself: parameters, data, scenarios, equations, outputs and the ensemble.

The parameter table, the shipped data and scenario configs, the equations, the output
vocabulary, summaries, regimes, invariants and the batched ensemble. Nothing here knows about
Mesa, files of results, sweeps or the web page; every other package builds on this one.
"""
