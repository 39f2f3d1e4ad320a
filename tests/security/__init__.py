"""Security tier: sessions, sign-in cost and lockout, plain text, file modes, audit trail, scope, locks."""
