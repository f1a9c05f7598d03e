import { listArg, namedArg, stringArg } from './prisma-schema';
import type { SchemaField, SchemaModel } from './prisma-schema';
import { columnOf, scalarFields, tableOf } from './runtime-data-model';
import type { RuntimeModel } from './runtime-data-model';

// What `prisma migrate` would create for the schema, as one line per column, index and
// foreign key, in the same format catalog.ts reads from the database, so that a mismatch
// shows up as a readable diff. Names follow Prisma's conventions: <table>_pkey,
// <table>_<columns>_key, <table>_<columns>_idx, <table>_<columns>_fkey.

export interface ModelPair {
  name: string;
  schema: SchemaModel;
  runtime: RuntimeModel;
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

function field(pair: ModelPair, name: string): SchemaField {
  const found = pair.schema.fields.find((f) => f.name === name);
  if (!found) throw new Error(`${pair.name} has no field ${name}`);
  return found;
}

function column(pair: ModelPair, fieldName: string): string {
  const runtimeField = pair.runtime.fields.find((f) => f.name === fieldName);
  if (!runtimeField) throw new Error(`${pair.name}.${fieldName} is not in the runtime data model`);
  return columnOf(runtimeField);
}

function sqlType(f: SchemaField): string {
  const base = (() => {
    switch (f.type) {
      case 'String':
        return f.attributes.has('db.Uuid') ? 'uuid' : 'text';
      case 'Json':
        return 'jsonb';
      case 'Boolean':
        return 'boolean';
      case 'Int':
        return 'integer';
      case 'BigInt':
        return 'bigint';
      case 'DateTime': {
        // Prisma's default for DateTime on PostgreSQL is timestamp(3).
        const tz = f.attributes.has('db.Timestamptz');
        const precision = f.attributes.get(tz ? 'db.Timestamptz' : 'db.Timestamp') || '3';
        return `${tz ? 'timestamptz' : 'timestamp'}(${precision})`;
      }
      default:
        throw new Error(`expected-schema: no SQL type known for Prisma type ${f.type}; extend this map`);
    }
  })();
  return f.list ? `${base}[]` : base;
}

/**
 * Columns the database computes (GENERATED ALWAYS … STORED), with the expression as
 * PostgreSQL prints it. Prisma has no syntax for them, so they are listed here, next to the
 * comment on the field in schema.prisma.
 */
export const GENERATED_COLUMNS: Record<string, string> = {
  'audit_events.db_query': "(data ->> 'db_query'::text)",
};

export function expectedColumns(pairs: ModelPair[]): string[] {
  return pairs
    .flatMap((pair) =>
      scalarFields(pair.runtime).map((rf) => {
        const f = field(pair, rf.name);
        // Non-optional means NOT NULL, lists included (see the note in 0001_init).
        const nullability = f.optional ? 'NULL' : 'NOT NULL';
        const dflt = f.attributes.get('default') ?? '-';
        const name = `${tableOf(pair.name, pair.runtime)}.${columnOf(rf)}`;
        const generated = GENERATED_COLUMNS[name];
        return `${name} ${sqlType(f)} ${nullability} default=${dflt}${generated === undefined ? '' : ` generated=${generated}`}`;
      }),
    )
    .sort();
}

/** The fields of `[a, b(ops: raw("x"))]`, with an operator class where one is given. */
function indexFields(args: string): { name: string; ops?: string }[] {
  const list = /^\s*\[([^\]]*)\]/.exec(args)?.[1] ?? '';
  return [...list.matchAll(/(\w+)(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\))?/g)].map((m) => {
    const ops = /ops\s*:\s*raw\(\s*"([^"]+)"\s*\)/.exec(m[2] ?? '')?.[1];
    if (m[2] !== undefined && ops === undefined) throw new Error(`expected-schema: index field arguments "${m[2]}" are not handled yet`);
    return ops ? { name: m[1]!, ops } : { name: m[1]! };
  });
}

export function expectedIndexes(pairs: ModelPair[]): string[] {
  const lines: string[] = [];
  for (const pair of pairs) {
    const table = tableOf(pair.name, pair.runtime);
    const add = (kind: 'PRIMARY KEY' | 'UNIQUE' | 'INDEX', fields: string[], using?: { method: string; ops: (string | undefined)[] }): void => {
      const cols = fields.map((f) => column(pair, f));
      const suffix = kind === 'PRIMARY KEY' ? 'pkey' : kind === 'UNIQUE' ? `${cols.join('_')}_key` : `${cols.join('_')}_idx`;
      if (!using) {
        lines.push(`${table}.${table}_${suffix} ${kind} (${cols.join(', ')})`);
        return;
      }
      // Like catalog.ts: a non-btree index with each column's operator class.
      const withOps = cols.map((c, i) => {
        const ops = using.ops[i];
        if (!ops) throw new Error(`expected-schema: ${table}.${c} in a ${using.method} index needs ops: raw("…")`);
        return `${c} ${ops}`;
      });
      lines.push(`${table}.${table}_${suffix} ${kind} USING ${using.method} (${withOps.join(', ')})`);
    };
    for (const f of pair.schema.fields) {
      if (f.attributes.has('id')) add('PRIMARY KEY', [f.name]);
      if (f.attributes.has('unique')) add('UNIQUE', [f.name]);
    }
    for (const attr of pair.schema.blockAttributes) {
      if (attr.name === 'id') add('PRIMARY KEY', listArg(attr.args));
      else if (attr.name === 'unique') add('UNIQUE', listArg(attr.args));
      else if (attr.name === 'index') {
        const fields = indexFields(attr.args);
        const type = namedArg(attr.args, 'type');
        const method = type === undefined || type === 'BTree' ? undefined : type.toLowerCase();
        if (method === undefined && fields.some((f) => f.ops)) throw new Error(`expected-schema: operator classes on btree indexes are not handled yet`);
        add('INDEX', fields.map((f) => f.name), method ? { method, ops: fields.map((f) => f.ops) } : undefined);
      }
      else if (attr.name !== 'map') throw new Error(`expected-schema: @@${attr.name} is not handled yet`);
    }
  }
  return lines.sort();
}

export function expectedForeignKeys(pairs: ModelPair[]): string[] {
  const lines: string[] = [];
  for (const pair of pairs) {
    const table = tableOf(pair.name, pair.runtime);
    for (const f of pair.schema.fields) {
      const relation = f.attributes.get('relation');
      if (relation === undefined) continue;
      const fields = listArg(relation, 'fields');
      if (fields.length === 0) continue; // the other side of the relation
      const target = pairs.find((p) => p.name === f.type);
      if (!target) throw new Error(`${pair.name}.${f.name} refers to unknown model ${f.type}`);
      const cols = fields.map((name) => column(pair, name));
      const refCols = listArg(relation, 'references').map((name) => column(target, name));
      // Prisma's defaults: Restrict (SetNull when optional) on delete, Cascade on update.
      const onDelete = namedArg(relation, 'onDelete') ?? (f.optional ? 'SetNull' : 'Restrict');
      const onUpdate = namedArg(relation, 'onUpdate') ?? 'Cascade';
      lines.push(
        `${table}.${table}_${cols.join('_')}_fkey (${cols.join(', ')}) -> ${tableOf(target.name, target.runtime)}(${refCols.join(', ')}) ` +
          `ON DELETE ${REFERENTIAL_ACTIONS[onDelete] ?? onDelete} ON UPDATE ${REFERENTIAL_ACTIONS[onUpdate] ?? onUpdate}`,
      );
    }
  }
  return lines.sort();
}

/** The schema's own @@map / @map, checked against the client's data model. */
export function schemaTable(model: SchemaModel): string {
  const map = model.blockAttributes.find((a) => a.name === 'map');
  return (map && stringArg(map.args)) ?? model.name;
}

export function schemaColumn(f: SchemaField): string {
  const map = f.attributes.get('map');
  return (map !== undefined && stringArg(map)) || f.name;
}
