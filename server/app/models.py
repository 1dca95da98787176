"""Every ORM model, imported once so `Base.metadata` knows all tables (Alembic, tests)."""

from app.auth.models import RefreshToken
from app.core.database import Base
from app.users.models import User

__all__ = ["Base", "RefreshToken", "User"]
