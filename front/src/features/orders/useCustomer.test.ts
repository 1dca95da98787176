import { describe, expect, it } from "vitest";

import { exactUsername } from "./useCustomer";

const found = [{ username: "demo1.ana10" }, { username: "demo1.ana1" }, { username: "Demo1.Ana" }];

describe("exactUsername", () => {
  it("picks the whole username among the search's partial matches", () => {
    expect(exactUsername(found, "demo1.ana1")).toBe(found[1]);
  });

  it("ignores case and surrounding spaces, as usernames are unique in any case", () => {
    expect(exactUsername(found, "  DEMO1.ANA ")).toBe(found[2]);
  });

  it("finds nothing for a mere part of a username", () => {
    expect(exactUsername(found, "demo1")).toBeUndefined();
  });
});
