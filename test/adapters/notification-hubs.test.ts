import { createHmac } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installationIdOf, NotificationHubsPushSender, userTag } from '../../shared/adapters/push/notification-hubs.js';
import { collapseKeyOf, type PushNotification } from '../../shared/domain/push.js';
import { selfSignedCertificate } from '../support/tls.js';

/*
 * The Notification Hubs adapter, through the real SDK, against a local HTTPS fake of the part of the hub's REST API
 * the SDK calls (api-version 2020-06): installations PUT / GET / DELETE and POST messages. The fake checks the SAS
 * token each request carries (HMAC-SHA256 of audience + expiry with the policy key) and keeps installations like the
 * hub, so the test asserts the requests the SDK makes and what the hub would hold.
 */

const HUB = 'chat-hub';
const KEY_NAME = 'DefaultFullSharedAccessSignature';
const KEY = 'c2VjcmV0LWtleS1mb3ItdGhlLWZha2UtaHVi';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
const installations = new Map<string, Record<string, unknown>>();

/** The SAS token as the hub checks it: signature over the lower-cased, encoded audience and the expiry. */
function authorized(header: string | undefined): boolean {
  const m = /^SharedAccessSignature sr=([^&]+)&sig=([^&]+)&se=(\d+)&skn=([^&]+)$/.exec(header ?? '');
  if (!m) return false;
  const [, sr = '', sig = '', se = '', skn = ''] = m;
  const expected = createHmac('sha256', KEY).update(`${sr}\n${se}`).digest('base64');
  return decodeURIComponent(skn) === KEY_NAME && decodeURIComponent(sig) === expected && Number(se) > Date.now() / 1000;
}

let tls: { key: string; cert: string };

beforeAll(async () => {
  // why: the client trusts exactly this certificate (the SDK's tlsOptions)
  tls = selfSignedCertificate('127.0.0.1', 'IP:127.0.0.1');
  server = createServer(tls, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      seen.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      });
      if (!authorized(req.headers.authorization)) {
        res.writeHead(401).end('<Error><Code>401</Code><Detail>bad token</Detail></Error>');
        return;
      }
      const inst = /^\/chat-hub\/installations\/([^/]+)$/.exec(url.pathname);
      if (inst?.[1]) {
        const id = inst[1];
        if (req.method === 'PUT') {
          installations.set(id, JSON.parse(body) as Record<string, unknown>);
          res.writeHead(200).end();
        } else if (req.method === 'GET') {
          const found = installations.get(id);
          if (found) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found));
          else res.writeHead(404).end('<Error><Code>404</Code><Detail>Installation not found</Detail></Error>');
        } else if (req.method === 'DELETE') {
          installations.delete(id);
          res.writeHead(204).end();
        } else res.writeHead(405).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/chat-hub/messages/') {
        res
          .writeHead(201, { TrackingId: 'track-1', Location: `${endpoint}${HUB}/messages/n-1?api-version=2020-06` })
          .end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `sb://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  installations.clear();
});

const sender = () =>
  new NotificationHubsPushSender(`Endpoint=${endpoint};SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${KEY}`, HUB, {
    tlsOptions: { ca: tls.cert },
  });

const push: PushNotification = {
  userId: 'bob@example.com',
  conversationId: 'c1',
  messageId: 'c1:m7',
  seq: 7,
  title: 'Team <chat>',
  body: 'see you at "8" & later',
  badge: 3,
  collapseKey: collapseKeyOf('c1'),
};

describe('Notification Hubs push adapter (real SDK, local fake of the REST API)', () => {
  it('when devices of each platform register, then each is one installation (PUT, api-version 2020-06, signed) tagged with its user, with the platform and channel the hub expects', async () => {
    const nh = sender();
    await nh.register('bob@example.com', { deviceId: 'ios-1', platform: 'apns', token: 'apns-token' });
    await nh.register('bob@example.com', { deviceId: 'android-1', platform: 'fcm', token: 'fcm-token' });
    await nh.register('bob@example.com', { deviceId: 'pc-1', platform: 'wns', token: 'https://wns.example/ch' });
    const sub = { endpoint: 'https://push.example/s/1', keys: { p256dh: 'p-key', auth: 'a-key' } };
    await nh.register('bob@example.com', { deviceId: 'web-1', platform: 'web', token: JSON.stringify(sub) });
    expect(seen.map((s) => [s.method, s.query['api-version']])).toEqual(Array(4).fill(['PUT', '2020-06']));
    expect(seen.every((s) => s.headers['x-ms-version'] === '2020-06')).toBe(true);
    const tag = userTag('bob@example.com');
    expect(tag).toMatch(/^user:[0-9a-f]{40}$/);
    expect(installations.get(installationIdOf('bob@example.com', 'ios-1'))).toMatchObject({
      platform: 'apns',
      pushChannel: 'apns-token',
      tags: [tag],
    });
    expect(installations.get(installationIdOf('bob@example.com', 'android-1'))).toMatchObject({
      platform: 'fcmv1',
      pushChannel: 'fcm-token',
    });
    expect(installations.get(installationIdOf('bob@example.com', 'pc-1'))).toMatchObject({ platform: 'wns' });
    expect(installations.get(installationIdOf('bob@example.com', 'web-1'))).toMatchObject({
      platform: 'browser',
      pushChannel: { endpoint: sub.endpoint, p256dh: 'p-key', auth: 'a-key' },
    });
    // a token registered again overwrites the same installation
    await nh.register('bob@example.com', { deviceId: 'ios-1', platform: 'apns', token: 'apns-token-2' });
    expect(installations.size).toBe(4);
    expect(installations.get(installationIdOf('bob@example.com', 'ios-1'))).toMatchObject({
      pushChannel: 'apns-token-2',
    });
  });

  it('when a web token is not a push subscription, then registering is refused with a validation error and nothing is sent', async () => {
    await expect(sender().register('bob', { deviceId: 'w', platform: 'web', token: 'not-json' })).rejects.toMatchObject(
      { kind: 'validation', code: 'DEVICE.BAD_WEB_TOKEN' },
    );
    expect(seen).toEqual([]);
  });

  it('when a push is sent, then each platform gets its own native payload sent to the user tag: title, body, badge, collapse key / thread id', async () => {
    await sender().send(push);
    const sends = seen.filter((s) => s.method === 'POST');
    expect(sends).toHaveLength(4);
    for (const s of sends) {
      expect(s.path).toBe(`/${HUB}/messages/`);
      expect(s.headers['servicebusnotification-tags']).toBe(userTag('bob@example.com'));
    }
    const byFormat = Object.fromEntries(sends.map((s) => [s.headers['servicebusnotification-format'], s]));
    expect(Object.keys(byFormat).sort()).toEqual(['apple', 'browser', 'fcmv1', 'windows']);

    const apple = byFormat.apple as Seen;
    expect(JSON.parse(apple.body)).toEqual({
      aps: {
        alert: { title: 'Team <chat>', body: 'see you at "8" & later' },
        badge: 3,
        sound: 'default',
        'thread-id': 'conversation:c1',
      },
      conversationId: 'c1',
      messageId: 'c1:m7',
      seq: '7',
    });
    expect(apple.headers['apns-push-type']).toBe('alert');
    const collapse = apple.headers['apns-collapse-id'];
    expect(collapse).toMatch(/^[0-9a-f]{32}$/);

    const fcm = JSON.parse((byFormat.fcmv1 as Seen).body);
    expect(fcm.message.notification).toEqual({ title: 'Team <chat>', body: 'see you at "8" & later' });
    expect(fcm.message.android).toEqual({
      collapse_key: collapse,
      notification: { tag: 'conversation:c1', notification_count: 3 },
    });
    expect(fcm.message.data).toEqual({ conversationId: 'c1', messageId: 'c1:m7', seq: '7' });

    const wns = byFormat.windows as Seen;
    expect(wns.headers['x-wns-type']).toBe('wns/toast');
    expect(wns.headers['x-wns-tag']).toBe(String(collapse).slice(0, 16));
    expect(wns.body).toContain('<text>Team &lt;chat&gt;</text><text>see you at &quot;8&quot; &amp; later</text>');

    expect(JSON.parse((byFormat.browser as Seen).body)).toMatchObject({
      title: 'Team <chat>',
      badge: 3,
      tag: 'conversation:c1',
    });

    // another conversation collapses under another key
    seen = [];
    await sender().send({ ...push, conversationId: 'c2', collapseKey: collapseKeyOf('c2') });
    const other = seen.find((s) => s.headers['servicebusnotification-format'] === 'apple');
    expect(other?.headers['apns-collapse-id']).not.toBe(collapse);
  });

  it('when a device is unregistered, then its installation is read (it must carry the user tag) and deleted; an unknown device or another user’s gives false and deletes nothing', async () => {
    const nh = sender();
    await nh.register('bob', { deviceId: 'ios-1', platform: 'apns', token: 't' });
    seen = [];
    expect(await nh.unregister('bob', 'ios-1')).toBe(true);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'DELETE']);
    expect(installations.size).toBe(0);
    expect(await nh.unregister('bob', 'ios-1')).toBe(false);
    await nh.register('bob', { deviceId: 'ios-2', platform: 'apns', token: 't' });
    // same device id, other user: another installation id, so nothing of bob's is touched
    expect(await nh.unregister('mallory', 'ios-2')).toBe(false);
    expect(installations.size).toBe(1);
  });

  it('when the policy key is wrong, then the hub refuses the request and the adapter fails (no silent drop)', async () => {
    const bad = new NotificationHubsPushSender(
      `Endpoint=${endpoint};SharedAccessKeyName=${KEY_NAME};SharedAccessKey=wrong`,
      HUB,
      { tlsOptions: { ca: tls.cert }, retryOptions: { maxRetries: 0 } },
    );
    await expect(bad.send(push)).rejects.toMatchObject({ statusCode: 401 });
  });
});
