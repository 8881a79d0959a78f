"""The column of each numeric parameter in a batch's parameter matrix (R, P).

The compiled equations read run r's value of a parameter as ``p[r, P.hegemon_pressure]``, with
this module imported as ``P``: one attribute per parameter of ``sim.core.params.NUMERIC``, in
that order, generated from the parameter table (a misspelt name fails when the equations
compile). numba reads these integers as constants.
"""

from __future__ import annotations

from sim.core.params import NUMERIC

globals().update({name: j for j, name in enumerate(NUMERIC)})
