/** Where to go after signing in: only a path on this site, never `//elsewhere` or a URL. */
export function safeNextPath(next: string | null | undefined, fallback = "/products"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return fallback;
  }
  return next;
}

export function signInPath(returnTo: string): string {
  return `/login?next=${encodeURIComponent(returnTo)}`;
}
