"""The Mesa model of one run and its member-state and rival agents.

Both are driven by the equations of ``sim.core.dynamics``, the same ones the ensemble runs;
``collector`` owns what the model records each quarter (Mesa's DataCollector tables).
"""
