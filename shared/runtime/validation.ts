import type { z } from 'zod';

/** One readable sentence for a failed validation, plus the issues for clients that want them. */
export function describeZodError(
  error: z.ZodError,
  where: string,
): { detail: string; errors: { path: string; message: string }[] } {
  const errors = error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    else if (i.code === 'invalid_type' && /received undefined$/.test(i.message)) message = 'is required';
    else if (i.code === 'invalid_type' && path === '') message = `${where} must be a JSON object (${i.message})`;
    return { path, message };
  });
  const detail = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return { detail: `invalid ${where}: ${detail}`, errors };
}
