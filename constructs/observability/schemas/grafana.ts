import * as path from 'path';
import { DocumentProblem, JsonSchema } from '../../../src/schema';
import { child, listOf, mapOf, nonEmptyStr, obj, pointer, problem, records, Schema, str } from './_schema';

/*
 * Grafana 12 data source provisioning file (`provisioning/datasources/*.yaml`), the V1 format
 * (`apiVersion` > 0, camelCase keys): `configsV1`, `upsertDataSourceFromConfigV1` and
 * `deleteDatasourceConfigV1` in `pkg/services/provisioning/datasources/types.go`, plus the root
 * `prune` flag (Grafana 11.1+, provisioning docs). Grafana reads the file with a non-strict
 * `yaml.Unmarshal`, so a misspelt key (`isdefault`) is silently ignored; here it is an error.
 *
 * V1 values go through Grafana's `values` package: strings may carry `$VAR` / `${VAR}`, and
 * booleans and integers may be written as strings (`strconv.ParseBool` / `Atoi` after expansion).
 */

const ENV = '\\$.*';
/** `values.BoolValue`: a YAML boolean, or a string `strconv.ParseBool` accepts, or an env reference. */
const boolValue: Schema = { type: ['boolean', 'string'], pattern: `^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False|${ENV})$` };
/** `values.IntValue` / `Int64Value`. */
const intValue: Schema = { type: ['integer', 'string'], pattern: `^(-?[0-9]+|${ENV})$` };
/** Organisation ids start at 1; 0 or absent means 1. */
const orgId: Schema = { type: ['integer', 'string'], minimum: 0, pattern: `^([0-9]+|${ENV})$` };
/** `util.ValidateUID`: letters, digits, `-` and `_`, at most 40 characters. */
const uid: Schema = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-zA-Z0-9_-]+$' };

/** One entry of `datasources:` (`upsertDataSourceFromConfigV1`). */
const datasource = obj(
  {
    orgId,
    orgName: str,
    version: intValue,
    name: nonEmptyStr,
    type: nonEmptyStr,
    // proxy or direct: checked by the rules, since Grafana only warns.
    access: str,
    url: str,
    user: str,
    database: str,
    basicAuth: boolValue,
    basicAuthUser: str,
    withCredentials: boolValue,
    isDefault: boolValue,
    correlations: listOf({ type: 'object' }),
    // Plugin-specific settings (`maxLines`, `derivedFields`, ...): the plugin's business.
    jsonData: { type: 'object' },
    secureJsonData: mapOf(str),
    editable: boolValue,
    uid,
  },
  ['name', 'type'],
);

/** The JSON Schema of a Grafana data source provisioning file. */
const GRAFANA_DATASOURCES_SCHEMA: Schema = obj(
  {
    apiVersion: { const: 1 },
    datasources: listOf(datasource),
    deleteDatasources: listOf(obj({ orgId, orgName: str, name: nonEmptyStr }, ['name'])),
    prune: boolValue,
  },
  ['apiVersion'],
);

/** The organisation a data source lands in, as Grafana resolves it (absent or 0 means 1). */
function orgOf(ds: Record<string, unknown>): string {
  const id = ds.orgId;
  if (id === undefined || id === 0 || id === '0') return '1';
  return String(id);
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value));
}

function checkAccess(doc: unknown): DocumentProblem[] {
  return records(child(doc, 'datasources'))
    .filter(([, ds]) => ds.access !== undefined && ds.access !== 'proxy' && ds.access !== 'direct')
    .map(([i, ds]) => problem(
      pointer('datasources', i, 'access'),
      `must be proxy (server) or direct (browser), not '${String(ds.access)}'; Grafana would use proxy and only log a warning`,
    ));
}

/**
 * At most one default per organisation (Grafana `validateDefaultUniqueness`, which refuses the
 * whole provisioning directory). Grafana counts across every file in the directory; this sees one.
 */
function checkSingleDefault(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  const defaults = new Map<string, [number, Record<string, unknown>]>();
  for (const [i, ds] of records(child(doc, 'datasources'))) {
    if (!isTrue(ds.isDefault)) continue;
    const org = orgOf(ds);
    const first = defaults.get(org);
    if (first === undefined) {
      defaults.set(org, [i, ds]);
    } else {
      out.push(problem(
        pointer('datasources', i, 'isDefault'),
        `only one data source per organization can be marked as default, and '${String(first[1].name)}' (datasources/${first[0]}) already is in org ${org}; Grafana would refuse every provisioning file`,
      ));
    }
  }
  return out;
}

/** Names (Grafana upserts by name, so a repeat silently replaces) and uids are unique per organisation. */
function checkUnique(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  const seen = { name: new Map<string, number>(), uid: new Map<string, number>() };
  for (const [i, ds] of records(child(doc, 'datasources'))) {
    for (const key of ['name', 'uid'] as const) {
      if (typeof ds[key] !== 'string') continue;
      const id = `${orgOf(ds)}\u0000${String(ds[key])}`;
      const first = seen[key].get(id);
      if (first === undefined) {
        seen[key].set(id, i);
      } else if (key === 'name') {
        out.push(problem(
          pointer('datasources', i, 'name'),
          `data source name '${String(ds.name)}' is already used by datasources/${first} in org ${orgOf(ds)}; Grafana upserts by name, so this entry would silently replace that one`,
        ));
      } else {
        out.push(problem(
          pointer('datasources', i, 'uid'),
          `uid '${String(ds.uid)}' is already used by datasources/${first} in org ${orgOf(ds)}; give each data source its own uid`,
        ));
      }
    }
  }
  return out;
}

/** Grafana 12 `provisioning/datasources/*.yaml`: the strict V1 schema plus Grafana's provisioning checks. */
export const grafanaDatasourcesSchema = new JsonSchema(GRAFANA_DATASOURCES_SCHEMA, [checkAccess, checkSingleDefault, checkUnique], path.join(__dirname, 'grafana.validator.js'));
