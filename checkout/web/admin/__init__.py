"""The operator console at /admin: its own blueprint, cookie, CSRF and sign-in
(services/operators.py), apart from the merchant dashboard's."""
