import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import installer from '@ffmpeg-installer/ffmpeg';

/** The static ffmpeg shipped inside an npm package (@ffmpeg-installer/<platform>): no apt, also on Azure Functions. */
export const ffmpegPath = (): string => installer.path;

export interface FfmpegRun {
  /** stderr, for the input's description (Duration:, Stream … Video: WxH). */
  log: string;
  code: number | null;
}

/**
 * Runs ffmpeg on the bytes (written to a temporary file: an MP4/M4A may keep its index at the end, which a pipe
 * cannot seek to), handing stdout chunks to `onData`. Killed after `timeoutMs`.
 */
export async function runFfmpeg(
  bytes: Uint8Array,
  args: (input: string) => string[],
  onData: (chunk: Buffer) => void,
  timeoutMs = 60_000,
): Promise<FfmpegRun> {
  const dir = await mkdtemp(join(tmpdir(), 'media-'));
  const input = join(dir, 'input');
  try {
    await writeFile(input, bytes);
    return await new Promise<FfmpegRun>((resolve, reject) => {
      const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args(input)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', onData);
      child.stderr.on('data', (c: Buffer) => {
        // why: only the head says what the input is; a broken file can make ffmpeg print without end
        if (log.length < 64 * 1024) log += c.toString('utf8');
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ log, code });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "Duration: 00:01:02.50" from ffmpeg's description of the input, in seconds. */
export function durationFromLog(log: string): number | undefined {
  const m = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(log);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** The first video stream's "WxH" from ffmpeg's description of the input. */
export function videoSizeFromLog(log: string): { width: number; height: number } | undefined {
  const m = /Stream #\S+.*?Video: .*?\b(\d{2,5})x(\d{2,5})\b/.exec(log);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}
