import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { sweepAttachments } from '../../shared/app/attachments-lifecycle.js';
import { getRuntime } from '../../shared/runtime/container.js';
import { apiClient, expectProblem, M } from '../support/api.js';
import { photoWithGps, risingToneWav, tone } from '../support/media.js';

const MAX = 10 * 1024 * 1024;

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let n = 0;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, signalrPort: 0, blobs: true, quiet: true });
  api = apiClient(stack.baseUrl);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function person(name: string): Promise<{ id: string; token: string }> {
  const id = `${name}-${++n}-${Date.now().toString(36)}`;
  return { id, token: await api.token(id) };
}

async function upload(
  token: string,
  file: Uint8Array,
  opts: { type: string; fileName?: string; mimeType?: string; conversationId?: string; field?: string; route?: string },
) {
  const form = new FormData();
  if (opts.route !== 'voice') form.set('type', opts.type);
  else form.set('duration', '1');
  if (opts.conversationId) form.set('conversationId', opts.conversationId);
  form.set(
    opts.field ?? (opts.route === 'voice' ? 'audio' : 'file'),
    new Blob([file], { type: opts.mimeType ?? '' }),
    opts.fileName ?? 'file.bin',
  );
  const res = await fetch(`${stack.baseUrl}/api/${M}/attachments/${opts.route ?? 'upload'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : undefined,
    contentType: res.headers.get('content-type'),
  };
}

/** The bytes of a variant, through the API's read SAS. */
async function readVariant(token: string, id: string, variant = 'original'): Promise<Buffer> {
  const r = await api.call('GET', `${M}/attachments/${id}?variant=${variant}&format=json`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const blob = await fetch(r.body.url);
  expect(blob.status).toBe(200);
  return Buffer.from(await blob.arrayBuffer());
}

async function group(owner: { token: string }, others: { id: string }[]): Promise<string> {
  const c = await api.call('POST', `${M}/conversations`, {
    token: owner.token,
    body: { type: 'group', title: 'files', participants: others.map((o) => o.id) },
  });
  expect(c.status, JSON.stringify(c.body)).toBeLessThan(300);
  return c.body.conversationId;
}

const send = (token: string, conversationId: string, body: unknown) =>
  api.call('POST', `${M}/conversations/${conversationId}/messages`, { token, body });

describe('attachments: upload, process, attach, read (Azurite, real SDK)', () => {
  it('when a photo with EXIF/GPS is uploaded, then it is re-encoded without metadata and full/thumb/micro have the promised sizes', async () => {
    const alice = await person('alice');
    const photo = await photoWithGps(3000, 2000);
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const r = await upload(alice.token, photo, { type: 'image', fileName: 'beach.jpg', mimeType: 'image/jpeg' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.url).toBe(`/api/v1/messaging/attachments/${r.body.attachmentId}`);
    expect(r.body.thumbnailUrl).toBe(`${r.body.url}?variant=thumb`);
    expect(r.body.metadata).toMatchObject({ type: 'image', mimeType: 'image/jpeg', width: 3000, height: 2000 });
    const sizes: Record<string, [number, number]> = {};
    for (const v of ['original', 'full', 'thumb', 'micro']) {
      const bytes = await readVariant(alice.token, r.body.attachmentId, v);
      const meta = await sharp(bytes).metadata();
      expect(meta.exif, `${v} has no EXIF`).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      sizes[v] = [meta.width ?? 0, meta.height ?? 0];
    }
    expect(sizes).toEqual({ original: [3000, 2000], full: [1620, 1080], thumb: [400, 267], micro: [50, 50] });
  }, 60_000);

  it('when a voice note (WAV tone rising in loudness) is uploaded, then duration and a 64-point waveform are measured from the audio', async () => {
    const alice = await person('alice');
    const r = await upload(alice.token, risingToneWav(3), {
      type: 'audio',
      route: 'voice',
      fileName: 'note.wav',
      mimeType: 'audio/wav',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.url).toContain(r.body.attachmentId);
    expect(r.body.durationSeconds).toBeCloseTo(3, 1);
    const w: number[] = r.body.waveform;
    expect(w).toHaveLength(64);
    expect(Math.max(...w)).toBe(1);
    expect(w.every((v) => v >= 0 && v <= 1)).toBe(true);
    // a tone that grows louder: the first points are quiet, the last loud, and it rises on the whole
    expect(w[1]).toBeLessThan(0.1);
    expect(w[63]).toBeGreaterThan(0.95);
    expect(w[48]).toBeGreaterThan(w[16] ?? 1);
  }, 60_000);

  it.each(['mp3', 'ogg', 'm4a'] as const)(
    'when a %s voice note is uploaded, then its duration and waveform are measured',
    async (format) => {
      const alice = await person('alice');
      const r = await upload(alice.token, tone(format, 2), { type: 'audio', route: 'voice', fileName: `v.${format}` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.durationSeconds).toBeGreaterThan(1.8);
      expect(r.body.durationSeconds).toBeLessThan(2.3);
      expect(r.body.waveform).toHaveLength(64);
      // a steady tone: loud almost everywhere
      expect(r.body.waveform.filter((v: number) => v > 0.7).length).toBeGreaterThan(55);
    },
    60_000,
  );

  it('when a renamed executable or a file of another type is uploaded, then it is refused with a clear detail and nothing is kept', async () => {
    const alice = await person('alice');
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 1)]);
    const exe = await upload(alice.token, elf, { type: 'image', fileName: 'cat.jpg', mimeType: 'image/jpeg' });
    expectProblem(exe as never, 400, /application\/x-elf.*image attachments must be one of/);
    expect(exe.body.code).toBe('ATTACHMENT.TYPE_NOT_ALLOWED');
    const pe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(2048)]);
    const asPdf = await upload(alice.token, pe, {
      type: 'document',
      fileName: 'invoice.pdf',
      mimeType: 'application/pdf',
    });
    expectProblem(asPdf as never, 400);
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const mismatch = await upload(alice.token, png, { type: 'image', fileName: 'a.jpg', mimeType: 'image/jpeg' });
    expectProblem(mismatch as never, 400, /declared image\/jpeg but its content is image\/png/);
    expect(mismatch.body.code).toBe('ATTACHMENT.TYPE_MISMATCH');
    const { deps } = await getRuntime();
    const left = await deps.attachments?.blobs.list('att', 10_000);
    const mine = (left ?? []).filter((name) => name.endsWith('/record.json'));
    for (const name of mine) {
      const rec = await deps.attachments?.blobs.getJson<{ ownerId: string }>(name);
      expect(rec?.value.ownerId).not.toBe(alice.id);
    }
  }, 60_000);

  it('when a file of 10 MB + 1 byte is sent on either flow, then 413 with a clear detail; exactly 10 MB is taken', async () => {
    const alice = await person('alice');
    const big = Buffer.alloc(MAX + 1, 'a');
    const multipart = await upload(alice.token, big, { type: 'document', fileName: 'big.txt', mimeType: 'text/plain' });
    expectProblem(multipart as never, 413, /10485761 bytes; attachments are limited to 10485760 bytes \(10 MB\)/);
    const exact = await upload(alice.token, big.subarray(0, MAX), { type: 'document', fileName: 'ok.txt' });
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    expect(exact.body.metadata.size).toBe(MAX);

    const declared = await api.call('POST', `${M}/attachments`, {
      token: alice.token,
      body: { fileName: 'big.txt', mimeType: 'text/plain', size: MAX + 1, type: 'document' },
    });
    expectProblem(declared, 413, /limited to 10485760 bytes/);
    // a client that declares a small file and PUTs a big one is caught on complete, by the blob's real size
    const liar = await api.call('POST', `${M}/attachments`, {
      token: alice.token,
      body: { fileName: 'small.txt', mimeType: 'text/plain', size: 10, type: 'document' },
    });
    expect(liar.status).toBe(201);
    const put = await fetch(liar.body.uploadUrl, { method: 'PUT', headers: liar.body.uploadHeaders, body: big });
    expect(put.status).toBe(201);
    const done = await api.call('POST', `${M}/attachments/${liar.body.attachmentId}/complete`, { token: alice.token });
    expectProblem(done, 413, /10485761 bytes/);
    const { deps } = await getRuntime();
    expect(await deps.attachments?.blobs.stat(`${liar.body.attachmentId}/upload`)).toBeNull();
    expect(await deps.attachments?.blobs.getJson(`${liar.body.attachmentId}/record.json`)).toBeNull();
  }, 90_000);

  it('when the direct-upload flow is used, then PUT to the SAS and complete give the same answer as upload, and the message carries it', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const conversationId = await group(alice, [bob]);
    const photo = await photoWithGps(800, 600);
    const start = await api.call('POST', `${M}/attachments`, {
      token: alice.token,
      body: { fileName: 'p.jpg', mimeType: 'image/jpeg', size: photo.length, type: 'image', conversationId },
    });
    expect(start.status, JSON.stringify(start.body)).toBe(201);
    expect(new Date(start.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(10 * 60_000 + 5000);
    // not uploaded yet: cannot be completed, cannot be sent
    const early = await send(alice.token, conversationId, {
      type: 'image',
      attachments: [{ attachmentId: start.body.attachmentId }],
    });
    expectProblem(early, 409, /not processed yet/);
    const put = await fetch(start.body.uploadUrl, { method: 'PUT', headers: start.body.uploadHeaders, body: photo });
    expect(put.status).toBe(201);
    const done = await api.call('POST', `${M}/attachments/${start.body.attachmentId}/complete`, { token: alice.token });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ attachmentId: start.body.attachmentId, metadata: { width: 800, height: 600 } });
    expect(done.body.thumbnailUrl).toContain('variant=thumb');
    const sent = await send(alice.token, conversationId, {
      type: 'image',
      content: 'look',
      attachments: [{ attachmentId: start.body.attachmentId }],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.message.attachments).toEqual([
      expect.objectContaining({
        id: start.body.attachmentId,
        url: done.body.url,
        thumbnailUrl: done.body.thumbnailUrl,
        fileName: 'p.jpg',
        mimeType: 'image/jpeg',
        width: 800,
        height: 600,
        scanStatus: 'not_scanned',
      }),
    ]);
    expect(sent.body.message.attachments[0].external).toBeUndefined();
    // bob, a participant, reads it (302 to the SAS)
    const redirect = await fetch(`${stack.baseUrl}${done.body.thumbnailUrl}`, {
      headers: { authorization: `Bearer ${bob.token}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toContain('no-store');
    const thumb = await fetch(redirect.headers.get('location') ?? '');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).width).toBe(400);
  }, 60_000);

  it('when an upload is sent, then only by its uploader, only once, only into its conversation; free-form https links stay, marked external', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const conversationId = await group(alice, [bob]);
    const other = await group(alice, [bob]);
    const doc = await upload(alice.token, Buffer.from('hello, world\n'), {
      type: 'document',
      fileName: 'a.txt',
      conversationId,
    });
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    const ref = { attachmentId: doc.body.attachmentId };
    expectProblem(
      await send(bob.token, conversationId, { type: 'file', attachments: [ref] }),
      400,
      /not name an upload of yours/,
    );
    expectProblem(await send(alice.token, other, { type: 'file', attachments: [ref] }), 400, /another conversation/);
    const first = await send(alice.token, conversationId, {
      type: 'file',
      clientMessageId: `c${n}`,
      attachments: [ref],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // a retry of the same send returns the first message; another send may not take the upload again
    const retry = await send(alice.token, conversationId, {
      type: 'file',
      clientMessageId: `c${n}`,
      attachments: [ref],
    });
    expect(retry.status).toBe(200);
    expect(retry.body.message.id).toBe(first.body.message.id);
    const again = await send(alice.token, conversationId, { type: 'file', attachments: [ref] });
    expectProblem(again, 409, /attached to another message already/);
    const external = await send(alice.token, conversationId, {
      type: 'file',
      attachments: [
        { type: 'document', url: 'https://example.org/a.pdf', fileName: 'a.pdf', mimeType: 'application/pdf', size: 3 },
      ],
    });
    expect(external.status).toBe(201);
    expect(external.body.message.attachments[0]).toMatchObject({ url: 'https://example.org/a.pdf', external: true });
    expectProblem(
      await send(alice.token, conversationId, {
        type: 'file',
        attachments: [
          {
            type: 'document',
            url: 'http://example.org/a.pdf',
            fileName: 'a.pdf',
            mimeType: 'application/pdf',
            size: 3,
          },
        ],
      }),
      400,
    );
  }, 60_000);

  it('when someone who is not a participant, or was removed, asks for an attachment, then 404; participants get it', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const mallory = await person('mallory');
    const conversationId = await group(alice, [bob, carol]);
    const doc = await upload(alice.token, Buffer.from('secret plans\n'), { type: 'document', fileName: 'plans.txt' });
    const id = doc.body.attachmentId;
    // before it is sent only the uploader sees it
    expect((await api.call('GET', `${M}/attachments/${id}?format=json`, { token: alice.token })).status).toBe(200);
    expectProblem(await api.call('GET', `${M}/attachments/${id}?format=json`, { token: bob.token }), 404);
    const sent = await send(alice.token, conversationId, { type: 'file', attachments: [{ attachmentId: id }] });
    expect(sent.status).toBe(201);
    expect((await readVariant(carol.token, id)).toString()).toBe('secret plans\n');
    expectProblem(await api.call('GET', `${M}/attachments/${id}`, { token: mallory.token }), 404);
    expectProblem(await api.call('GET', `${M}/attachments/${id}?variant=thumb`, { token: bob.token }), 404);
    const removed = await api.call('DELETE', `${M}/conversations/${conversationId}/participants`, {
      token: alice.token,
      body: { userId: carol.id },
    });
    expect(removed.status).toBe(204);
    expectProblem(await api.call('GET', `${M}/attachments/${id}`, { token: carol.token }), 404);
    expect((await api.call('GET', `${M}/attachments/${id}?format=json`, { token: bob.token })).status).toBe(200);
    expectProblem(await api.call('GET', `${M}/attachments/${id}`), 401);
  }, 60_000);

  it('when a message is deleted for everyone, then its upload’s blobs are removed', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const conversationId = await group(alice, [bob]);
    const img = await upload(alice.token, await photoWithGps(200, 100), { type: 'image', fileName: 'x.jpg' });
    const id = img.body.attachmentId;
    const sent = await send(alice.token, conversationId, { type: 'image', attachments: [{ attachmentId: id }] });
    const { deps } = await getRuntime();
    const blobs = deps.attachments?.blobs;
    expect((await blobs?.list(`${id}/`, 100))?.sort()).toEqual(
      [`${id}/full`, `${id}/micro`, `${id}/original`, `${id}/record.json`, `${id}/thumb`].sort(),
    );
    const del = await api.call(
      'DELETE',
      `${M}/conversations/${conversationId}/messages/${sent.body.message.id}?forEveryone=true`,
      {
        token: alice.token,
      },
    );
    expect(del.status).toBeLessThan(300);
    expect(await blobs?.list(`${id}/`, 100)).toEqual([]);
    expectProblem(await api.call('GET', `${M}/attachments/${id}`, { token: bob.token }), 404);
  }, 60_000);

  it('when an upload is never attached for 24 h, then the sweep removes it; an attached one stays', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const conversationId = await group(alice, [bob]);
    const orphan = await upload(alice.token, Buffer.from('forgotten\n'), { type: 'document', fileName: 'o.txt' });
    const kept = await upload(alice.token, Buffer.from('sent\n'), { type: 'document', fileName: 'k.txt' });
    await send(alice.token, conversationId, { type: 'file', attachments: [{ attachmentId: kept.body.attachmentId }] });
    const { deps } = await getRuntime();
    const blobs = deps.attachments?.blobs;
    // an hour later nothing is removed
    const soon = await sweepAttachments({ ...deps, clock: { now: () => new Date(Date.now() + 3600_000) } });
    expect(await blobs?.stat(`${orphan.body.attachmentId}/upload`)).not.toBeNull();
    const later = await sweepAttachments({ ...deps, clock: { now: () => new Date(Date.now() + 25 * 3600_000) } });
    expect(later.orphansRemoved).toBeGreaterThanOrEqual(1);
    expect(soon.orphansRemoved).toBe(0);
    expect(await blobs?.list(`${orphan.body.attachmentId}/`, 10)).toEqual([]);
    expect(await blobs?.stat(`${kept.body.attachmentId}/upload`)).not.toBeNull();
    expect((await readVariant(bob.token, kept.body.attachmentId)).toString()).toBe('sent\n');
  }, 60_000);

  it('when a short video is uploaded, then its duration, size and a poster thumbnail are made', async () => {
    const { ffmpegMake } = await import('../support/media.js');
    const alice = await person('alice');
    const video = ffmpegMake(
      ['-f', 'lavfi', '-i', 'testsrc=duration=3:size=320x240:rate=10', '-pix_fmt', 'yuv420p', '-c:v', 'libx264'],
      'mp4',
    );
    const r = await upload(alice.token, video, { type: 'video', fileName: 'clip.mp4', mimeType: 'video/mp4' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.metadata).toMatchObject({ width: 320, height: 240 });
    expect(r.body.metadata.durationSeconds).toBeCloseTo(3, 0);
    const thumb = await sharp(await readVariant(alice.token, r.body.attachmentId, 'thumb')).metadata();
    expect([thumb.width, thumb.height]).toEqual([320, 240]);
  }, 60_000);

  it('when uploads are malformed, then a clear 4xx and never a 5xx', async () => {
    const alice = await person('alice');
    const notMultipart = await api.call('POST', `${M}/attachments/upload`, { token: alice.token, body: { file: 'x' } });
    expectProblem(notMultipart, 400, /multipart\/form-data/);
    const noFile = await upload(alice.token, Buffer.from('x'), { type: 'document', field: 'other' });
    expectProblem(noFile as never, 400);
    const badType = await upload(alice.token, Buffer.from('x'), { type: 'spreadsheet' });
    expectProblem(badType as never, 400);
    const empty = await upload(alice.token, new Uint8Array(), { type: 'document' });
    expectProblem(empty as never, 400);
    const broken = await upload(
      alice.token,
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100)]),
      {
        type: 'image',
        fileName: 'broken.jpg',
      },
    );
    expectProblem(broken as never, 400, /could not be read/);
    expectProblem(await api.call('POST', `${M}/attachments/nope/complete`, { token: alice.token }), 404);
    expectProblem(await api.call('GET', `${M}/attachments/nope?variant=huge`, { token: alice.token }), 400);
  }, 60_000);
});
