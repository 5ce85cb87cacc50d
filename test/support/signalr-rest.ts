import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';

/**
 * A data-plane call on the SignalR emulator, as the service's REST API is called: drops every connection of a user
 * from the server side (Playwright's offline mode leaves open WebSockets alone). Answers the HTTP status.
 */
export async function closeConnectionsOf(signalrEndpoint: string, userId: string): Promise<number> {
  const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
  const path = `/api/hubs/messaging/users/${userId}/:closeConnections`;
  const token = await signSignalRToken({
    accessKey: conn.accessKey as string,
    audience: `${conn.audienceBase}${path.slice(1)}`,
    ttlSeconds: 60,
  });
  const r = await fetch(`${signalrEndpoint}${path}?api-version=2022-06-01`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return r.status;
}
