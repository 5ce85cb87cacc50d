/** What a client needs to connect to the realtime service: `{url, accessToken}` (the SignalR negotiate redirect). */
export interface ConnectionInfo {
  url: string;
  accessToken: string;
}

/** Issues connection info whose user id is the authenticated user's, never one the client picked. */
export interface ConnectionInfoIssuer {
  issue(hub: string, userId: string): Promise<ConnectionInfo>;
}
