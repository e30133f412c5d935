import { Construct, IConstruct } from 'constructs';
import { Annotations, compareStrings, TextFile } from '../../src';
import { controlCharProblem } from '../../src/_control-chars';

/**
 * Where a secret's value comes from when Kamal reads the secrets file (dotenv with `$VAR` and
 * `$(command)` substitution). Only references: a value can never be written.
 */
export abstract class SecretSource {
  /** Pass-through of an environment variable of the deployer (CI secret, shell export). */
  public static env(variable?: string): SecretSource {
    return new EnvSource(variable);
  }

  /**
   * The output of a command run on the deployer's machine (`$(cat config/master.key)`). The
   * command must read the secret from somewhere (a file, a store, the environment through
   * `printenv`): one that prints a literal (`echo hunter2`) would commit the secret.
   */
  public static command(command: string, options: CommandSourceOptions = {}): SecretSource {
    return new CommandSource(command, options);
  }

  /**
   * A Kamal secrets adapter (`kamal secrets fetch --adapter ...`), e.g. 1password, bitwarden,
   * aws_secrets_manager. Secrets with the same adapter, account and source share one fetch.
   */
  public static adapter(props: AdapterSourceProps): SecretSource {
    return new AdapterSource(props);
  }

  /** The dotenv right-hand side for secret `name`. */
  public abstract reference(name: string): string;
}

/** Options of SecretSource.command. */
export interface CommandSourceOptions {
  /**
   * The command's output can never contain a `$` (it is base64 or hex, say). Kamal's dotenv
   * (3.2, what Kamal 2.12 installs) replaces `$NAME` in a command's output with the variable's
   * value, usually nothing (basecamp/kamal#1911), so any other command's secret is reported as a
   * hazard (`kamal:secret-output-dollar`). A command whose last step is `base64` (encoding) is
   * recognised without this.
   * @default false
   */
  readonly outputHasNoDollar?: boolean;
}

/** Which secrets adapter fetches a secret, and where in the store it is (SecretSource.adapter). */
export interface AdapterSourceProps {
  /** Adapter name as Kamal knows it (`1password`, `bitwarden`, `lastpass`, `aws_secrets_manager`, ...). */
  readonly adapter: string;
  /** `--account`. @default - none */
  readonly account?: string;
  /** `--from` (vault/item or prefix). @default - none */
  readonly from?: string;
  /** The key in the secret store. @default - the secret's own name */
  readonly key?: string;
}

class EnvSource extends SecretSource {
  constructor(private readonly variable?: string) {
    super();
    if (variable !== undefined) assertName(variable, 'environment variable');
  }

  /** The environment variable read for secret `name`. */
  public variableFor(name: string): string {
    return this.variable ?? name;
  }

  public reference(name: string): string {
    return `$${this.variableFor(name)}`;
  }
}

class CommandSource extends SecretSource {
  /** Whether dotenv's `$NAME` replacement can't touch the output. */
  public readonly outputHasNoDollar: boolean;

  constructor(private readonly command: string, options: CommandSourceOptions) {
    super();
    const why = commandProblem(command);
    if (why) throw new Error(`secret command ${JSON.stringify(command)} ${why}`);
    this.outputHasNoDollar = options.outputHasNoDollar ?? encodesOutput(command);
  }

  public reference(): string {
    return `$(${this.command})`;
  }
}

/**
 * A secret read through `kamal secrets fetch` and `kamal secrets extract`; made by
 * SecretSource.adapter. The secrets file groups these by `fetchKey()` into one fetch each.
 * @internal
 */
export class AdapterSource extends SecretSource {
  constructor(public readonly props: AdapterSourceProps) {
    super();
    if (!/^[a-z0-9_]+$/.test(props.adapter)) throw new Error(`'${props.adapter}' is not a Kamal secrets adapter name (1password, bitwarden, aws_secrets_manager, ...)`);
    for (const [prop, value] of [['account', props.account], ['from', props.from], ['key', props.key]] as const) {
      const why = value === undefined ? undefined : adapterArgProblem(value);
      if (why) throw new Error(`secret adapter ${prop} ${JSON.stringify(value)} ${why}`);
    }
  }

  /** The fetch this secret belongs to; secrets sharing it are fetched in one call. */
  public fetchKey(): string {
    return [this.props.adapter, this.props.account ?? '', this.props.from ?? ''].join('\u0000');
  }

  /**
   * The adapter arguments of the shared `kamal secrets fetch` call (`--adapter`, `--account`,
   * `--from`), each value shell-quoted.
   */
  public fetchArgs(): string {
    const p = this.props;
    return [`--adapter ${p.adapter}`, p.account && `--account ${shellWord(p.account)}`, p.from && `--from ${shellWord(p.from)}`].filter(Boolean).join(' ');
  }

  /** The key in the store, as a word of Kamal's inline command line. */
  public keyWord(name: string): string {
    return shellWord(this.props.key ?? name);
  }

  /** The `kamal secrets extract` of this secret's key from the fetched `$SECRETS`. */
  public reference(name: string): string {
    return `$(kamal secrets extract ${this.keyWord(name)} $SECRETS)`;
  }
}

/** Props of KamalSecrets: the secrets files and the source of each secret in them. */
export interface KamalSecretsProps {
  /**
   * The `secrets_path` the configs use; files are `<path>-common`, `<path>.<destination>` and
   * `<path>`. Configs that set the same `secrets_path` read these files.
   * @default '.kamal/secrets'
   */
  readonly path?: string;
  /** Secrets for every config and destination (`<path>-common`). @default - none */
  readonly common?: Readonly<Record<string, SecretSource>>;
  /** Secrets read only with `-d <destination>` (`<path>.<destination>`). @default - none */
  readonly destinations?: Readonly<Record<string, Readonly<Record<string, SecretSource>>>>;
  /** Secrets read only without a destination (`<path>`). @default - none */
  readonly withoutDestination?: Readonly<Record<string, SecretSource>>;
}

/** Where a secret lookup went, for error messages. */
export interface SecretLookup {
  /** Whether one of the files defines the secret. */
  readonly found: boolean;
  /** The files Kamal reads for this destination, in order. */
  readonly files: string[];
}

const REGISTRY = new WeakMap<IConstruct, KamalSecrets[]>();

/** Where Kamal looks for secrets files when a config sets no `secrets_path`. */
const DEFAULT_PATH = '.kamal/secrets';

/**
 * The `.kamal/secrets*` files: names and references only. Knows which files Kamal reads for a
 * destination, so configs can prove every secret they use resolves before anyone deploys.
 */
export class KamalSecrets extends Construct {
  /** The secrets files declared in this tree for `path`. */
  public static forPath(scope: IConstruct, path: string): KamalSecrets | undefined {
    return (REGISTRY.get(scope.node.root) ?? []).find((s) => s.path === path);
  }

  /** Where a merged config's secrets files are: its `secrets_path`, or Kamal's default. */
  public static pathIn(config: { readonly secrets_path?: unknown }): string {
    return typeof config.secrets_path === 'string' ? config.secrets_path : DEFAULT_PATH;
  }

  /** The files Kamal reads for a destination (or none), in order, for `path`. */
  public static filesRead(path: string, destination?: string): string[] {
    return [`${path}-common`, destination === undefined ? path : `${path}.${destination}`];
  }

  /** The `secrets_path` these files belong to. */
  public readonly path: string;
  private readonly common = new Map<string, SecretSource>();
  private readonly perDestination = new Map<string, Map<string, SecretSource>>();
  private readonly withoutDestination = new Map<string, SecretSource>();

  constructor(scope: Construct, id: string, props: KamalSecretsProps = {}) {
    super(scope, id);
    this.path = props.path ?? DEFAULT_PATH;
    if (KamalSecrets.forPath(this, this.path)) {
      throw new Error(`[${this.node.path}] secrets files for ${this.path} are already declared by [${KamalSecrets.forPath(this, this.path)!.node.path}]; add secrets there`);
    }
    const list = REGISTRY.get(this.node.root) ?? [];
    list.push(this);
    REGISTRY.set(this.node.root, list);

    for (const [n, s] of Object.entries(props.common ?? {})) this.addCommon(n, s);
    for (const [d, set] of Object.entries(props.destinations ?? {})) for (const [n, s] of Object.entries(set)) this.addForDestination(d, n, s);
    for (const [n, s] of Object.entries(props.withoutDestination ?? {})) this.addWithoutDestination(n, s);

    this.node.addValidation({ validate: () => this.validateDestinationFiles() });
  }

  /** A secret every config and destination can read. */
  public addCommon(name: string, source: SecretSource): void {
    assertName(name, 'secret');
    if (this.common.size === 0) {
      new TextFile(this, 'Common', { path: `${this.path}-common`, commentPrefix: '#', lines: () => this.lines(this.common) });
    }
    this.common.set(name, source);
  }

  /** A secret read only with `-d <destination>`. */
  public addForDestination(destination: string, name: string, source: SecretSource): void {
    assertName(name, 'secret');
    let set = this.perDestination.get(destination);
    if (!set) {
      set = new Map();
      this.perDestination.set(destination, set);
      new TextFile(this, `Destination-${destination}`, { path: `${this.path}.${destination}`, commentPrefix: '#', lines: () => this.lines(set!) });
    }
    set.set(name, source);
  }

  /** A secret read only without a destination. */
  public addWithoutDestination(name: string, source: SecretSource): void {
    assertName(name, 'secret');
    if (this.withoutDestination.size === 0) {
      new TextFile(this, 'Default', { path: this.path, commentPrefix: '#', lines: () => this.lines(this.withoutDestination) });
    }
    this.withoutDestination.set(name, source);
  }

  /** Whether `name` resolves for a destination (or none), and which files were searched. */
  public lookup(name: string, destination?: string): SecretLookup {
    const files = KamalSecrets.filesRead(this.path, destination);
    const specific = destination === undefined ? this.withoutDestination : this.perDestination.get(destination);
    return { found: this.common.has(name) || (specific?.has(name) ?? false), files };
  }

  /**
   * The environment variables the files Kamal reads for `destination` (or none) take secrets from
   * through `SecretSource.env()`, sorted: what a deployer such as CI must export, since Kamal reads
   * an unset `$VAR` as an empty secret without a word. Commands and adapters are not listed.
   */
  public envVariablesRead(destination?: string): string[] {
    const specific = destination === undefined ? this.withoutDestination : this.perDestination.get(destination);
    const names = new Set<string>();
    for (const set of [this.common, specific ?? new Map<string, SecretSource>()]) {
      for (const [name, source] of set) if (source instanceof EnvSource) names.add(source.variableFor(name));
    }
    return [...names].sort(compareStrings);
  }

  private validateDestinationFiles(): string[] {
    const errors: string[] = [];
    for (const d of this.perDestination.keys()) {
      if (!/^[a-z0-9_-]+$/i.test(d)) errors.push(`destination '${d}' can't name a secrets file; use letters, digits, '-' and '_'`);
    }
    this.warnOfDollarExpansion();
    return errors;
  }

  /**
   * Kamal's dotenv (3.2) runs `$(...)` first and then replaces `$NAME` in the whole value, the
   * command's output included (basecamp/kamal#1911): a secret from a command or an adapter that
   * contains `$` is deployed changed. Environment variables are not affected (a replacement's
   * text is not read again).
   */
  private warnOfDollarExpansion(): void {
    const exposed: string[] = [];
    const files: Array<[string, Map<string, SecretSource>]> = [
      [`${this.path}-common`, this.common],
      ...[...this.perDestination]
        .sort((a, b) => compareStrings(a[0], b[0]))
        .map(([d, set]): [string, Map<string, SecretSource>] => [`${this.path}.${d}`, set]),
      [this.path, this.withoutDestination],
    ];
    for (const [file, set] of files) {
      for (const [name, source] of [...set].sort((a, b) => compareStrings(a[0], b[0]))) {
        if ((source instanceof CommandSource && !source.outputHasNoDollar) || source instanceof AdapterSource) exposed.push(`${name} (${file})`);
      }
    }
    if (exposed.length === 0) return;
    Annotations.of(this).addWarning(
      'kamal:secret-output-dollar',
      `${exposed.join(', ')} ${exposed.length === 1 ? 'comes' : 'come'} from a command's output, in which Kamal's dotenv (3.2) replaces $NAME with the variable's value, usually nothing (basecamp/kamal#1911): a secret containing '$' would be deployed changed. ` +
        "Make sure the values have no '$', or encode them (base64) and decode where they are used, then declare it with SecretSource.command(..., { outputHasNoDollar: true }) or acknowledge this warning",
    );
  }

  /** dotenv lines, sorted by name; adapter secrets grouped under one fetch per store. */
  private lines(set: Map<string, SecretSource>): string[] {
    const names = [...set.keys()].sort(compareStrings);
    const fetches = new Map<string, { args: string; keys: string[] }>();
    for (const n of names) {
      const s = set.get(n)!;
      if (s instanceof AdapterSource) {
        const f = fetches.get(s.fetchKey()) ?? { args: s.fetchArgs(), keys: [] };
        f.keys.push(s.keyWord(n));
        fetches.set(s.fetchKey(), f);
      }
    }
    if (fetches.size > 1) {
      throw new Error(`${this.path}: secrets from ${fetches.size} different adapter stores in one file; Kamal's $SECRETS holds one fetch, so keep one store per file`);
    }
    const out: string[] = [];
    for (const f of fetches.values()) out.push(`SECRETS=$(kamal secrets fetch ${f.args} ${f.keys.join(' ')})`);
    for (const n of names) out.push(`${n}=${set.get(n)!.reference(n)}`);
    // Every part was checked where it was given; this guards the line structure itself.
    for (const line of out) {
      const why = controlCharProblem(line);
      if (why) throw new Error(`${this.path}: the line for ${line.slice(0, line.indexOf('='))} ${why}; a dotenv line is one line`);
    }
    return out;
  }
}

/**
 * Why a command can't be the `$(...)` of a dotenv line as Kamal reads it (dotenv 3.x with Kamal's
 * own command substitution), or undefined. One pass over the text.
 */
function commandProblem(command: string): string | undefined {
  if (!command.trim()) return 'is empty; give the command that prints the secret';
  const control = controlCharProblem(command);
  if (control) return `${control}; a dotenv line is one line — put longer logic in a script and call it`;
  for (const [ch, why] of COMMAND_CHARS) if (command.includes(ch)) return why;
  const constant = constantOutput(command);
  if (constant) return `prints ${constant}, a value written in the repository: a committed secret. Read it from where it is kept (a file outside git, a secrets store, printenv NAME), or use SecretSource.env()`;
  return undefined;
}

const COMMAND_CHARS: ReadonlyArray<[string, string]> = [
  ['#', "has a '#', where dotenv ends the value as a comment; put the command in a script and call it"],
  ['(', "has a '(', and Kamal reads $(...) up to a matching ')'; put the command in a script and call it"],
  [')', "has a ')', and Kamal reads $(...) up to the first unmatched ')'; put the command in a script and call it"],
  ['\\', "has a '\\', which dotenv removes before the shell sees the command; put the command in a script and call it"],
  ['$', "has a '$': dotenv, not the shell, replaces $NAME and ${NAME} in the command first, pasting the value in as shell code; read variables with printenv NAME"],
];

/** Commands whose output is their arguments. */
const PRINTERS = new Set(['echo', 'printf', 'yes']);
/** Words that run the command after them. */
const PREFIXES = new Set(['command', 'builtin', 'exec', 'env', '{', '!']);

/**
 * What a command prints that is written in the command itself, or undefined: a printer (`echo`,
 * `printf`, `yes`) with a literal argument and its output not redirected away, or a here-document
 * or here-string (`<<`), whose text is the input. `$`, `(` and `\` are refused before this runs,
 * so nothing in the text can be expanded; a backquoted command can, and is left alone.
 */
function constantOutput(command: string): string | undefined {
  if (command.includes('`')) return undefined;
  if (command.includes('<<')) return 'a here-document or here-string';
  for (const words of simpleCommands(command)) {
    let i = 0;
    while (i < words.length && (PREFIXES.has(words[i]) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]))) i++;
    const name = words[i];
    if (name === undefined || !PRINTERS.has(name)) continue;
    const args = words.slice(i + 1).filter((w) => !/^(?:1?>|&>|>>)/.test(w));
    if (args.length < words.length - i - 1) continue; // stdout redirected: nothing reaches the value
    const literal = name === 'echo' ? args.filter((a) => !/^-[neE]+$/.test(a)) : args;
    if (literal.some((a) => a !== '')) return `'${name} ${literal.join(' ')}'`;
  }
  return undefined;
}

/**
 * The words of each simple command of a one-line shell command (split at `|`, `;` and `&` outside
 * quotes; quotes removed). Linear: each character is looked at once.
 */
function simpleCommands(command: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (ch === '|' || ch === ';' || ch === '&') {
      // `>&2` and `&>` are redirections, not separators.
      if (ch === '&' && word !== undefined && word.endsWith('>')) {
        word += ch;
        continue;
      }
      endWord();
      if (words.length > 0) commands.push(words);
      words = [];
    } else {
      word = (word ?? '') + ch;
    }
  }
  endWord();
  if (words.length > 0) commands.push(words);
  return commands;
}

/** Whether a command's last step encodes its output so that it can't contain `$` (base64). */
function encodesOutput(command: string): boolean {
  const steps = simpleCommands(command);
  while (steps.length > 0 && steps[steps.length - 1][0] === 'tr' && steps[steps.length - 1][1] === '-d') steps.pop();
  const last = steps[steps.length - 1];
  return last !== undefined && last[0] === 'base64' && !last.some((w) => w === '-d' || w === '--decode' || w === '-D');
}

/**
 * Why an adapter's account, `from` or key can't be a word of Kamal's inline
 * `kamal secrets ...` command line (read by dotenv, then split like a shell would), or undefined.
 */
function adapterArgProblem(value: string): string | undefined {
  if (value === '') return 'is empty; leave it out instead';
  const control = controlCharProblem(value);
  if (control) return `${control}; remove it`;
  if (value.startsWith('-')) return "starts with '-', so Kamal would read it as an option; rename it";
  for (const ch of ["'", '"', '$', '#', '(', ')', '\\', '`']) {
    if (value.includes(ch)) return `has a '${ch}', which would break the dotenv line of the secrets file or the command Kamal reads from it; rename it in the store`;
  }
  return undefined;
}

/** A word as Kamal's shellsplit reads it back: single-quoted when it has a space. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.@:+=,%\/-]+$/.test(value) ? value : `'${value}'`;
}

function assertName(name: string, what: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`'${name}' is not a valid ${what} name; use letters, digits and '_', not starting with a digit`);
  }
}
