import { TOTP } from 'otpauth';

export async function api(url: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v1${p}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

export function totpNow(secret: string): string {
  return new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

/** Completes a sign-up link the way the sign-up page does; returns the TOTP secret. */
export async function completeSignup(baseUrl: string, signupUrl: string, password: string): Promise<string | undefined> {
  const token = signupUrl.split('/signup/')[1]!;
  const info = await api(baseUrl, 'GET', `/signup/${token}`);
  if (info.status !== 200) throw new Error(`signup info: ${JSON.stringify(info.json)}`);
  const secret = info.json.totp?.secret as string | undefined;
  const body = secret ? { password, totp_secret: secret, otp: totpNow(secret) } : { password };
  const done = await api(baseUrl, 'POST', `/signup/${token}`, body);
  if (done.status !== 200) throw new Error(`signup: ${JSON.stringify(done.json)}`);
  return secret;
}
