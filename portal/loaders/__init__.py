"""Cached read loaders by domain: the only place `st.cache_data` appears.

Every argument that limits what a viewer may see (the acting user) is a cache argument, so cached
results are never shared across scopes. Each module has a `clear()`; which writes make which domains
stale is one reviewed table in `portal.invalidation`.
"""

from portal.loaders import (
    attendance,
    audit,
    dashboards,
    documents,
    leave,
    logbook,
    notifications,
    operations,
    reports,
    results,
    settings,
    training,
    users,
)

DOMAINS = {
    "notifications": notifications,
    "users": users,
    "audit": audit,
    "settings": settings,
    "logbook": logbook,
    "results": results,
    "documents": documents,
    "dashboards": dashboards,
    "attendance": attendance,
    "reports": reports,
    "operations": operations,
    "training": training,
    "leave": leave,
}

__all__ = [
    "DOMAINS",
    "notifications",
    "users",
    "audit",
    "settings",
    "logbook",
    "results",
    "documents",
    "dashboards",
    "attendance",
    "reports",
    "operations",
    "leave",
]
