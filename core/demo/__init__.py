"""Demo data: a reproducible programme for development and first start (never in production)."""
