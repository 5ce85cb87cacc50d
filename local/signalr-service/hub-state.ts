import type { WebSocket } from 'ws';
import { frame } from './hub-protocol.js';

export interface ClientConnection {
  id: string;
  hub: string;
  userId: string | undefined;
  claims: Record<string, unknown>;
  query: string;
  socket: WebSocket;
  groups: Set<string>;
}

/**
 * Who is connected to which hub, and group membership. A user's group membership is independent of live
 * connections (it applies to their connections now and later, with an optional expiry); a connection's own
 * membership ends with the connection.
 */
export class HubState {
  readonly connections = new Map<string, ClientConnection>();
  /** hub → userId → group → expiry ms (Infinity = none) */
  private readonly userGroups = new Map<string, Map<string, Map<string, number>>>();

  add(c: ClientConnection): void {
    this.connections.set(c.id, c);
  }

  remove(id: string): ClientConnection | undefined {
    const c = this.connections.get(id);
    this.connections.delete(id);
    return c;
  }

  inHub(hub: string): ClientConnection[] {
    return [...this.connections.values()].filter((c) => c.hub === hub);
  }

  private userGroupMap(hub: string, userId: string): Map<string, number> {
    const byUser = this.userGroups.get(hub) ?? new Map<string, Map<string, number>>();
    this.userGroups.set(hub, byUser);
    const groups = byUser.get(userId) ?? new Map<string, number>();
    byUser.set(userId, groups);
    for (const [g, until] of groups) if (until <= Date.now()) groups.delete(g);
    return groups;
  }

  addUserToGroup(hub: string, userId: string, group: string, ttlSeconds?: number): void {
    this.userGroupMap(hub, userId).set(group, ttlSeconds === undefined ? Infinity : Date.now() + ttlSeconds * 1000);
  }

  removeUserFromGroup(hub: string, userId: string, group?: string): void {
    const groups = this.userGroupMap(hub, userId);
    if (group === undefined) groups.clear();
    else groups.delete(group);
  }

  userInGroup(hub: string, userId: string, group: string): boolean {
    return this.userGroupMap(hub, userId).has(group);
  }

  /** Connections in a group, by their own membership or their user's; each at most once. */
  groupMembers(hub: string, group: string): ClientConnection[] {
    return this.inHub(hub).filter((c) => c.groups.has(group) || (c.userId !== undefined && this.userInGroup(hub, c.userId, group)));
  }

  groupExists(hub: string, group: string): boolean {
    return this.groupMembers(hub, group).length > 0;
  }

  ofUser(hub: string, userId: string): ClientConnection[] {
    return this.inHub(hub).filter((c) => c.userId === userId);
  }

  /** Sends one invocation to each connection; returns how many got it. */
  send(targets: ClientConnection[], target: string, args: unknown[], excluded: Set<string> = new Set()): number {
    const text = frame({ type: 1, target, arguments: args });
    let n = 0;
    for (const c of targets) {
      if (excluded.has(c.id) || c.socket.readyState !== c.socket.OPEN) continue;
      c.socket.send(text);
      n++;
    }
    return n;
  }
}
