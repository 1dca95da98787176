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
    remedy = (
        "The access token expired, or the account was deactivated or changed its password: "
        "refresh it at /api/auth/refresh or sign in again."
    )


class AdminRequired(Forbidden):
    code = "admin_required"
    detail = "This needs the admin role"
    remedy = "Sign in as an admin, or ask one to do it."


class UserNotFound(NotFound):
    code = "user_not_found"
    detail = "User not found"
    remedy = "Check the user id; the user may have been deleted."


class UsernameTaken(Conflict):
    code = "username_taken"
    detail = "This username is already taken"
    remedy = "Choose another username."


class EmailTaken(Conflict):
    code = "email_taken"
    detail = "This email is already registered"
    remedy = "Use another email, or sign in to the account that has it."


class FirstSuperuserProtected(Conflict):
    code = "first_superuser_protected"
    detail = "The first superuser can't be deleted, deactivated or demoted"
    remedy = "Leave the first superuser as it is; change another account."


class UserHasOrders(Conflict):
    code = "user_has_orders"
    detail = "This user has orders; deactivate the account instead"
    remedy = "Deactivate the account (`is_active: false`) instead of deleting it."


class CannotDeleteSelf(Conflict):
    code = "cannot_delete_self"
    detail = "You can't delete your own account"
    remedy = "Ask another admin to delete it."


class CannotChangeOwnAccess(Conflict):
    code = "cannot_change_own_access"
    detail = "You can't change your own role or active state"
    remedy = "Ask another superadmin to change your role or active state."


class RoleNotAssignable(Forbidden):
    code = "role_not_assignable"
    detail = "Only a superadmin can grant the admin or superadmin role"
    remedy = "Ask a superadmin to grant the role."


class UserNotManageable(Forbidden):
    code = "user_not_manageable"
    detail = "Only a superadmin can change an admin or superadmin"
    remedy = "Ask a superadmin to make the change."


class IncorrectPassword(AppError):
    code = "incorrect_password"
    detail = "The current password is incorrect"
    remedy = "Enter the account's current password; repeated failures are throttled."


class TooManyPasswordAttempts(TooManyRequests):
    code = "too_many_password_attempts"
    detail = "Too many attempts at the current password; try again later"
    remedy = "Wait `retry_after` seconds before trying again."


class TooManyEmailChanges(TooManyRequests):
    code = "too_many_email_changes"
    detail = "Too many email changes; try again later"
    remedy = "Wait `retry_after` seconds before changing the email again."
