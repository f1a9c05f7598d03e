import { Secret, TOTP } from 'otpauth';

function totpFor(secretBase32: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, user: string, issuer: string): string {
  return totpFor(secretBase32, user, issuer).toString();
}

/** One step of clock drift either way is accepted, as authenticator apps expect. */
export function checkTotp(secretBase32: string, code: string): boolean {
  return totpFor(secretBase32, 'x', 'Postern').validate({ token: code, window: 1 }) !== null;
}
