/**
 * Refresh tokens rotate, and presenting a used one revokes the whole family, so two tabs must
 * never refresh with the same cookie at once. Where the browser has the Web Locks API (secure
 * contexts), refreshes are serialised across tabs; a sign-out is announced to every tab.
 */

export interface TabCoordinator {
  /** Run `task` while no other tab runs one under the same coordinator. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  announceSignOut(): void;
  /** Calls `listener` when another tab signs out; returns the unsubscribe function. */
  onSignOut(listener: () => void): () => void;
}

const LOCK_NAME = "order_system.auth.refresh";
const CHANNEL_NAME = "order_system.auth";
const SIGNED_OUT = "signed-out";

/** For a single context (tests, server rendering): no other tab to coordinate with. */
export const singleTab: TabCoordinator = {
  exclusive: (task) => task(),
  announceSignOut: () => undefined,
  onSignOut: () => () => undefined,
};

export function browserTabs(): TabCoordinator {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  const channel =
    typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(CHANNEL_NAME) : null;
  return {
    exclusive: async (task) => (locks ? await locks.request(LOCK_NAME, task) : task()),
    announceSignOut: () => channel?.postMessage(SIGNED_OUT),
    onSignOut: (listener) => {
      if (!channel) {
        return () => undefined;
      }
      const handle = (event: MessageEvent<unknown>) => {
        if (event.data === SIGNED_OUT) {
          listener();
        }
      };
      channel.addEventListener("message", handle);
      return () => channel.removeEventListener("message", handle);
    },
  };
}
