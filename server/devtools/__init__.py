"""Development-only tooling: the local PostgreSQL and the dev server. Not shipped in images."""
