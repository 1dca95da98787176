/**
 * What an admin may do to an account, mirroring the API's rules (server/app/users/service.py)
 * so that the screen only offers what the API accepts: admins manage customers only, only a
 * superadmin grants the admin roles. Deleting follows the same rules; that an account with
 * orders can't be deleted is the API's to say. Your own account is changed on the profile instead, so
 * nobody demotes or deactivates themselves by a slip. The first superuser's protection is the
 * API's alone (the client can't tell which account it is): its refusal is shown if it comes.
 */
import type { Schemas } from "@/lib/api/client";

export type UserRole = Schemas["UserRole"];

export const USER_ROLES: readonly UserRole[] = ["user", "admin", "superadmin"];

/** The roles `actor` may give an account, when creating or editing one. */
export function assignableRoles(actor: UserRole): UserRole[] {
  if (actor === "superadmin") {
    return [...USER_ROLES];
  }
  return actor === "admin" ? ["user"] : [];
}

export type ManageVerdict = { allowed: true } | { allowed: false; reason: "self" | "higherRole" | "notAdmin" };

/** Whether `actor` may change `target`'s role and active state, or delete it, here; and why not. */
export function manageVerdict(
  actor: { id: number; role: UserRole },
  target: { id: number; role: UserRole },
): ManageVerdict {
  if (actor.role === "user") {
    return { allowed: false, reason: "notAdmin" };
  }
  if (actor.id === target.id) {
    return { allowed: false, reason: "self" };
  }
  if (actor.role !== "superadmin" && target.role !== "user") {
    return { allowed: false, reason: "higherRole" };
  }
  return { allowed: true };
}
