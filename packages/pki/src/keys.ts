import { generateKeyPair as generateNodeKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyPair } from './types';

const generate = promisify(generateNodeKeyPair);

/**
 * RSA-2048, because forge's X.509 code only understands RSA keys. Node's native generator
 * runs off the main thread, so issuing keys does not stall a busy proxy.
 */
export async function generateKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
