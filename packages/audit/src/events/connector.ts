import { z } from 'zod';
import { commonFields, text } from './common';

// SSO connectors added, replaced or removed through the admin API, named as Teleport names
// them. Connector settings (and secrets above all) stay out of the log: the name says which.

export const oidcCreated = z.object({
  event: z.literal('oidc.created'),
  ...commonFields,
  name: text,
});

export const oidcDeleted = z.object({
  event: z.literal('oidc.deleted'),
  ...commonFields,
  name: text,
});

export const samlCreated = z.object({
  event: z.literal('saml.created'),
  ...commonFields,
  name: text,
});

export const samlDeleted = z.object({
  event: z.literal('saml.deleted'),
  ...commonFields,
  name: text,
});
