"""Training data: the crash-safe run store and everything built from it.

* :mod:`~gapforge.dataset.records`, :mod:`~gapforge.dataset.store`: what the loop writes, crash-safe.
* :mod:`~gapforge.dataset.schemas`, :mod:`~gapforge.dataset.tables`: explicit Arrow schemas and the
  record <-> row conversions, trajectories and preference pairs.
* :mod:`~gapforge.dataset.publish` (+ :mod:`~gapforge.dataset.card`): Hugging Face layout and card.
* :mod:`~gapforge.dataset.quality`: near-duplicate and contamination flags.
* :mod:`~gapforge.dataset.export`: verl, TRL, OpenRLHF, open-r1, SFT and DPO files.
* :mod:`~gapforge.dataset.verify`: re-execute a run and report drift.
* :mod:`~gapforge.dataset.report`: the offline HTML report.

Nothing is imported here, so the generation loop's use of the store stays light.
"""
