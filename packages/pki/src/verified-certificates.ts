import type { UserIdentity } from './types';

/** What a verification gives: an identity (user or host) valid until `expires`. */
interface Verified {
  expires: Date;
}

/** Certificates seen lately (a user reconnecting, a pool opening connections). */
const MAX_ENTRIES = 10_000;

/**
 * Remembers the outcome of verifying a certificate. Parsing the DER and checking the CA's
 * signature ran on every connection (a user's) or request (a host's, at the Auth Service),
 * though each presents the same certificate each time; this keeps successful checks until the certificate expires. Failures are not
 * kept, and an expired entry is checked again, so every refusal still comes from the full
 * verification with its message. The trusted CAs are fixed for the life of the process.
 */
export class VerifiedCertificates<Identity extends Verified = UserIdentity> {
  private readonly known = new Map<string, Identity>();

  /**
   * `key` identifies the certificate and the verification options; `verify` throws to refuse.
   * `now` is the verifier's clock (the Auth Service's may be set by tests).
   */
  get(key: string, verify: () => Identity, now = Date.now()): Identity {
    const hit = this.known.get(key);
    if (hit && now < hit.expires.getTime()) return hit;
    this.known.delete(key);
    const identity = verify();
    this.known.set(key, identity);
    if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    return identity;
  }
}
