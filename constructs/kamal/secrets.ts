import { Construct, IConstruct } from 'constructs';
import { compareStrings, TextFile } from '../../src';

/**
 * Where a secret's value comes from when Kamal reads the secrets file (dotenv with `$VAR` and
 * `$(command)` substitution). Only references: a value can never be written.
 */
export abstract class SecretSource {
  /** Pass-through of an environment variable of the deployer (CI secret, shell export). */
  public static env(variable?: string): SecretSource {
    return new EnvSource(variable);
  }

  /** The output of a command run on the deployer's machine (`$(cat config/master.key)`). */
  public static command(command: string): SecretSource {
    return new CommandSource(command);
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
  constructor(private readonly command: string) {
    super();
    if (!command.trim() || command.includes('\n') || command.includes(')')) {
      throw new Error(`secret command '${command}' must be one line without ')'; put longer logic in a script and call it`);
    }
  }

  public reference(): string {
    return `$(${this.command})`;
  }
}

export class AdapterSource extends SecretSource {
  constructor(public readonly props: AdapterSourceProps) {
    super();
    if (!/^[a-z0-9_]+$/.test(props.adapter)) throw new Error(`'${props.adapter}' is not a Kamal secrets adapter name (1password, bitwarden, aws_secrets_manager, ...)`);
  }

  /** The fetch this secret belongs to; secrets sharing it are fetched in one call. */
  public fetchKey(): string {
    return [this.props.adapter, this.props.account ?? '', this.props.from ?? ''].join('\u0000');
  }

  public fetchArgs(): string {
    const p = this.props;
    return [`--adapter ${p.adapter}`, p.account && `--account ${p.account}`, p.from && `--from ${p.from}`].filter(Boolean).join(' ');
  }

  public reference(name: string): string {
    return `$(kamal secrets extract ${this.props.key ?? name} $SECRETS)`;
  }
}

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
  readonly found: boolean;
  /** The files Kamal reads for this destination, in order. */
  readonly files: string[];
}

const REGISTRY = new WeakMap<IConstruct, KamalSecrets[]>();

/**
 * The `.kamal/secrets*` files: names and references only. Knows which files Kamal reads for a
 * destination, so configs can prove every secret they use resolves before anyone deploys.
 */
export class KamalSecrets extends Construct {
  /** The secrets files declared in this tree for `path`. */
  public static forPath(scope: IConstruct, path: string): KamalSecrets | undefined {
    return (REGISTRY.get(scope.node.root) ?? []).find((s) => s.path === path);
  }

  /** The files Kamal reads for a destination (or none), in order, for `path`. */
  public static filesRead(path: string, destination?: string): string[] {
    return [`${path}-common`, destination === undefined ? path : `${path}.${destination}`];
  }

  public readonly path: string;
  private readonly common = new Map<string, SecretSource>();
  private readonly perDestination = new Map<string, Map<string, SecretSource>>();
  private readonly withoutDestination = new Map<string, SecretSource>();

  constructor(scope: Construct, id: string, props: KamalSecretsProps = {}) {
    super(scope, id);
    this.path = props.path ?? '.kamal/secrets';
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
    return errors;
  }

  /** dotenv lines, sorted by name; adapter secrets grouped under one fetch per store. */
  private lines(set: Map<string, SecretSource>): string[] {
    const names = [...set.keys()].sort(compareStrings);
    const fetches = new Map<string, { args: string; keys: string[] }>();
    for (const n of names) {
      const s = set.get(n)!;
      if (s instanceof AdapterSource) {
        const f = fetches.get(s.fetchKey()) ?? { args: s.fetchArgs(), keys: [] };
        f.keys.push(s.props.key ?? n);
        fetches.set(s.fetchKey(), f);
      }
    }
    if (fetches.size > 1) {
      throw new Error(`${this.path}: secrets from ${fetches.size} different adapter stores in one file; Kamal's $SECRETS holds one fetch, so keep one store per file`);
    }
    const out: string[] = [];
    for (const f of fetches.values()) out.push(`SECRETS=$(kamal secrets fetch ${f.args} ${f.keys.join(' ')})`);
    for (const n of names) out.push(`${n}=${set.get(n)!.reference(n)}`);
    return out;
  }
}

function assertName(name: string, what: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`'${name}' is not a valid ${what} name; use letters, digits and '_', not starting with a digit`);
  }
}
