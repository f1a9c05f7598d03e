import { z } from 'zod';
import { caBundle, duration, pem, userName } from './common';

export const pingResponse = z.object({
  cluster_name: z.string(),
  version: z.string(),
  second_factor: z.enum(['off', 'otp', 'webauthn']),
  connectors: z.array(z.object({ name: z.string(), type: z.enum(['oidc', 'saml']), display: z.string() })),
  proxy_public_addr: z.string().optional(),
  /** host:port where MySQL clients reach the proxy. */
  mysql_public_addr: z.string().optional(),
});
export type PingResponse = z.infer<typeof pingResponse>;

export const localLoginRequest = z
  .object({
    user: userName,
    password: z.string().min(1, 'must not be empty').max(1024),
    otp: z.string().regex(/^\d{6}$/, 'a 6-digit code').optional(),
    csr: pem,
    ttl: duration.optional(),
  })
  .strict();
export type LocalLoginRequest = z.infer<typeof localLoginRequest>;

export const loginResponse = z.object({
  user: z.string(),
  roles: z.array(z.string()),
  session_token: z.string(),
  expires: z.string(),
  certificate: z.string(),
  ca: caBundle,
  cluster_name: z.string(),
});
export type LoginResponse = z.infer<typeof loginResponse>;

export const whoamiResponse = z.object({
  user: z.string(),
  roles: z.array(z.string()),
  traits: z.record(z.string(), z.array(z.string())),
  expires: z.string(),
  session_kind: z.string(),
});
export type WhoamiResponse = z.infer<typeof whoamiResponse>;

export const signupInfoResponse = z.object({
  user: z.string(),
  expires: z.string(),
  second_factor: z.enum(['off', 'otp', 'webauthn']),
  /** A fresh TOTP secret to enrol; sent back with the first code to prove the app has it. */
  totp: z.object({ secret: z.string(), uri: z.string() }).optional(),
});
export type SignupInfoResponse = z.infer<typeof signupInfoResponse>;

export const completeSignupRequest = z
  .object({
    password: z.string().min(12, 'use at least 12 characters').max(1024),
    totp_secret: z.string().regex(/^[A-Z2-7]{16,128}$/, 'base32 secret').optional(),
    otp: z.string().regex(/^\d{6}$/, 'a 6-digit code').optional(),
  })
  .strict();
export type CompleteSignupRequest = z.infer<typeof completeSignupRequest>;

export const userCertRequest = z.object({ csr: pem, ttl: duration.optional() }).strict();
export const certResponse = z.object({ certificate: z.string(), expires: z.string(), ca: caBundle });
export type CertResponse = z.infer<typeof certResponse>;

export const dbCertRequest = z
  .object({
    csr: pem,
    db_service: z.string().min(1).max(64),
    db_user: z.string().min(1).max(63),
    db_name: z.string().min(1).max(63),
    ttl: duration.optional(),
  })
  .strict();
export type DbCertRequest = z.infer<typeof dbCertRequest>;

/** POST /login/web: a browser sign-in with a local user; the session comes back as a cookie. */
export const webLoginRequest = z
  .object({
    user: userName,
    password: z.string().min(1, 'must not be empty').max(1024),
    otp: z.string().regex(/^\d{6}$/, 'a 6-digit code').optional(),
  })
  .strict();
export type WebLoginRequest = z.infer<typeof webLoginRequest>;

export const webLoginResponse = z.object({ user: z.string(), roles: z.array(z.string()), expires: z.string() });
export type WebLoginResponse = z.infer<typeof webLoginResponse>;
