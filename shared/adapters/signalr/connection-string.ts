import { connectionStringFields } from '../../domain/connection-string.js';

/** The parts of an Azure SignalR connection string (`Endpoint=...;AccessKey=...;Version=1.0;[Port=...;][ClientEndpoint=...]`). */
export interface SignalRConnection {
  /** Where REST calls go, with the port, without a trailing slash. */
  endpoint: string;
  /** Where clients connect (ClientEndpoint, else endpoint). */
  clientEndpoint: string;
  /** scheme://host/ with no port: the base of token audiences, as the service computes it. */
  audienceBase: string;
  accessKey: string | undefined;
}

export function parseSignalRConnectionString(cs: string): SignalRConnection {
  const parts = connectionStringFields(cs);
  const raw = parts.get('endpoint');
  if (!raw) throw new Error('SignalR connection string has no Endpoint');
  const url = new URL(raw);
  const port = parts.get('port');
  if (port !== undefined) url.port = port;
  const endpoint = url.toString().replace(/\/+$/, '');
  const client = parts.get('clientendpoint');
  return {
    endpoint,
    clientEndpoint: client ? client.replace(/\/+$/, '') : endpoint,
    audienceBase: `${url.protocol}//${url.hostname}/`,
    accessKey: parts.get('accesskey'),
  };
}
