import { generateKeyPair, type KeyPair } from '@postern/pki';

/**
 * Keys for the console's database certificates, each used for one certificate and thrown
 * away: the agent only verifies the certificate, it never needs a handshake with the key.
 * The next key is generated ahead because RSA takes ~200 ms. Kept in this process's memory:
 * a key is never shared between replicas, only the certificate made with it (in the ticket).
 */
export class ThrowawayKeys {
  private nextKey: Promise<KeyPair> | undefined;

  /** A fresh key for each certificate. */
  async take(): Promise<KeyPair> {
    const key = this.nextKey ?? generateKeyPair();
    this.nextKey = generateKeyPair();
    this.nextKey.catch(() => (this.nextKey = undefined));
    return key;
  }
}
