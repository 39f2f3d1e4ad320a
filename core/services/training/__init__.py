"""Training progress: training years and cohorts, logbook requirements, progress, annual-review portfolios."""
