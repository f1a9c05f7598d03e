import type { PrismaClient } from '../../src/index';

// What the database actually has, read from information_schema and pg_catalog, formatted
// like expected-schema.ts. Identifiers and "char" values are cast to text because the
// driver adapters do not all decode PostgreSQL's internal `name` and `"char"` types.

const REFERENTIAL_ACTIONS: Record<string, string> = {
  c: 'CASCADE',
  r: 'RESTRICT',
  a: 'NO ACTION',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

export async function actualTables(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ name: string }[]>(
    `select table_name::text as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  return rows.map((r) => r.name).sort();
}

export async function actualColumns(prisma: PrismaClient, tables: string[]): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<
    {
      t: string;
      c: string;
      data_type: string;
      udt: string;
      nullable: string;
      precision: number | null;
      dflt: string | null;
      generated: string | null;
    }[]
  >(
    `select table_name::text as t, column_name::text as c, data_type::text as data_type, udt_name::text as udt,
            is_nullable::text as nullable, datetime_precision::int as precision, column_default::text as dflt,
            case when is_generated::text = 'ALWAYS' then generation_expression::text end as generated
       from information_schema.columns
      where table_schema = current_schema() and table_name::text = any($1::text[])`,
    tables,
  );
  return rows
    .map(
      (r) =>
        `${r.t}.${r.c} ${formatType(r)} ${r.nullable === 'YES' ? 'NULL' : 'NOT NULL'} default=${formatDefault(r.dflt)}` +
        (r.generated === null ? '' : ` generated=${r.generated}`),
    )
    .sort();
}

function formatType(r: { data_type: string; udt: string; precision: number | null }): string {
  switch (r.data_type) {
    case 'ARRAY':
      return `${r.udt.replace(/^_/, '')}[]`;
    case 'timestamp with time zone':
      return `timestamptz(${r.precision})`;
    case 'timestamp without time zone':
      return `timestamp(${r.precision})`;
    default:
      return r.data_type;
  }
}

/** Back to the spelling of Prisma's @default(...) arguments. */
function formatDefault(dflt: string | null): string {
  if (dflt === null) return '-';
  if (/^nextval\(/.test(dflt)) return 'autoincrement()';
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(dflt)) return 'now()';
  if (/^ARRAY\[\]::\w+\[\]$/i.test(dflt)) return '[]';
  const literal = /^'((?:[^']|'')*)'::[\w ]+$/.exec(dflt);
  if (literal) return JSON.stringify((literal[1] ?? '').replace(/''/g, "'"));
  return dflt;
}

export async function actualIndexes(prisma: PrismaClient, tables: string[]): Promise<string[]> {
  // Access methods other than btree (e.g. GIN) are spelled out with each column's operator
  // class, since `USING gin (x gin_trgm_ops)` and a btree on x are different indexes.
  const rows = await prisma.$queryRawUnsafe<
    { t: string; i: string; is_unique: boolean; is_primary: boolean; method: string; cols: string; cols_ops: string }[]
  >(
    `select t.relname::text as t, i.relname::text as i, ix.indisunique as is_unique, ix.indisprimary as is_primary,
            am.amname::text as method,
            (select string_agg(a.attname::text, ', ' order by k.ord)
               from unnest(ix.indkey) with ordinality as k(attnum, ord)
               join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum) as cols,
            (select string_agg(a.attname::text || ' ' || oc.opcname::text, ', ' order by k.ord)
               from unnest(ix.indkey, ix.indclass) with ordinality as k(attnum, opclass, ord)
               join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
               join pg_opclass oc on oc.oid = k.opclass) as cols_ops
       from pg_index ix
       join pg_class i on i.oid = ix.indexrelid
       join pg_class t on t.oid = ix.indrelid
       join pg_am am on am.oid = i.relam
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relname::text = any($1::text[])`,
    tables,
  );
  return rows
    .map((r) => {
      const kind = r.is_primary ? 'PRIMARY KEY' : r.is_unique ? 'UNIQUE' : 'INDEX';
      return r.method === 'btree' ? `${r.t}.${r.i} ${kind} (${r.cols})` : `${r.t}.${r.i} ${kind} USING ${r.method} (${r.cols_ops})`;
    })
    .sort();
}

export async function actualForeignKeys(prisma: PrismaClient, tables: string[]): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<
    { t: string; name: string; cols: string; ref: string; ref_cols: string; del: string; upd: string }[]
  >(
    `select t.relname::text as t, c.conname::text as name, r.relname::text as ref,
            (select string_agg(a.attname::text, ', ' order by k.ord)
               from unnest(c.conkey) with ordinality as k(attnum, ord)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as cols,
            (select string_agg(a.attname::text, ', ' order by k.ord)
               from unnest(c.confkey) with ordinality as k(attnum, ord)
               join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum) as ref_cols,
            c.confdeltype::text as del, c.confupdtype::text as upd
       from pg_constraint c
       join pg_class t on t.oid = c.conrelid
       join pg_class r on r.oid = c.confrelid
       join pg_namespace n on n.oid = t.relnamespace
      where c.contype = 'f' and n.nspname = current_schema() and t.relname::text = any($1::text[])`,
    tables,
  );
  return rows
    .map(
      (r) =>
        `${r.t}.${r.name} (${r.cols}) -> ${r.ref}(${r.ref_cols}) ` +
        `ON DELETE ${REFERENTIAL_ACTIONS[r.del] ?? r.del} ON UPDATE ${REFERENTIAL_ACTIONS[r.upd] ?? r.upd}`,
    )
    .sort();
}
