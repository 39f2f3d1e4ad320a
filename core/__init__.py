"""Shared data layer: config, database, models, repositories, rules, services, DTOs, errors."""
