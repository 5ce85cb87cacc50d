import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Sharp } from 'sharp';
import { hasControlChars, IMAGE_VARIANTS } from '../../domain/attachment.js';
import type { ImageVariantOut, MediaProcessor, ProcessedImage, ProcessedVideo } from '../../ports/attachments.js';
import { durationFromLog, runFfmpeg, videoSizeFromLog } from './ffmpeg-runner.js';

/** Decoded audio is analysed at this rate: enough for a voice waveform, light on memory. */
const SAMPLE_RATE = 8000;
/** Peaks are kept per slice of this many samples (1/50 s) while decoding, then folded into the waveform. */
const SLICE = SAMPLE_RATE / 50;
/** Images past this many pixels are refused before decoding (decompression bombs). */
const MAX_PIXELS = 50_000_000;

/** Text has no magic number: valid UTF-8 without control characters (tabs and line breaks allowed). */
function looksLikeText(bytes: Uint8Array): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return !hasControlChars(text, true);
  } catch {
    return false;
  }
}

async function encode(img: Sharp, format: 'jpeg' | 'png' | 'webp' | 'gif', quality: number) {
  const out =
    format === 'jpeg'
      ? img.jpeg({ quality })
      : format === 'png'
        ? img.png({ compressionLevel: 8 })
        : format === 'webp'
          ? img.webp({ quality })
          : img.gif();
  const { data, info } = await out.toBuffer({ resolveWithObject: true });
  return { bytes: new Uint8Array(data), contentType: `image/${format}`, width: info.width, height: info.height };
}

/** Folds per-slice peaks into `points` buckets, normalized to the loudest (0..1); silence stays 0. */
export function foldPeaks(slices: number[], points: number): number[] {
  const out = new Array<number>(points).fill(0);
  if (slices.length === 0) return out;
  for (let i = 0; i < slices.length; i++) {
    const b = Math.min(points - 1, Math.floor((i * points) / slices.length));
    out[b] = Math.max(out[b] ?? 0, slices[i] ?? 0);
  }
  // why: fewer slices than points (a very short sound) leaves gaps; each takes its nearest slice
  if (slices.length < points)
    for (let b = 0; b < points; b++) out[b] = slices[Math.floor((b * slices.length) / points)] ?? 0;
  const max = Math.max(...out);
  return max === 0 ? out : out.map((v) => Math.round((v / max) * 1000) / 1000);
}

/** sharp for images, file-type for sniffing, the ffmpeg shipped in an npm package for sound and video. */
export class LocalMediaProcessor implements MediaProcessor {
  async sniff(bytes: Uint8Array): Promise<string | null> {
    const found = await fileTypeFromBuffer(bytes);
    if (found) return found.mime;
    return bytes.length > 0 && looksLikeText(bytes) ? 'text/plain' : null;
  }

  async image(bytes: Uint8Array, mimeType: string): Promise<ProcessedImage> {
    const animated = mimeType === 'image/gif' || mimeType === 'image/webp';
    const source = () => sharp(bytes, { limitInputPixels: MAX_PIXELS, animated, failOn: 'error' }).rotate();
    const meta = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata();
    const own = (mimeType.split('/')[1] ?? 'jpeg') as 'jpeg' | 'png' | 'webp' | 'gif';
    // why: sharp writes no metadata unless asked, so every output is free of EXIF/GPS; rotate() applies the EXIF
    // orientation first so the picture still stands the right way up
    const original = await encode(source(), own, 90);
    const flat = () => sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
    const variantFormat = meta.hasAlpha ? 'webp' : 'jpeg';
    const variant = (v: keyof typeof IMAGE_VARIANTS, quality: number): Promise<ImageVariantOut> => {
      const spec = IMAGE_VARIANTS[v];
      return encode(
        flat().resize(spec.width, spec.height, { fit: spec.fit, withoutEnlargement: spec.fit === 'inside' }),
        variantFormat,
        quality,
      );
    };
    const [full, thumb, micro] = await Promise.all([variant('full', 85), variant('thumb', 80), variant('micro', 70)]);
    return { original, full, thumb, micro };
  }

  async audio(bytes: Uint8Array, points: number): Promise<{ durationSeconds: number; waveform: number[] }> {
    const slices: number[] = [];
    let samples = 0;
    let peak = 0;
    let inSlice = 0;
    let carry: Buffer | null = null;
    const run = await runFfmpeg(
      bytes,
      (input) => ['-v', 'info', '-i', input, '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-'],
      (chunk) => {
        const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
        const whole = buf.length - (buf.length % 2);
        carry = whole < buf.length ? buf.subarray(whole) : null;
        for (let i = 0; i < whole; i += 2) {
          const v = Math.abs(buf.readInt16LE(i)) / 32768;
          if (v > peak) peak = v;
          samples++;
          if (++inSlice === SLICE) {
            slices.push(peak);
            peak = 0;
            inSlice = 0;
          }
        }
      },
    );
    if (inSlice > 0) slices.push(peak);
    if (run.code !== 0 || samples === 0) throw new Error(`the audio could not be decoded (${lastLine(run.log)})`);
    return { durationSeconds: Math.round((samples / SAMPLE_RATE) * 100) / 100, waveform: foldPeaks(slices, points) };
  }

  async video(bytes: Uint8Array): Promise<ProcessedVideo> {
    const probe = await runFfmpeg(
      bytes,
      (input) => ['-v', 'info', '-i', input, '-f', 'null', '-t', '0', '-'],
      () => {},
    );
    const durationSeconds = durationFromLog(probe.log);
    const size = videoSizeFromLog(probe.log);
    if (durationSeconds === undefined && size === undefined)
      throw new Error(`the video could not be read (${lastLine(probe.log)})`);
    const at = durationSeconds !== undefined && durationSeconds > 2 ? 1 : 0;
    const frames: Buffer[] = [];
    const shot = await runFfmpeg(
      bytes,
      (input) => [
        '-v',
        'error',
        '-ss',
        String(at),
        '-i',
        input,
        '-frames:v',
        '1',
        '-f',
        'image2pipe',
        '-c:v',
        'mjpeg',
        '-',
      ],
      (c) => frames.push(c),
    );
    const poster = shot.code === 0 && frames.length > 0 ? new Uint8Array(Buffer.concat(frames)) : undefined;
    return {
      ...(durationSeconds !== undefined && { durationSeconds: Math.round(durationSeconds * 100) / 100 }),
      ...size,
      ...(poster && { poster }),
    };
  }
}

const lastLine = (log: string): string => log.trim().split('\n').pop()?.slice(0, 200) ?? 'no output';
