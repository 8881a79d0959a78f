"""The members a run's structural parameters ask for, loaded once per process.

This module owns going from parameters (``members_file``, ``initial_data_year``, pledges,
behaviour tables) to the :class:`sim.core.data.Members` of a run, with a cache so that a batch,
a sweep worker or the web page reads the files once. Scenario configs, the ensemble and the
Mesa model all get their members here.
"""

from __future__ import annotations

import functools

from sim.core.data import Members, load_members
from sim.core.params import Params


@functools.lru_cache(maxsize=16)
def members_for(
    members_file: str,
    initial_data_year: int,
    use_pledges: bool,
    use_target_exemptions: bool,
    region_behaviour_file: str = "",
    member_behaviour_file: str = "",
) -> Members:
    """Load (once per process) the members a set of structural parameters asks for."""
    return load_members(
        members_file,
        initial_data_year,
        use_pledges=use_pledges,
        use_target_exemptions=use_target_exemptions,
        region_behaviour_file=region_behaviour_file,
        member_behaviour_file=member_behaviour_file,
    )


def members_of(params: Params) -> Members:
    """Return the members of a parameter set."""
    return members_for(
        params.members_file,
        params.initial_data_year,
        params.use_pledges,
        params.use_target_exemptions,
        params.region_behaviour_file,
        params.member_behaviour_file,
    )
