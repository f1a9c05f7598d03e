import type { UserIdentity } from './types';

/** Certificates seen lately (a user reconnecting, a pool opening connections). */
const MAX_ENTRIES = 10_000;

/**
 * Remembers the outcome of verifying a user certificate. Parsing the DER and checking the
 * CA's signature ran on every connection, though a client presents the same certificate
 * each time; this keeps successful checks until the certificate expires. Failures are not
 * kept, and an expired entry is checked again, so every refusal still comes from the full
 * verification with its message. The trusted CAs are fixed for the life of the process.
 */
export class VerifiedCertificates {
  private readonly known = new Map<string, UserIdentity>();

  /** `key` identifies the certificate and the verification options; `verify` throws to refuse. */
  get(key: string, verify: () => UserIdentity): UserIdentity {
    const hit = this.known.get(key);
    if (hit && Date.now() < hit.expires.getTime()) return hit;
    this.known.delete(key);
    const identity = verify();
    this.known.set(key, identity);
    if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    return identity;
  }
}
