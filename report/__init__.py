"""Reports, comparisons and the CI regression check, from result files (``docs/results.md``).

Pure (no I/O, no plotting): :mod:`report.fields` reads a result document,
:mod:`report.figures` aggregates repetitions, :mod:`report.verdict` words the verdicts,
:mod:`report.warnings` collects validity warnings, :mod:`report.setup`,
:mod:`report.summary`, :mod:`report.sections`, :mod:`report.tables`, :mod:`report.markdown`
and :mod:`report.html` build and render the report, :mod:`report.plotplan` and
:mod:`report.series` say what to plot, :mod:`report.faults` (outages, recovery, loss by
second), :mod:`report.transport` (contenders not applicable, e.g. Channels over long-polling),
:mod:`report.capacity` (``bench capacity`` searches), :mod:`report.scale` (``bench scale``
summaries) and :mod:`report.robustness` (``bench robustness`` probes) add their sections,
:mod:`report.significance`, :mod:`report.compare` and :mod:`report.check` judge changes.
I/O: :mod:`report.loading` (files), :mod:`report.plots` with :mod:`report.plotkit`,
:mod:`report.plots_latency`, :mod:`report.plots_resources`, :mod:`report.plots_faults` and
:mod:`report.plots_capacity` (matplotlib, Agg); what the CLI calls is in :mod:`commands.report`.
"""
