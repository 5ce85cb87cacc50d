/**
 * The fields of an Azure-style connection string (`Key=Value;Key=Value;`), keys lower-cased because Azure treats
 * them case-insensitively. Empty or key-less parts are skipped; a repeated key keeps its last value.
 */
export function connectionStringFields(cs: string): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  for (const part of cs.split(';')) {
    // why: base64 values (access keys) may end in '=', so split on the first '=' only
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    if (key !== '') fields.set(key, part.slice(eq + 1).trim());
  }
  return fields;
}
