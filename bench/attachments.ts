// Upload + processing time of a ~10 MB photo and a 1-minute voice note on the local stack (Azurite), both flows.
// Run: npm run bench:attachments. Prints the figures and the load average they were measured under.
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { startLocalStack } from '../local/stack.js';
import { pcmWav } from '../test/support/media.js';

const RUNS = 3;

/** A noisy photo (noise does not compress) of just under 10 MB as JPEG. */
async function photo(): Promise<Buffer> {
  const side = 3400;
  const raw = Buffer.alloc(side * side * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  let q = 97;
  for (;;) {
    const jpeg = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: q })
      .toBuffer();
    if (jpeg.length <= 10 * 1024 * 1024 || q < 60) return jpeg;
    q -= 3;
  }
}

/** 60 s of 16 kHz mono 16-bit speech-like sound (a warbling tone) as WAV. */
const voiceNote = (): Buffer =>
  pcmWav(60, (t) => Math.sin(2 * Math.PI * (220 + 80 * Math.sin(2 * Math.PI * 3 * t)) * t) * (0.3 + 0.3 * Math.sin(t)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const stack = await startLocalStack({ port: 0, signalrPort: 0, blobs: true, quiet: true, env: { LOG_LEVEL: 'error' } });
try {
  const tokenRes = await fetch(`${stack.baseUrl}/api/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'bench-attachments' }),
  });
  const { token } = (await tokenRes.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };
  const cases = [
    { name: 'photo', bytes: await photo(), type: 'image', route: 'upload', field: 'file', mime: 'image/jpeg' },
    { name: 'voice 60 s WAV', bytes: voiceNote(), type: 'audio', route: 'voice', field: 'audio', mime: 'audio/wav' },
  ];
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const c of cases) {
    const multipart: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const form = new FormData();
      form.set(c.route === 'voice' ? 'duration' : 'type', c.route === 'voice' ? '60' : c.type);
      form.set(c.field, new Blob([c.bytes], { type: c.mime }), c.name);
      let t0 = performance.now();
      const up = await fetch(`${stack.baseUrl}/api/v1/messaging/attachments/${c.route}`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      if (up.status !== 201) throw new Error(`${c.name}: ${up.status} ${await up.text()}`);
      multipart.push(performance.now() - t0);
      t0 = performance.now();
      const start = await fetch(`${stack.baseUrl}/api/v1/messaging/attachments`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ fileName: c.name, mimeType: c.mime, size: c.bytes.length, type: c.type }),
      });
      const s = (await start.json()) as {
        attachmentId: string;
        uploadUrl: string;
        uploadHeaders: Record<string, string>;
      };
      await fetch(s.uploadUrl, { method: 'PUT', headers: s.uploadHeaders, body: c.bytes });
      const done = await fetch(`${stack.baseUrl}/api/v1/messaging/attachments/${s.attachmentId}/complete`, {
        method: 'POST',
        headers: auth,
      });
      if (done.status !== 201) throw new Error(`${c.name} complete: ${done.status} ${await done.text()}`);
      direct.push(performance.now() - t0);
    }
    console.log(
      `${c.name} (${(c.bytes.length / 1024 / 1024).toFixed(2)} MB): multipart upload + processing median ${median(multipart).toFixed(0)} ms [${multipart.map((m) => m.toFixed(0)).join(', ')}]; SAS + PUT + complete median ${median(direct).toFixed(0)} ms [${direct.map((m) => m.toFixed(0)).join(', ')}]`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await stack.stop();
}
