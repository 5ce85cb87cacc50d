import type { HttpRequest } from '@azure/functions';
import { hasControlChars } from '../domain/attachment.js';
import { AppError } from '../domain/errors.js';

export interface UploadedFile {
  bytes: Uint8Array;
  fileName: string;
  /** The part's declared content type ('' when none). */
  mimeType: string;
}

/** The last path segment of a client's file name, without control characters (never empty). */
function safeFileName(name: string, fallback: string): string {
  const base = [...(name.split(/[\\/]/).pop() ?? '')]
    .filter((ch) => !hasControlChars(ch))
    .join('')
    .trim();
  return (base || fallback).slice(0, 255);
}

/** Room for the multipart framing and the other fields around a file of the largest size. */
const FRAMING_BYTES = 64 * 1024;

const tooLarge = (size: number, max: number) =>
  new AppError(
    'too_large',
    'ATTACHMENT.TOO_LARGE',
    `the ${size > max + FRAMING_BYTES ? 'request body' : 'file'} is ${size} bytes; attachments are limited to ${max} bytes (${Math.round(max / 104857.6) / 10} MB)`,
  );

/**
 * A multipart/form-data upload: the file part named `fileField` and the other fields as text. The declared length
 * is checked before reading anything, the file's own size after.
 */
export async function readUpload(
  request: HttpRequest,
  fileField: string,
  maxBytes: number,
): Promise<{ file: UploadedFile; fields: Record<string, string> }> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;\s*boundary=/i.test(type))
    throw new AppError(
      'validation',
      'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      `content-type must be multipart/form-data with a boundary, not ${type || 'none'}`,
    );
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes + FRAMING_BYTES) throw tooLarge(declared, maxBytes);
  let form: FormData;
  try {
    form = await request.formData();
  } catch (e) {
    throw new AppError(
      'validation',
      'REQUEST.MALFORMED_MULTIPART',
      `the multipart body could not be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const fields: Record<string, string> = {};
  let file: File | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      if (name in fields) throw new AppError('validation', 'REQUEST.INVALID_BODY', `field ${name} is given twice`);
      fields[name] = value;
    } else if (name === fileField) {
      if (file) throw new AppError('validation', 'REQUEST.INVALID_BODY', `only one ${fileField} part is accepted`);
      file = value;
    } else {
      throw new AppError(
        'validation',
        'REQUEST.INVALID_BODY',
        `unexpected file part ${name}; send the file as ${fileField}`,
      );
    }
  }
  if (!file) throw new AppError('validation', 'REQUEST.INVALID_BODY', `the multipart body has no ${fileField} part`);
  if (file.size > maxBytes) throw tooLarge(file.size, maxBytes);
  return {
    file: {
      bytes: new Uint8Array(await file.arrayBuffer()),
      fileName: safeFileName(file.name, fileField),
      mimeType: file.type,
    },
    fields,
  };
}
