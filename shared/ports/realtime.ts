/** What a client needs to connect to the realtime service: `{url, accessToken}` (the SignalR negotiate redirect). */
export interface ConnectionInfo {
  url: string;
  accessToken: string;
}

/** Issues connection info whose user id is the authenticated user's, never one the client picked. */
export interface ConnectionInfoIssuer {
  issue(hub: string, userId: string): Promise<ConnectionInfo>;
}

/**
 * Group sends that leave out some connections (the data-plane REST API's `excluded`: the seeds' OthersInGroup).
 * The Functions output binding cannot express it, so these go to the service's REST API directly.
 */
export interface GroupSender {
  sendToGroup(
    hub: string,
    group: string,
    message: { target: string; arguments: unknown[] },
    excluded: readonly string[],
  ): Promise<void>;
  /** One send per user, resolved once the service took each: pushes the runtime awaits, in order (hub.ts `orderBy`). */
  sendToUsers(hub: string, users: readonly string[], message: { target: string; arguments: unknown[] }): Promise<void>;
  /**
   * Adds each user (their connections, now and later) to the group for `ttlSeconds`. Memberships with a TTL are not
   * subject to the service's limit of 100 TTL-less groups per user.
   */
  addUsersToGroup(hub: string, users: readonly string[], group: string, ttlSeconds: number): Promise<void>;
}
