import { describe, expect, it } from "vitest";

import { canCancel, statusActions } from "./rules";

const customer = { id: 7, role: "user" as const };
const admin = { id: 1, role: "admin" as const };
const superadmin = { id: 2, role: "superadmin" as const };

describe("statusActions", () => {
  it("offers admins the next step of the workflow only", () => {
    expect(statusActions("pending", "admin")).toEqual(["paid"]);
    expect(statusActions("paid", "superadmin")).toEqual(["shipped"]);
    expect(statusActions("shipped", "admin")).toEqual(["completed"]);
  });

  it("offers nothing after the end of the workflow", () => {
    expect(statusActions("completed", "admin")).toEqual([]);
    expect(statusActions("cancelled", "superadmin")).toEqual([]);
  });

  it("offers customers no status change at all", () => {
    for (const status of ["pending", "paid", "shipped"] as const) {
      expect(statusActions(status, "user")).toEqual([]);
    }
  });
});

describe("canCancel", () => {
  it("lets a customer cancel their own pending order only", () => {
    expect(canCancel({ status: "pending", user_id: 7 }, customer)).toBe(true);
    expect(canCancel({ status: "paid", user_id: 7 }, customer)).toBe(false);
    expect(canCancel({ status: "pending", user_id: 8 }, customer)).toBe(false);
  });

  it("lets admins cancel anyone's pending or paid order", () => {
    expect(canCancel({ status: "pending", user_id: 7 }, admin)).toBe(true);
    expect(canCancel({ status: "paid", user_id: 7 }, superadmin)).toBe(true);
  });

  it("lets nobody cancel a shipped, completed or cancelled order", () => {
    for (const status of ["shipped", "completed", "cancelled"] as const) {
      expect(canCancel({ status, user_id: 1 }, admin)).toBe(false);
      expect(canCancel({ status, user_id: 7 }, customer)).toBe(false);
    }
  });
});
