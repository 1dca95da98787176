"""Refresh tokens: the stored half of every signed-in session, which sign-in issues and
rotates, and password changes, deactivation and the sweeper end."""
