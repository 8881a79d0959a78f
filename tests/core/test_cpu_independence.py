"""The model's outputs do not depend on the CPU: the golden baseline's files, computed as on others.

The golden baseline (``tests/test_golden.py``) was written on a machine with AVX-512 and is
reproduced to the byte on one without it. Here a fresh interpreter computes the default scenario's
baseline files (``scripts/refresh_golden.py``) as another CPU would (``tests/cpu_kinds.py``: another
OpenBLAS kernel, numpy without its SIMD code), and once with the compiled step built by numba for a
generic x86-64 CPU (``NUMBA_CPU_NAME=generic``: no AVX, no FMA, in a kernel cache of its own) in
place of the library compiled for this one. Each must give the bytes this machine's own choices
give: the step uses no fast-math (a fused multiply-add would change a last bit; with
``fastmath=True`` the generic case fails) and no output depends on the BLAS kernel or on numpy's
SIMD targets tried here (numpy's AVX-512 code cannot be tried on a CPU without it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cpu_kinds import digest_of, other_cpu_settings

PROBE = """
import hashlib
import importlib.util
from sim.core.data import ROOT

script = ROOT / "scripts" / "refresh_golden.py"
spec = importlib.util.spec_from_file_location("refresh_golden", script)
refresh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(refresh)
outputs = refresh.golden_outputs()
digest = hashlib.sha256()
for name in sorted(outputs):
    digest.update(name.encode() + b"\\0" + outputs[name].encode())
print(digest.hexdigest())
"""


@pytest.fixture(scope="module")
def own() -> str:
    """The digest with this machine's own choices (the library compiled for this CPU)."""
    return digest_of(PROBE)


@pytest.mark.parametrize("setting", sorted(other_cpu_settings()))
def test_the_default_scenario_is_the_same_bytes_with_another_cpus_libraries(
    own: str, setting: str
) -> None:
    assert digest_of(PROBE, **other_cpu_settings()[setting]) == own


def test_the_default_scenario_is_the_same_bytes_with_the_step_compiled_for_a_generic_cpu(
    own: str, tmp_path: Path
) -> None:
    """numba compiles the step afresh (about a minute) for a CPU without AVX or FMA."""
    generic = {"SIM_NATIVE": "0", "NUMBA_CPU_NAME": "generic", "SIM_KERNEL_CACHE": str(tmp_path)}
    assert digest_of(PROBE, **generic) == own
    assert any(tmp_path.rglob("*")), "the step was not compiled into the fresh cache"
