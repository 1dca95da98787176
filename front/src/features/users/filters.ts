/** The users list's search, role and page, kept in the address like the products' and orders'. */
import { compactQuery, oneOf, parseOffset } from "@/lib/addressFilters";
import { USER_ROLES } from "@/lib/api/enums";

import type { UserListQuery } from "./queries";

export type UserFilters = UserListQuery;

export const NO_USER_FILTERS: UserFilters = { search: "", role: null, offset: 0 };

export function parseUserFilters(params: URLSearchParams): UserFilters {
  return {
    search: params.get("search")?.trim() ?? "",
    role: oneOf(USER_ROLES, params.get("role")),
    offset: parseOffset(params),
  };
}

/** The query string for `filters`, without the ones left at their default. */
export function userFiltersQuery(filters: UserFilters): string {
  return compactQuery({ ...filters, search: filters.search.trim() });
}
