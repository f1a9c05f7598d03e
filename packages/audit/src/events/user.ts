import { z } from 'zod';
import { commonFields, text } from './common';

export const userLogin = z.object({
  event: z.literal('user.login'),
  ...commonFields,
  method: z.enum(['local', 'oidc', 'saml']),
  /** The SSO connector's name, for oidc and saml. */
  connector: text.optional(),
  /** The client's address as the proxy saw it. */
  addr: text.optional(),
});

export const userCreate = z.object({
  event: z.literal('user.create'),
  ...commonFields,
  name: text,
  roles: z.array(text),
});

export const userUpdate = z.object({
  event: z.literal('user.update'),
  ...commonFields,
  name: text,
  /** The roles after the update, when they changed. */
  roles: z.array(text).optional(),
});

export const userDelete = z.object({
  event: z.literal('user.delete'),
  ...commonFields,
  name: text,
});
