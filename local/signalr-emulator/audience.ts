/**
 * Lenient audience checks. The service SDK builds audiences from the connection string with the port
 * dropped (`http://localhost/client/?hub=chat`), REST audiences carry `?api-version=…` while the docs say
 * "request URL without query". So: scheme http(s), host equal (loopback names are one host), port,
 * trailing slash and (for REST) the query are ignored; path and hub must match.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function sameHost(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || (LOOPBACK.has(x) && LOOPBACK.has(y));
}

function parse(aud: string, hosts: readonly string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(aud);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return hosts.some((h) => sameHost(h, url.hostname)) ? url : undefined;
}

const trimSlash = (path: string): string => path.replace(/\/+$/, '');

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** `<scheme>://<host>/client/?hub=<hub>` (hub compared case-insensitively, as the service lower-cases it). */
export function isClientAudience(aud: string, hub: string, hosts: readonly string[]): boolean {
  const url = parse(aud, hosts);
  if (url === undefined) return false;
  return (
    trimSlash(url.pathname).toLowerCase() === '/client' &&
    (url.searchParams.get('hub') ?? '').toLowerCase() === hub.toLowerCase()
  );
}

/** `<scheme>://<host><request path>[?…]`, paths compared after percent-decoding, case-insensitively. */
export function isRestAudience(aud: string, requestPath: string, hosts: readonly string[]): boolean {
  const url = parse(aud, hosts);
  if (url === undefined) return false;
  return trimSlash(decodePath(url.pathname)).toLowerCase() === trimSlash(decodePath(requestPath)).toLowerCase();
}
