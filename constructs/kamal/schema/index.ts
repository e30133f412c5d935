import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileSchema, DocumentProblem, escapePointer, IDocumentValidator } from '../../../src/schema';
import { KAMAL_DEPLOY_SCHEMA } from './deploy-schema';
import { checkKamalRules, KamalDocument } from './rules';

export { KAMAL_DEPLOY_SCHEMA } from './deploy-schema';
export { checkKamalRules, KAMAL_BUILT_IN_COMMANDS, KAMAL_RULES, KAMAL_VERSION } from './rules';
export type { DocumentFacts, KamalDocument, KamalRule, RoleView, RuleOptions } from './rules';

/** Options of a KamalConfigValidator. */
export interface KamalConfigValidatorOptions {
  /**
   * Check a base `deploy.yml` or a destination overlay `deploy.<dest>.yml` on its own:
   * structure, types, unknown keys and the rules about a key's own value, but nothing that is
   * only decidable once the files are merged (required keys, primary role, SSL per role...).
   * @default false - the document is a complete effective config, checked with every rule
   */
  readonly partial?: boolean;
}

/**
 * Validates a Kamal 2.12 deploy document as strictly as Kamal does, with Kamal's own messages,
 * so a broken config fails at synth instead of at `kamal deploy`.
 *
 * Like Kamal, which checks shape before it cross-checks, the rules only run once the schema
 * passes; unlike Kamal, every problem is reported, not just the first.
 */
export class KamalConfigValidator implements IDocumentValidator {
  /**
   * Whether the document is checked as a base file or destination overlay on its own (see
   * KamalConfigValidatorOptions.partial).
   */
  public readonly partial: boolean;

  constructor(options: KamalConfigValidatorOptions = {}) {
    this.partial = options.partial ?? false;
  }

  /**
   * Kamal's problems with `doc`, empty when Kamal would accept it: schema errors, or when the
   * schema passes, the rules'.
   */
  public validate(doc: unknown): DocumentProblem[] {
    const fn = compiledSchema();
    if (!fn(doc)) return translateSchemaErrors(fn.errors ?? []);
    return checkKamalRules(doc as KamalDocument, { partial: this.partial });
  }
}

/** The Kamal schema's validator, compiled ahead of time by scripts/validators.ts. */
export const KAMAL_DEPLOY_VALIDATOR = path.join(__dirname, 'deploy.validator.js');

let compiled: ValidateFunction | undefined;

/** Compiled once per process: the validator runs for every deploy file of every estate. */
function compiledSchema(): ValidateFunction {
  if (!compiled) compiled = compileSchema(KAMAL_DEPLOY_SCHEMA, KAMAL_DEPLOY_VALIDATOR);
  return compiled;
}

/**
 * Kamal's words for a failed type check where the type list alone does not give them: a role or
 * accessory `proxy` may be a boolean but Kamal only says "hash"; hooks_output talks of symbols;
 * a bad `builder.arch` element is reported on `arch` itself.
 */
const TYPE_MESSAGES: ReadonlyArray<{ path: RegExp; types?: string; message: string; up?: boolean }> = [
  { path: /^\/servers\/[^/]+\/proxy$/, types: 'object,boolean', message: 'should be a hash' },
  { path: /^\/accessories\/[^/]+\/proxy$/, types: 'object,boolean', message: 'should be a hash' },
  { path: /^\/hooks_output(\/[^/]+)?$/, message: 'should be a string or a symbol' },
  { path: /^\/builder\/arch\/\d+$/, message: 'should be an array or a string', up: true },
];

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'a hash',
};

/** `should be a string or a hash`: Kamal's phrasing, where string+number+boolean is "a string". */
function describeTypes(types: string[]): string {
  const stringish = types.includes('string') && types.includes('number');
  const words: string[] = [];
  for (const t of types) {
    const word = stringish && (t === 'number' || t === 'boolean') ? TYPE_WORDS.string : TYPE_WORDS[t] ?? t;
    if (!words.includes(word)) words.push(word);
  }
  return `should be ${words.join(' or ')}`;
}

/** Kamal's context for a node: its slash path, keys as written. */
function contextOf(pointer: string): string {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('/');
}

function withContext(pointer: string, message: string): DocumentProblem {
  const ctx = contextOf(pointer);
  return { pointer, message: ctx ? `${ctx}: ${message}` : message };
}

function parent(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/**
 * ajv errors in Kamal's words, one per real problem: unknown keys of one hash are listed
 * together (`unknown keys: a, b`), `if`/`then` bookkeeping is dropped, repeats are merged.
 */
function translateSchemaErrors(errors: ReadonlyArray<ErrorObject>): DocumentProblem[] {
  const out: Array<DocumentProblem | { unknownIn: string }> = [];
  const unknown = new Map<string, string[]>();
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const keys = unknown.get(e.instancePath);
        const key = String(params.additionalProperty);
        if (!keys) {
          unknown.set(e.instancePath, [key]);
          out.push({ unknownIn: e.instancePath });
        } else if (!keys.includes(key)) {
          keys.push(key);
        }
        break;
      }
      case 'type': {
        const types = Array.isArray(params.type) ? params.type.map(String) : String(params.type).split(',');
        const special = TYPE_MESSAGES.find((m) => m.path.test(e.instancePath) && (!m.types || m.types === types.join(',')));
        const where = special?.up ? parent(e.instancePath) : e.instancePath;
        out.push(withContext(where, special?.message ?? describeTypes(types)));
        break;
      }
      case 'minProperties':
      case 'maxProperties':
        // Only host entries (`{host: tags}`) limit their size.
        out.push(withContext(e.instancePath, 'multiple hosts found'));
        break;
      case 'if':
        break;
      default:
        out.push(withContext(e.instancePath, e.message ?? e.keyword));
    }
  }

  const seen = new Set<string>();
  const problems: DocumentProblem[] = [];
  for (const item of out) {
    let problem: DocumentProblem;
    if ('unknownIn' in item) {
      const keys = unknown.get(item.unknownIn)!;
      // One unknown key points at the key itself; several at the hash that holds them.
      problem = keys.length === 1
        ? { ...withContext(item.unknownIn, `unknown key: ${keys[0]}`), pointer: `${item.unknownIn}/${escapePointer(keys[0])}` }
        : withContext(item.unknownIn, `unknown keys: ${keys.join(', ')}`);
    } else {
      problem = item;
    }
    const id = `${problem.pointer}\u0000${problem.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(problem);
    }
  }
  return problems;
}
