"""Results, change requests, transcripts, document requests (issue 6).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('assessment_date', sa.Date(), nullable=False),
    sa.Column('max_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('pass_mark', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('weight', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('group_name', sa.String(length=120), nullable=False),
    sa.Column('eligibility_period', sa.String(length=32), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('max_score > 0', name=op.f('ck_assessments_max_positive')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= max_score', name=op.f('ck_assessments_pass_mark_range')),
    sa.CheckConstraint('weight > 0 AND weight <= 100', name=op.f('ck_assessments_weight_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assessments_created_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_assessments_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('department_id', 'title', name='uq_assessments_department_title')
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_group_name'), ['group_name'], unique=False)

    op.create_table('document_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('requested_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint("kind IN ('transcript', 'bonafide', 'noc', 'other')", name=op.f('ck_document_requests_kind_valid')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'completed')", name=op.f('ck_document_requests_status_valid')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_document_requests_completed_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_document_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_document_requests_trainee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_requests'))
    )
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.create_index('ix_document_requests_trainee_status', ['trainee_id', 'status'], unique=False)

    op.create_table('verification_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('document_kind', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_verification_tokens_issued_by_id_users')),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_verification_tokens_trainee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_verification_tokens_token_hash'))
    )
    with op.batch_alter_table('verification_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_tokens_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('state', sa.String(length=12), server_default='draft', nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('frozen_by_id', sa.Integer(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'published', 'frozen')", name=op.f('ck_results_state_valid')),
    sa.CheckConstraint('score >= 0', name=op.f('ck_results_score_not_negative')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_results_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_results_entered_by_id_users')),
    sa.ForeignKeyConstraint(['frozen_by_id'], ['users.id'], name=op.f('fk_results_frozen_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_results_published_by_id_users')),
    sa.ForeignKeyConstraint(['trainee_id'], ['users.id'], name=op.f('fk_results_trainee_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    sa.UniqueConstraint('assessment_id', 'trainee_id', name='uq_results_assessment_trainee')
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index('ix_results_trainee_state', ['trainee_id', 'state'], unique=False)

    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('old_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('new_score', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), server_default='pending', nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_change_requests_status_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_change_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_change_requests_requested_by_id_users')),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_change_requests_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_result_id'), ['result_id'], unique=False)
        batch_op.create_index('ix_change_requests_status', ['status'], unique=False)

    op.create_table('result_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    sa.Column('old_score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('new_score', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('old_state', sa.String(length=12), nullable=True),
    sa.Column('new_state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('change_request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_result_history_actor_id_users')),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_history_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_history'))
    )
    with op.batch_alter_table('result_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_history_result_id'), ['result_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('result_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_history_result_id'))
    op.drop_table('result_history')
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_change_requests_status')
        batch_op.drop_index(batch_op.f('ix_change_requests_result_id'))
    op.drop_table('change_requests')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_trainee_state')
        batch_op.drop_index(batch_op.f('ix_results_assessment_id'))
    op.drop_table('results')
    with op.batch_alter_table('verification_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_tokens_trainee_id'))
    op.drop_table('verification_tokens')
    with op.batch_alter_table('document_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_document_requests_trainee_status')
    op.drop_table('document_requests')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_group_name'))
        batch_op.drop_index(batch_op.f('ix_assessments_department_id'))
    op.drop_table('assessments')
