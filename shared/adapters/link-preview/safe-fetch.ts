/**
 * Fetching a page someone named in a chat message, without letting that someone reach our network (SSRF):
 *   - http and https only; ports 80 and 443 unless the host is opened by LINK_PREVIEW_ALLOWED_HOSTS;
 *   - every hop's host is resolved once, every answer must be a public unicast address (no private, loopback,
 *     link-local incl. 169.254.169.254, CGNAT, multicast, unspecified, reserved, nor their IPv6 forms, incl.
 *     IPv4-mapped, NAT64 and 6to4), and the connection goes to that very address (a custom `lookup`: no second DNS
 *     answer can rebind it) while Host and SNI keep the name;
 *   - redirects are followed by hand, each hop checked again, at most `maxRedirects`;
 *   - one deadline for the whole fetch, a byte cap (the download is cut there), HTML content types only.
 * Hosts opened by the allow-list skip the port and address rules (a local test server, an intranet wiki).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** DNS as the fetcher sees it; injectable so tests decide every answer (and never dial outside 127.0.0.0/8). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** One LINK_PREVIEW_ALLOWED_HOSTS entry: a host, with a port or (undefined) any port. */
export interface HostRule {
  host: string;
  port?: number;
}

export interface SafeFetchOptions {
  resolve?: Resolver;
  allowedHosts?: HostRule[];
  /** Ports any public host may be fetched on (default 80 and 443). */
  ports?: number[];
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  /** Trusted roots for https instead of Node's (tests with their own certificate authority). */
  ca?: string;
}

export type FetchResult =
  | { ok: true; url: string; contentType: string; body: string; truncated: boolean }
  | { ok: false; reason: string };

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Public unicast only: every special-purpose range of either family is refused (ipaddr.js's range table). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // why: process() turns ::ffff:a.b.c.d into a.b.c.d, so a mapped private address is judged as the IPv4 it is
  return ipaddr.process(address).range() === 'unicast';
}

class Refused extends Error {}

export class SafeFetcher {
  private readonly resolve: Resolver;
  private readonly allowed: HostRule[];
  private readonly ports: number[];
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxRedirects: number;
  private readonly userAgent: string;
  private readonly ca: string | undefined;

  constructor(opts: SafeFetchOptions = {}) {
    this.resolve = opts.resolve ?? systemResolver;
    this.allowed = opts.allowedHosts ?? [];
    this.ports = opts.ports ?? [80, 443];
    this.timeoutMs = opts.timeoutMs ?? 3_000;
    this.maxBytes = opts.maxBytes ?? 512 * 1024;
    this.maxRedirects = opts.maxRedirects ?? 3;
    this.userAgent = opts.userAgent ?? 'chat-backend-link-preview/1.0';
    this.ca = opts.ca;
  }

  /** The page at `url`, or why not. Never throws. */
  async fetch(url: string): Promise<FetchResult> {
    const deadline = Date.now() + this.timeoutMs;
    let current = url;
    try {
      for (let hop = 0; ; hop++) {
        const response = await this.hop(current, deadline);
        const location = response.headers.location;
        if (REDIRECTS.has(response.statusCode ?? 0) && location !== undefined) {
          response.destroy();
          if (hop >= this.maxRedirects) throw new Refused(`more than ${this.maxRedirects} redirects`);
          if (!URL.canParse(location, current)) throw new Refused('a redirect to something that is not a URL');
          current = new URL(location, current).toString();
          continue;
        }
        return await this.read(current, response, deadline);
      }
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  private isAllowed(host: string, port: number): boolean {
    return this.allowed.some((r) => r.host === host && (r.port === undefined || r.port === port));
  }

  /** Checks the URL and its addresses, then sends one GET to the checked address. */
  private async hop(url: string, deadline: number): Promise<IncomingMessage> {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Refused(`${u.protocol} URLs are not fetched`);
    if (u.username !== '' || u.password !== '') throw new Refused('URLs with credentials are not fetched');
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    const opened = this.isAllowed(host, port);
    if (!opened && !this.ports.includes(port)) throw new Refused(`port ${port} is not fetched`);
    const addresses: ResolvedAddress[] =
      isIP(host) === 0 ? await this.resolve(host) : [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
    if (addresses.length === 0) throw new Refused(`${host} has no address`);
    if (!opened) {
      const inner = addresses.find((a) => !isPublicAddress(a.address));
      if (inner) throw new Refused(`${host} resolves to a non-public address (${inner.address})`);
    }
    const target = addresses[0] as ResolvedAddress;
    // why: the socket goes to the address just checked; Node would otherwise resolve the name again (rebinding)
    const pinned = ((_name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options.all) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    }) as unknown as LookupFunction;
    const options: RequestOptions & { servername?: string; ca?: string } = {
      protocol: u.protocol,
      hostname: host,
      port,
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      lookup: pinned,
      // why: a pooled socket could have been opened to another address of this name
      agent: false,
      headers: {
        host: u.host,
        'user-agent': this.userAgent,
        accept: 'text/html,application/xhtml+xml;q=0.9',
        'accept-encoding': 'identity',
      },
      ...(u.protocol === 'https:' && isIP(host) === 0 && { servername: host }),
      ...(u.protocol === 'https:' && this.ca !== undefined && { ca: this.ca }),
    };
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const req: ClientRequest = (u.protocol === 'https:' ? httpsRequest : httpRequest)(options, resolve);
      const left = deadline - Date.now();
      const timer = setTimeout(() => req.destroy(new Refused('the page took too long')), Math.max(0, left));
      req.on('response', () => clearTimeout(timer));
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
  }

  /** Reads an HTML body up to the byte cap (the download is cut there) before the deadline. */
  private read(url: string, response: IncomingMessage, deadline: number): Promise<FetchResult> {
    const status = response.statusCode ?? 0;
    const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (status < 200 || status >= 300) {
      response.destroy();
      return Promise.resolve({ ok: false, reason: `the page answered ${status}` });
    }
    if (!HTML_TYPES.has(type)) {
      response.destroy();
      return Promise.resolve({ ok: false, reason: `not HTML (${type || 'no content type'})` });
    }
    const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(response.headers['content-type'] ?? '')?.[1] ?? 'utf-8';
    return new Promise<FetchResult>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (truncated: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        response.destroy();
        resolve({ ok: true, url, contentType: type, body: decode(Buffer.concat(chunks), charset), truncated });
      };
      const fail = (reason: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        response.destroy();
        resolve({ ok: false, reason });
      };
      const timer = setTimeout(() => fail('the page took too long'), Math.max(0, deadline - Date.now()));
      response.on('data', (chunk: Buffer) => {
        const room = this.maxBytes - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // why: the head (where the tags are) comes first; the rest of a huge page is not worth the bytes
        if (size >= this.maxBytes) finish(true);
      });
      response.on('end', () => finish(false));
      response.on('error', (e) => fail(e.message));
      response.on('aborted', () => fail('the connection was cut'));
    });
  }
}

function decode(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
