"""Results: assessments, score entry, publish/freeze transitions and change requests."""
