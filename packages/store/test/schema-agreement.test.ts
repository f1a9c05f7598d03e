import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, Prisma } from '../src/index';
import type { PrismaClient } from '../src/index';
import { backends } from './support/backends';
import type { OpenedStore } from './support/backends';
import { actualColumns, actualForeignKeys, actualIndexes, actualTables } from './support/catalog';
import { expectedColumns, expectedForeignKeys, expectedIndexes, schemaColumn, schemaTable } from './support/expected-schema';
import type { ModelPair } from './support/expected-schema';
import { modelCases } from './support/model-cases';
import { readSchemaModels } from './support/prisma-schema';
import { columnOf, runtimeDataModel, tableOf } from './support/runtime-data-model';

// prisma/schema.prisma is the contract and prisma/migrations is written by hand: this
// suite applies every migration to a fresh store and proves the two agree, on PGlite and
// on a real PostgreSQL.

describe.each(backends)('schema agreement on $name', (backend) => {
  let opened: OpenedStore;
  let prisma: PrismaClient;
  let pairs: ModelPair[];
  let tables: string[];

  beforeAll(async () => {
    opened = await backend.open();
    prisma = opened.store.prisma;
    const runtime = runtimeDataModel(prisma);
    pairs = (await readSchemaModels()).map((schema) => {
      const model = runtime[schema.name];
      if (!model) throw new Error(`model ${schema.name} is in schema.prisma but not in the generated client: run npm run generate`);
      return { name: schema.name, schema, runtime: model };
    });
    tables = pairs.map((p) => tableOf(p.name, p.runtime)).sort();
  });
  afterAll(() => opened?.cleanup());

  it('applied every migration', async () => {
    expect(opened.store.migrationsApplied).toEqual((await listMigrations()).map((m) => m.name));
  });

  it('the schema file and the generated client describe the same models and fields', () => {
    const runtime = runtimeDataModel(prisma);
    expect(pairs.map((p) => p.name).sort()).toEqual(Object.keys(runtime).sort());
    expect(Object.values(Prisma.ModelName).sort()).toEqual(Object.keys(runtime).sort());
    for (const pair of pairs) {
      expect(schemaTable(pair.schema)).toBe(tableOf(pair.name, pair.runtime));
      const fromSchema = pair.schema.fields.map((f) => `${f.name}: ${f.type} -> ${schemaColumn(f)}`);
      const fromClient = pair.runtime.fields.map((f) => `${f.name}: ${f.type} -> ${columnOf(f)}`);
      expect(fromSchema, `fields of ${pair.name}`).toEqual(fromClient);
    }
  });

  it('has exactly the tables of the models, plus postern_migrations', async () => {
    expect(await actualTables(prisma)).toEqual([...tables, 'postern_migrations'].sort());
  });

  it('has exactly the columns of the models, with their types, nullability and defaults', async () => {
    expect(await actualColumns(prisma, tables)).toEqual(expectedColumns(pairs));
  });

  it('has exactly the primary keys, unique and plain indexes of the schema, named as Prisma names them', async () => {
    expect(await actualIndexes(prisma, tables)).toEqual(expectedIndexes(pairs));
  });

  it('has exactly the foreign keys of the relations, with their referential actions', async () => {
    expect(await actualForeignKeys(prisma, tables)).toEqual(expectedForeignKeys(pairs));
  });

  it('has a case below for every model of the generated client', () => {
    expect(Object.keys(modelCases).sort()).toEqual(Object.values(Prisma.ModelName).sort());
  });

  it.each(Object.entries(modelCases))('model %s: every field round-trips; updates, uniques, relations, cascades', async (_name, run) => {
    await run(prisma);
  });
});
