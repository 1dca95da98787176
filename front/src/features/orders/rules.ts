/**
 * Which status changes the order screens offer, mirroring the API's rules
 * (server/app/orders/service.py) so that a button is only shown for a change the API accepts.
 */
import type { Schemas } from "@/lib/api/client";

export type OrderStatus = Schemas["OrderStatus"];
export type UserRole = Schemas["UserRole"];

/** The workflow order, as the API's enum declares it. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  "pending",
  "paid",
  "shipped",
  "completed",
  "cancelled",
];

/** The API's `TRANSITIONS`: where an order may go from each status. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["paid", "cancelled"],
  paid: ["shipped", "cancelled"],
  shipped: ["completed"],
  completed: [],
  cancelled: [],
};

/** Customers cancel their own orders while these; admins wherever the transitions allow. */
const CUSTOMER_CANCELLABLE: readonly OrderStatus[] = ["pending"];

function isAdminRole(role: UserRole): boolean {
  return role === "admin" || role === "superadmin";
}

/** A status an order moves forward to: nothing leads back to pending, cancelling is apart. */
export type ForwardStatus = Exclude<OrderStatus, "pending" | "cancelled">;

function isForward(status: OrderStatus): status is ForwardStatus {
  return status !== "pending" && status !== "cancelled";
}

/** The statuses an admin may move an order to, cancelling aside (it has its own action). */
export function statusActions(status: OrderStatus, role: UserRole): ForwardStatus[] {
  if (!isAdminRole(role)) {
    return [];
  }
  return TRANSITIONS[status].filter(isForward);
}

/** Whether `viewer` may cancel `order`: customers their own while pending, admins any. */
export function canCancel(
  order: { status: OrderStatus; user_id: number },
  viewer: { id: number; role: UserRole },
): boolean {
  if (!TRANSITIONS[order.status].includes("cancelled")) {
    return false;
  }
  if (isAdminRole(viewer.role)) {
    return true;
  }
  return order.user_id === viewer.id && CUSTOMER_CANCELLABLE.includes(order.status);
}
