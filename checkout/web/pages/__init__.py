"""Server-rendered pages: the hosted checkout (and later the dashboard)."""
