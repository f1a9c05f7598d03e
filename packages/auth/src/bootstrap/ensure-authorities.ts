import { createCertAuthority, openSecret, PkiError, sealSecret, type CaType, type CertAuthority } from '@postern/pki';
import type { Store } from '@postern/store';
import type { Authorities } from '../context';

const TYPES: CaType[] = ['user', 'host', 'db_client'];

/**
 * Creates the three CAs on first start. Several replicas may start together on one
 * PostgreSQL: each inserts with skipDuplicates and then everyone uses what is stored.
 */
export async function ensureAuthorities(store: Store, masterKey: Buffer, clusterName: string): Promise<Authorities> {
  const out: Partial<Authorities> = {};
  for (const type of TYPES) {
    let row = await store.prisma.certAuthority.findUnique({ where: { type } });
    if (!row) {
      const ca = await createCertAuthority(type, clusterName);
      await store.prisma.certAuthority.createMany({
        skipDuplicates: true,
        data: [{ type, certPem: ca.certPem, sealedKey: sealSecret(masterKey, ca.privateKeyPem, `ca:${type}`) }],
      });
      row = await store.prisma.certAuthority.findUniqueOrThrow({ where: { type } });
    }
    let privateKeyPem: string;
    try {
      privateKeyPem = openSecret(masterKey, row.sealedKey, `ca:${type}`);
    } catch (err) {
      if (err instanceof PkiError) throw err;
      throw new PkiError('master_key_mismatch', `cannot open the ${type} CA's key: ${(err as Error).message}`);
    }
    const ca: CertAuthority = { type, clusterName, certPem: row.certPem, privateKeyPem };
    out[type] = ca;
  }
  return out as Authorities;
}
