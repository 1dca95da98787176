"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";

import { createApiClient, unwrap, type ApiClient, type Schemas } from "@/lib/api/client";
import { browserTabs, singleTab } from "@/lib/api/coordination";
import { AuthSession, type SessionStatus } from "@/lib/api/session";

export type User = Schemas["CurrentUserPublic"];
export type ProfileChanges = Schemas["UserUpdateMe"];
export type AuthStatus = "loading" | "signedIn" | "signedOut";

interface AuthContextValue {
  status: AuthStatus;
  user: User | null;
  isAdmin: boolean;
  /** Why the signed-in user could not be loaded (the session itself is fine). */
  userError: Error | null;
  retryUser(): void;
  api: ApiClient;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export const ME_QUERY_KEY = ["users", "me"] as const;
/** The shop's config (contexts/shop.tsx): the same for every visitor, so it outlives a session. */
export const SHOP_CONFIG_QUERY_KEY = ["config"] as const;

export function isAdminRole(role: User["role"]): boolean {
  return role === "admin" || role === "superadmin";
}

function authStatus(session: SessionStatus, user: User | undefined): AuthStatus {
  if (session === "signedOut") {
    return "signedOut";
  }
  return session === "signedIn" && user ? "signedIn" : "loading";
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  // One session per page; the server render gets its own, which never calls the API.
  const [session] = useState(
    () => new AuthSession({ tabs: typeof window === "undefined" ? singleTab : browserTabs() }),
  );
  const [api] = useState(() => createApiClient(session));
  const sessionStatus = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.status,
    () => "unknown" as const,
  );

  useEffect(() => {
    // A page load: the refresh cookie, if any, brings the session back.
    if (session.status === "unknown") {
      void session.refresh();
    }
  }, [session]);

  useEffect(() => {
    if (sessionStatus === "signedOut") {
      // Nothing fetched for the previous user may show to the next one. The shop's config,
      // asked by public screens too, stays: removing it would also cancel its first fetch,
      // which waits for the page load's refresh to tell signed in from out.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SHOP_CONFIG_QUERY_KEY[0] });
    }
  }, [sessionStatus, queryClient]);

  const me = useQuery({
    queryKey: ME_QUERY_KEY,
    queryFn: () => unwrap(api.GET("/api/users/me")),
    enabled: sessionStatus === "signedIn",
    staleTime: 60_000,
  });

  const signIn = useCallback(
    async (username: string, password: string) => {
      await session.login(username, password);
      await queryClient.fetchQuery({
        queryKey: ME_QUERY_KEY,
        queryFn: () => unwrap(api.GET("/api/users/me")),
      });
    },
    [session, api, queryClient],
  );
  const signOut = useCallback(() => session.logout(), [session]);
  const { refetch } = me;
  const retryUser = useCallback(() => void refetch(), [refetch]);

  const user = sessionStatus === "signedIn" ? (me.data ?? null) : null;
  const value = useMemo<AuthContextValue>(
    () => ({
      status: authStatus(sessionStatus, me.data),
      user,
      isAdmin: user !== null && isAdminRole(user.role),
      userError: sessionStatus === "signedIn" ? me.error : null,
      retryUser,
      api,
      signIn,
      signOut,
    }),
    [sessionStatus, me.data, me.error, user, retryUser, api, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) {
    throw new Error("useAuth needs an <AuthProvider>");
  }
  return value;
}

/** The typed API client of the current session. */
export function useApi(): ApiClient {
  return useAuth().api;
}

/** Changes the signed-in user's own account; the answer becomes the current user. */
export function useUpdateProfile() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: ProfileChanges) => unwrap(api.PATCH("/api/users/me", { body: changes })),
    onSuccess: (user) => queryClient.setQueryData(ME_QUERY_KEY, user),
  });
}
