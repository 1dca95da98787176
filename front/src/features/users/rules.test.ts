import { describe, expect, it } from "vitest";

import { assignableRoles, manageVerdict } from "./rules";

const superadmin = { id: 1, role: "superadmin" as const };
const otherSuperadmin = { id: 2, role: "superadmin" as const };
const admin = { id: 3, role: "admin" as const };
const otherAdmin = { id: 4, role: "admin" as const };
const customer = { id: 5, role: "user" as const };

describe("assignableRoles", () => {
  it("lets a superadmin grant every role", () => {
    expect(assignableRoles("superadmin")).toEqual(["user", "admin", "superadmin"]);
  });

  it("lets an admin grant the customer role only", () => {
    expect(assignableRoles("admin")).toEqual(["user"]);
  });

  it("lets a customer grant nothing", () => {
    expect(assignableRoles("user")).toEqual([]);
  });
});

describe("manageVerdict", () => {
  it("lets a superadmin manage customers, admins and other superadmins", () => {
    for (const target of [customer, admin, otherSuperadmin]) {
      expect(manageVerdict(superadmin, target)).toEqual({ allowed: true });
    }
  });

  it("lets an admin manage customers but no admin or superadmin", () => {
    expect(manageVerdict(admin, customer)).toEqual({ allowed: true });
    expect(manageVerdict(admin, otherAdmin)).toEqual({ allowed: false, reason: "higherRole" });
    expect(manageVerdict(admin, superadmin)).toEqual({ allowed: false, reason: "higherRole" });
  });

  it("sends everyone to their profile for their own account", () => {
    expect(manageVerdict(superadmin, superadmin)).toEqual({ allowed: false, reason: "self" });
    expect(manageVerdict(admin, admin)).toEqual({ allowed: false, reason: "self" });
  });

  it("lets a customer manage nobody", () => {
    expect(manageVerdict(customer, { id: 6, role: "user" })).toEqual({ allowed: false, reason: "notAdmin" });
  });
});
