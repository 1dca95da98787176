from app.core.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)


class InvalidToken(Unauthorized):
    code = "invalid_token"
    detail = "Could not validate credentials"


class AdminRequired(Forbidden):
    code = "admin_required"
    detail = "This needs the admin role"


class UserNotFound(NotFound):
    code = "user_not_found"
    detail = "User not found"


class UsernameTaken(Conflict):
    code = "username_taken"
    detail = "This username is already taken"


class EmailTaken(Conflict):
    code = "email_taken"
    detail = "This email is already registered"


class FirstSuperuserProtected(Conflict):
    code = "first_superuser_protected"
    detail = "The first superuser can't be deleted, deactivated or demoted"


class UserHasOrders(Conflict):
    code = "user_has_orders"
    detail = "This user has orders; deactivate the account instead"


class CannotDeleteSelf(Conflict):
    code = "cannot_delete_self"
    detail = "You can't delete your own account"


class RoleNotAssignable(Forbidden):
    code = "role_not_assignable"
    detail = "Only a superadmin can grant the admin or superadmin role"


class UserNotManageable(Forbidden):
    code = "user_not_manageable"
    detail = "Only a superadmin can change an admin or superadmin"


class IncorrectPassword(AppError):
    code = "incorrect_password"
    detail = "The current password is incorrect"


class TooManyPasswordAttempts(TooManyRequests):
    code = "too_many_password_attempts"
    detail = "Too many attempts at the current password; try again later"


class TooManyEmailChanges(TooManyRequests):
    code = "too_many_email_changes"
    detail = "Too many email changes; try again later"
