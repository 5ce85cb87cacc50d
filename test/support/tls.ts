import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway self-signed certificate (one day) for `subjectAltName` such as `IP:127.0.0.1` or `DNS:secure.test`. */
export function selfSignedCertificate(commonName: string, subjectAltName: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${commonName}`];
    execFileSync('openssl', [...args, '-addext', `subjectAltName=${subjectAltName}`, '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
