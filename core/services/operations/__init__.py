"""Operations: job runs, retention, backups and system readiness."""
