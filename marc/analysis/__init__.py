"""Stage 5, analysis: what the scores mean and how far to trust them.  The statistical audit (``audit``, ``agreement``),
Monte Carlo uncertainty and rank intervals (``uncertainty``, ``uncertainty_model``, ``coding_uncertainty``,
``rank_intervals``, ``replication``), global sensitivity (``sensitivity``) and contributions to a score (``explain``).
"""
