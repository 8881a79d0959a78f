"""``python -m sim`` and the ``sim`` command: see ``sim.cli``.

The command's process computes with one BLAS thread (``sim.sweep.blas_threads``), set before
``sim.cli`` imports numpy.
"""

from sim.sweep.blas_threads import one_blas_thread


def main() -> None:
    """Run the command line (``sim.cli.run``) in a process with one BLAS thread."""
    one_blas_thread()
    from sim.cli import run

    run()


if __name__ == "__main__":
    main()
