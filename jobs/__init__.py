"""APScheduler sidecar (`python -m jobs`): periodic reports, snapshots, reminders, cleanup."""
