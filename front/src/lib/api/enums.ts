/**
 * Every value of the API's enums, for filters and pickers. Each is a `Record` over the generated
 * type, so the compiler refuses a value that is missing or unknown; the keys keep this order.
 */
import type { Schemas } from "./client";

export type OrderStatus = Schemas["OrderStatus"];
export type UserRole = Schemas["UserRole"];

const ORDER_STATUS_SET: Record<OrderStatus, true> = {
  pending: true,
  paid: true,
  shipped: true,
  completed: true,
  cancelled: true,
};
const USER_ROLE_SET: Record<UserRole, true> = { user: true, admin: true, superadmin: true };

/** In workflow order. */
export const ORDER_STATUSES = Object.keys(ORDER_STATUS_SET) as readonly OrderStatus[];
/** From the least to the most powerful. */
export const USER_ROLES = Object.keys(USER_ROLE_SET) as readonly UserRole[];
