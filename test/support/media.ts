import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ffmpegPath } from '../../shared/adapters/media/ffmpeg-runner.js';

/** A mono 16-bit PCM WAV of `seconds`, each sample from `sample(t)` in -1..1 at time t (seconds). */
export function pcmWav(seconds: number, sample: (t: number) => number, rate = 16000): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(sample(i / rate) * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** A mono 16-bit PCM WAV of a 440 Hz tone whose loudness rises linearly from 0 to full over `seconds`. */
export const risingToneWav = (seconds: number, rate = 16000): Buffer =>
  pcmWav(seconds, (t) => Math.sin(2 * Math.PI * 440 * t) * (t / seconds) * 0.9, rate);

/** Encodes with the ffmpeg shipped in node_modules (the same binary the app runs): lavfi sources, any codec. */
export function ffmpegMake(args: string[], ext: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'fixture-'));
  const out = join(dir, `out.${ext}`);
  try {
    const r = spawnSync(ffmpegPath(), ['-hide_banner', '-v', 'error', '-y', ...args, out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tone of `seconds` in a given audio format, made by the shipped ffmpeg. */
export function tone(format: 'mp3' | 'ogg' | 'm4a', seconds: number): Buffer {
  const codec = { mp3: ['-c:a', 'libmp3lame'], ogg: ['-c:a', 'libopus'], m4a: ['-c:a', 'aac'] }[format];
  return ffmpegMake(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, ...codec], format);
}

/** A JPEG carrying EXIF with a GPS position and a camera, as phones write them. */
export function photoWithGps(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'Phone 9' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2400/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 300/100',
      },
    })
    .toBuffer();
}

/** A picture worth showing in a screenshot: sky, sun and hills drawn in SVG, with fine grain, as a PNG. */
export async function landscapePng(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 900 600">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#3b6fb6"/><stop offset="0.6" stop-color="#f4b26b"/><stop offset="1" stop-color="#f7d9a3"/>
  </linearGradient></defs>
  <rect width="900" height="600" fill="url(#sky)"/>
  <circle cx="640" cy="330" r="70" fill="#ffe9a8"/>
  <path d="M0 420 L160 300 L300 400 L450 260 L620 410 L760 320 L900 400 V600 H0 Z" fill="#4a5d7a"/>
  <path d="M0 500 L200 420 L380 500 L560 430 L740 510 L900 460 V600 H0 Z" fill="#2f4a3a"/>
</svg>`;
  const grain = Buffer.alloc(width * height);
  for (let i = 0; i < grain.length; i++) grain[i] = Math.floor(Math.random() * 24);
  const noise = await sharp(grain, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: noise, blend: 'soft-light' }])
    .png()
    .toBuffer();
}
