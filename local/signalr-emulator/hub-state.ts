/** Who is connected to a hub, and who is in which group (by connection and by user). */

export interface LiveConnection {
  readonly connectionId: string;
  readonly userId: string | undefined;
  /** Writes one or more already-framed hub messages. */
  send(frames: string): void;
  /** Sends a Close message and closes the socket. */
  close(reason: string | undefined, allowReconnect: boolean): void;
}

/** why: the service keeps TTL-less user memberships up to a year and only the latest 100 per user. */
const DEFAULT_USER_GROUP_TTL_MS = 365 * 24 * 3600 * 1000;
const MAX_TTLLESS_GROUPS_PER_USER = 100;

interface UserMembership {
  expiresAt: number;
  hasTtl: boolean;
}

const addTo = <K, V>(map: Map<K, Set<V>>, key: K, value: V): void => {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
};

const removeFrom = <K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean => {
  const set = map.get(key);
  if (set === undefined || !set.delete(value)) return false;
  if (set.size === 0) map.delete(key);
  return true;
};

export class HubState {
  private readonly connections = new Map<string, LiveConnection>();
  private readonly userConnections = new Map<string, Set<string>>();
  /** Connection → group memberships; they end with the connection. */
  private readonly connectionGroups = new Map<string, Set<string>>();
  private readonly groupConnections = new Map<string, Set<string>>();
  /** User → group memberships; independent of live connections, applied to current and future ones. */
  private readonly userGroups = new Map<string, Map<string, UserMembership>>();
  private readonly groupUsers = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.connections.size;
  }

  add(conn: LiveConnection): void {
    this.connections.set(conn.connectionId, conn);
    if (conn.userId !== undefined) addTo(this.userConnections, conn.userId, conn.connectionId);
  }

  remove(connectionId: string): void {
    const conn = this.connections.get(connectionId);
    if (conn === undefined) return;
    this.removeConnectionFromAllGroups(connectionId);
    this.connections.delete(connectionId);
    if (conn.userId !== undefined) removeFrom(this.userConnections, conn.userId, connectionId);
  }

  get(connectionId: string): LiveConnection | undefined {
    return this.connections.get(connectionId);
  }

  all(): LiveConnection[] {
    return [...this.connections.values()];
  }

  connectionsOfUser(userId: string): LiveConnection[] {
    return [...(this.userConnections.get(userId) ?? [])].flatMap((id) => this.connections.get(id) ?? []);
  }

  hasUser(userId: string): boolean {
    return this.userConnections.has(userId);
  }

  addConnectionToGroup(connectionId: string, group: string): boolean {
    if (!this.connections.has(connectionId)) return false;
    addTo(this.connectionGroups, connectionId, group);
    addTo(this.groupConnections, group, connectionId);
    return true;
  }

  removeConnectionFromGroup(connectionId: string, group: string): void {
    removeFrom(this.connectionGroups, connectionId, group);
    removeFrom(this.groupConnections, group, connectionId);
  }

  removeConnectionFromAllGroups(connectionId: string): void {
    for (const group of this.connectionGroups.get(connectionId) ?? [])
      removeFrom(this.groupConnections, group, connectionId);
    this.connectionGroups.delete(connectionId);
  }

  /** `ttlSeconds` 0 adds only the user's current connections (as the service documents); absent = no TTL. */
  addUserToGroup(userId: string, group: string, ttlSeconds?: number): void {
    if (ttlSeconds === 0) {
      for (const conn of this.connectionsOfUser(userId)) this.addConnectionToGroup(conn.connectionId, group);
      return;
    }
    let groups = this.userGroups.get(userId);
    if (groups === undefined) this.userGroups.set(userId, (groups = new Map<string, UserMembership>()));
    const hasTtl = ttlSeconds !== undefined;
    groups.delete(group); // why: re-adding moves it to the end, so "latest 100" eviction stays insertion-ordered
    groups.set(group, { expiresAt: this.now() + (hasTtl ? ttlSeconds * 1000 : DEFAULT_USER_GROUP_TTL_MS), hasTtl });
    addTo(this.groupUsers, group, userId);
    const ttlLess = [...groups].filter(([, m]) => !m.hasTtl);
    for (const [old] of ttlLess.slice(0, Math.max(0, ttlLess.length - MAX_TTLLESS_GROUPS_PER_USER)))
      this.dropUserMembership(userId, old);
  }

  /** Also drops the group from the user's live connections, so the user stops receiving it at all. */
  removeUserFromGroup(userId: string, group: string): void {
    this.dropUserMembership(userId, group);
    for (const conn of this.connectionsOfUser(userId)) this.removeConnectionFromGroup(conn.connectionId, group);
  }

  removeUserFromAllGroups(userId: string): void {
    for (const group of [...(this.userGroups.get(userId)?.keys() ?? [])]) this.dropUserMembership(userId, group);
    for (const conn of this.connectionsOfUser(userId)) this.removeConnectionFromAllGroups(conn.connectionId);
  }

  isUserInGroup(userId: string, group: string): boolean {
    if (this.activeMembership(userId, group)) return true;
    return this.connectionsOfUser(userId).some((c) => this.connectionGroups.get(c.connectionId)?.has(group) === true);
  }

  /** Live connections in the group by connection or by user, each once. */
  groupMembers(group: string): LiveConnection[] {
    const ids = new Set(this.groupConnections.get(group));
    for (const userId of [...(this.groupUsers.get(group) ?? [])]) {
      if (!this.activeMembership(userId, group)) continue;
      for (const id of this.userConnections.get(userId) ?? []) ids.add(id);
    }
    return [...ids].flatMap((id) => this.connections.get(id) ?? []);
  }

  private activeMembership(userId: string, group: string): boolean {
    const membership = this.userGroups.get(userId)?.get(group);
    if (membership === undefined) return false;
    if (membership.expiresAt > this.now()) return true;
    this.dropUserMembership(userId, group);
    return false;
  }

  private dropUserMembership(userId: string, group: string): void {
    const groups = this.userGroups.get(userId);
    if (groups?.delete(group) === true && groups.size === 0) this.userGroups.delete(userId);
    removeFrom(this.groupUsers, group, userId);
  }
}

/** Hub states by lower-cased hub name (the service treats hub names case-insensitively). */
export class HubRegistry {
  private readonly hubs = new Map<string, HubState>();

  get(hub: string): HubState {
    const key = hub.toLowerCase();
    let state = this.hubs.get(key);
    if (state === undefined) this.hubs.set(key, (state = new HubState()));
    return state;
  }

  all(): HubState[] {
    return [...this.hubs.values()];
  }

  get connectionCount(): number {
    return this.all().reduce((n, h) => n + h.size, 0);
  }
}

/** Hub name rule of the service (`ParameterValidator`). */
export const HUB_NAME = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;
export const isValidHub = (hub: string): boolean => HUB_NAME.test(hub);
export const isValidGroup = (group: string): boolean => group.length >= 1 && group.length <= 1024;
