import { z } from 'zod';
import { commonFields, text } from './common';

// Database session events carry the same database metadata as Teleport's, so one session's
// start, queries and end can be found by sid and read without joining other tables.

const dbSession = {
  ...commonFields,
  user: text,
  sid: text,
  db_service: text,
  db_protocol: z.enum(['postgres', 'mysql']),
  db_uri: text,
  // May be empty: MySQL sessions need not pick a database.
  db_name: z.string(),
  db_user: z.string(),
  /** 'web' for the browser console, 'native' for psql, mysql, JDBC and friends. */
  access_through: z.enum(['native', 'web']).optional(),
};

export const dbSessionStart = z.object({
  event: z.literal('db.session.start'),
  ...dbSession,
  /** The client's address as the proxy saw it. */
  addr: text.optional(),
});

export const dbSessionEnd = z.object({
  event: z.literal('db.session.end'),
  ...dbSession,
});

export const dbSessionQuery = z.object({
  event: z.literal('db.session.query'),
  ...dbSession,
  db_query: z.string(),
  /** Bound parameters of an extended-protocol / prepared statement, as text. */
  db_query_parameters: z.array(z.string()).default([]),
});

/** MySQL's COM_INIT_DB (`USE db` in the mysql client): the session's default database changed. */
export const dbSessionMysqlInitDb = z.object({
  event: z.literal('db.session.mysql.init_db'),
  ...dbSession,
  schema_name: z.string(),
});
