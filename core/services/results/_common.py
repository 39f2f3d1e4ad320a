"""Helpers shared by the result services of this package (not part of its public API)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import NotFoundError
from core.models import Assessment
from core.repositories import results as repo

RESULTS_LINK = "/results"


def get_assessment_or_raise(session: Session, assessment_id: int) -> Assessment:
    """The assessment with this id, for the result services. Raises NotFoundError when there is none."""
    assessment = repo.get_assessment(session, assessment_id)
    if assessment is None:
        raise NotFoundError("No such assessment.")
    return assessment
