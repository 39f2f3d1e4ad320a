"""Row scope: the SQL clauses and the Python check all come from one rule and agree on real rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import Scope
from core.models import User
from core.repositories.scope import trainee_row_clause, trainee_scope_clause
from core.rules.access import Reach, can_see_trainee, compute_trainee_scope
from core.rules.values import Role
from tests.factories import make_user


def _visible_by_subquery(session: Session, scope: Scope, candidates: set[int]) -> set[int]:
    rows = session.scalars(select(User.id).where(User.id.in_(candidates), trainee_scope_clause(scope, User.id)))
    return set(rows)


def _visible_by_join(session: Session, scope: Scope, candidates: set[int]) -> set[int]:
    return set(session.scalars(select(User.id).where(User.id.in_(candidates), trainee_row_clause(scope))))


def test_every_viewer_sees_the_same_trainees_through_every_encoding(session: Session) -> None:
    sup_a = make_user(session, Role.SUPERVISOR)
    sup_b = make_user(session, Role.SUPERVISOR)
    trainees = [
        make_user(session, Role.TRAINEE, supervisor=sup_a),
        make_user(session, Role.TRAINEE, supervisor=sup_a),
        make_user(session, Role.TRAINEE, supervisor=sup_b),
        make_user(session, Role.TRAINEE),  # no supervisor yet
    ]
    admin = make_user(session, Role.ADMIN)
    leader = make_user(session, Role.LEADERSHIP)
    ids = {t.id for t in trainees}
    expected = {
        admin.id: ids,
        leader.id: ids,
        sup_a.id: {trainees[0].id, trainees[1].id},
        sup_b.id: {trainees[2].id},
        trainees[0].id: {trainees[0].id},
        trainees[3].id: {trainees[3].id},
    }
    viewers = {u.id: u for u in (admin, leader, sup_a, sup_b, trainees[0], trainees[3])}
    for viewer_id, wanted in expected.items():
        viewer = viewers[viewer_id]
        scope = Scope(role=viewer.role, user_id=viewer.id)
        by_rule = {
            t.id
            for t in trainees
            if can_see_trainee(
                viewer_role=viewer.role, viewer_id=viewer.id, trainee_id=t.id, trainee_supervisor_id=t.supervisor_id
            )
        }
        assert by_rule == wanted, viewer.role
        assert _visible_by_subquery(session, scope, ids) == wanted, viewer.role
        assert _visible_by_join(session, scope, ids) == wanted, viewer.role


@pytest.mark.parametrize(
    ("role", "user_id", "reach"),
    [
        (Role.ADMIN, 1, Reach.ALL),
        (Role.LEADERSHIP, None, Reach.ALL),
        (Role.SUPERVISOR, 7, Reach.SUPERVISED),
        (Role.SUPERVISOR, None, Reach.NONE),
        (Role.TRAINEE, 9, Reach.SELF),
        (Role.TRAINEE, None, Reach.NONE),
        ("auditor", 3, Reach.NONE),
    ],
)
def test_the_scope_rule_gives_each_role_its_reach(role: str, user_id: int | None, reach: Reach) -> None:
    assert compute_trainee_scope(role, user_id).reach is reach


def test_an_unknown_role_sees_no_rows_through_sql(session: Session) -> None:
    trainee = make_user(session, Role.TRAINEE)
    assert _visible_by_subquery(session, Scope(role="auditor", user_id=trainee.id), {trainee.id}) == set()
    assert _visible_by_join(session, Scope(role="auditor", user_id=trainee.id), {trainee.id}) == set()
