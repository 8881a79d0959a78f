"""Bayesian calibration: a likelihood-free posterior of the calibration's parameters (issue 17).

``prior`` (the priors of the search space's coordinates), ``smc`` (the ABC-SMC sampler, written
over the batched ensemble), ``output`` (the posterior's files and figures) and ``command``
(``python -m sim calibrate CONFIG --method abc``).
"""
