/**
 * Parsing of Azure SignalR Service connection strings (`Endpoint=…;Port=…;AccessKey=…;Version=1.0;`).
 * Kept apart from the app's parser (shared/adapters/signalr) on purpose: the emulator stands in for the Azure service,
 * a separate product with its own, stricter reading of the string, and must not change when the app's does.
 */

export interface ParsedConnectionString {
  /** `scheme://host[:port]`, Port applied, no trailing slash: where requests go. */
  endpoint: string;
  /** `scheme://host` without port: what token audiences are built from (the service SDK drops the port). */
  audienceBase: string;
  accessKey?: string;
  version?: string;
}

export function parseConnectionString(cs: string): ParsedConnectionString {
  const fields = new Map<string, string>();
  for (const part of cs.split(';')) {
    if (part.trim() === '') continue;
    // why: keys are case-insensitive and base64 access keys may end in '=', so split on the first '=' only
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`Invalid SignalR connection string: "${part.trim()}" is not key=value`);
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }

  const rawEndpoint = fields.get('endpoint');
  if (rawEndpoint === undefined || rawEndpoint === '')
    throw new Error('Invalid SignalR connection string: Endpoint is missing');
  let url: URL;
  try {
    url = new URL(rawEndpoint);
  } catch {
    throw new Error(`Invalid SignalR connection string: Endpoint "${rawEndpoint}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Invalid SignalR connection string: Endpoint must be http or https, got ${url.protocol}`);
  }

  const port = fields.get('port');
  if (port !== undefined && port !== '') {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
      throw new Error(`Invalid SignalR connection string: Port "${port}" is not a port number`);
    url.port = port;
  }

  const version = fields.get('version');
  if (version !== undefined && !/^1\.\d+/.test(version)) {
    throw new Error(`Invalid SignalR connection string: Version "${version}" is not supported (expected 1.x)`);
  }

  const path = url.pathname.replace(/\/+$/, '');
  const accessKey = fields.get('accesskey');
  return {
    endpoint: `${url.protocol}//${url.host}${path}`,
    audienceBase: `${url.protocol}//${url.hostname}${path}`,
    ...(accessKey !== undefined && accessKey !== '' && { accessKey }),
    ...(version !== undefined && { version }),
  };
}

/** The connection string a Functions app would be given for this emulator. */
export function buildConnectionString(endpoint: string, accessKey: string): string {
  const url = new URL(endpoint);
  const port = url.port === '' ? '' : `Port=${url.port};`;
  return `Endpoint=${url.protocol}//${url.hostname};${port}AccessKey=${accessKey};Version=1.0;`;
}
