/**
 * Internal: the estate as the operations page reads it — the resolved view of every config and the
 * documents the other constructs emit — and small readers of those documents. Not exported from
 * the folder.
 */
import { IConstruct } from 'constructs';
import { compareStrings, FileBase } from '../../src';
import { GitHubL1 } from '../github';
import { Accessory, ContainerView, DeploymentView, EmittedAddress, Host, hostLabel, KamalDeploy, KamalSecrets, parseAddress, PublishedPort, RouteView } from '../kamal';
import { FluentBit } from '../observability';

/** The string at a `/`-separated key of the effective config (`accessories/db/volumes/0`), as emitted. */
export function emittedString(view: DeploymentView, key: string): string | undefined {
  let v: unknown = view.config;
  for (const k of key.split('/')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** `host/path` of a route, `*` for any host. */
export function endpointOf(route: RouteView): string {
  const hosts = route.hosts.length > 0 ? route.hosts : ['*'];
  const prefixes = route.pathPrefixes.length > 0 ? route.pathPrefixes : [''];
  return hosts.flatMap((h) => prefixes.map((p) => `${route.tls ? 'https' : 'http'}://${h}${p}`)).join(', ');
}

/** The tag a container logs to journald with, if it logs there. */
export function journaldTag(c: ContainerView): string | undefined {
  if (c.logging?.driver !== 'journald') return undefined;
  const tag = (c.logging.options as Record<string, unknown> | undefined)?.tag;
  return tag === undefined ? undefined : String(tag);
}

/** The `secrets_path` a config reads, as emitted. */
export function secretsPathOf(view: DeploymentView): string {
  const p = view.config.secrets_path;
  return p !== undefined && p !== null ? String(p) : (view.owner as KamalDeploy).secretsPath;
}

/** The registry a config pushes its image to, when it builds one. */
export function registryOf(view: DeploymentView): string | undefined {
  const server = view.config.registry?.server;
  return view.config.image === undefined || server === undefined ? undefined : String(server);
}

/** What a workflow runs: its steps' `run` lines that call a script, or else the last step's. */
export function runsOf(doc: GitHubL1.Workflow): string[] {
  const steps = Object.values(doc.jobs ?? {}).flatMap((j) => (Array.isArray(j?.steps) ? j.steps : []));
  const runs = steps.filter((s) => s?.id === 'deploy' && typeof s.run === 'string').map((s) => String(s.run).trim());
  if (runs.length > 0) return runs;
  const last = steps[steps.length - 1];
  return last ? [String(last.run ?? last.uses ?? '').trim()] : [];
}

/** The GitHub secrets a workflow reads (`${{ secrets.NAME }}`), sorted. */
export function githubSecretsOf(doc: GitHubL1.Workflow): string[] {
  const names = new Set<string>();
  const text = JSON.stringify(doc);
  for (const m of text.matchAll(/\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) names.add(m[1]);
  return [...names].sort(compareStrings);
}

/** Short, stable Mermaid ids for model keys, in first-use order. */
export class Ids {
  private readonly map = new Map<string, string>();
  constructor(private readonly prefix = 'n') {}
  /** Whether `key` has an id yet. */
  public has(key: string): boolean {
    return this.map.has(key);
  }
  /** The id of `key`, given on first use. */
  public of(key: string): string {
    let id = this.map.get(key);
    if (!id) this.map.set(key, (id = `${this.prefix}${this.map.size + 1}`));
    return id;
  }
}

/** A connection a container makes to another, read from its env or its emitted documents. */
export interface Link {
  /** The container that connects. */
  readonly from: string;
  /** The host it connects from. */
  readonly fromHost: string;
  /** The container it reaches. */
  readonly to: string;
  /** The host that container runs on. */
  readonly toHost: string;
  /** What points there: the env var, or `:port`. */
  readonly label: string;
  /** A container-to-container address, or a token realm reached through kamal-proxy. */
  readonly kind: 'address' | 'realm';
}

/** The estate as the page reads it: the resolved views and the constructs that emit the other files. */
export class EstateModel {
  /** The resolved view of every config and destination. */
  public readonly views: DeploymentView[];
  /** Every host something runs on: declared Hosts in their order, then the others. */
  public readonly hosts: string[];
  private readonly nodes: IConstruct[];
  private routeList?: ReadonlyArray<{ view: DeploymentView; route: RouteView }>;

  constructor(private readonly root: IConstruct) {
    this.views = KamalDeploy.resolvedViews(root);
    this.nodes = root.node.findAll();
    const hosts: string[] = [];
    for (const v of this.views) for (const c of v.containers) for (const h of c.hosts) if (!hosts.includes(h)) hosts.push(h);
    // Declared hosts in the order the estate declares them, then any others as the configs list them.
    const declared = Host.all(root).map((h) => h.address);
    const rank = (h: string) => (declared.includes(h) ? declared.indexOf(h) : declared.length + hosts.indexOf(h));
    this.hosts = [...hosts].sort((a, b) => rank(a) - rank(b));
  }

  /** Every construct of the tree that `guard` accepts, in tree order. */
  public all<T extends IConstruct>(guard: (x: IConstruct) => x is T): T[] {
    return this.nodes.filter(guard);
  }

  /** The config files, in the order they were declared. */
  public configFiles(): string[] {
    return [...new Set(this.views.map((v) => v.file))];
  }

  /** `web-1 (192.0.2.10)` for a declared Host, `$VAR` for an address read through ERB. */
  public hostTitle(address: string): string {
    const host = Host.at(this.root, address);
    const shown = hostLabel(address);
    return host && host.name !== shown ? `${host.name} (${shown})` : shown;
  }

  /** What runs on `host`, with the view (config, destination) it belongs to. */
  public containersOn(host: string): Array<{ view: DeploymentView; container: ContainerView }> {
    return this.views.flatMap((view) => view.containers.filter((c) => c.hosts.includes(host)).map((container) => ({ view, container })));
  }

  /** kamal-proxy on `host`, if some route runs there. */
  public proxyOn(host: string): { ports: readonly PublishedPort[] } | undefined {
    return this.views.flatMap((v) => v.proxies).find((p) => p.host === host);
  }

  /** Every kamal-proxy route, sorted by endpoint. */
  public routes(): ReadonlyArray<{ view: DeploymentView; route: RouteView }> {
    // Worked out once per model, and a model lives for one render.
    this.routeList ??= this.views
      .flatMap((view) => view.routes.map((route) => ({ view, route })))
      .sort((a, b) => compareStrings(endpointOf(a.route), endpointOf(b.route)));
    return this.routeList;
  }

  /** Whether anything on `host` logs to, or reads from, journald. */
  public journaldOn(host: string): boolean {
    return this.containersOn(host).some(({ container }) => journaldTag(container) !== undefined) || this.collectorsOn(host).length > 0;
  }

  /** The Fluent Bits that read the journal of `host`. */
  public collectorsOn(host: string): FluentBit[] {
    return this.all((x): x is FluentBit => x instanceof FluentBit).filter((fb) => fb.servers.includes(host));
  }

  /** The container a `host:port` reaches: by container name, or by the address and port it is published on. */
  public containerAt(host: string, port?: number, near?: string): string | undefined {
    return this.containersAt(host, port, near)[0]?.container;
  }

  private containersAt(host: string, port: number | undefined, near?: string): Array<{ container: string; host: string }> {
    const found: Array<{ container: string; host: string }> = [];
    for (const v of this.views) {
      for (const c of v.containers) {
        const byName = c.container === host;
        const byPort = c.ports.some((p) => p.bind === host && (port === undefined || p.hostPort === port));
        if (byName || byPort) {
          const hosts = byName && near && c.hosts.includes(near) ? [near] : c.hosts;
          for (const h of hosts.slice(0, 1)) if (!found.some((f) => f.container === c.container)) found.push({ container: c.container, host: h });
        }
      }
    }
    return found;
  }

  /** What each container connects to: roles through their env, accessories through their emitted documents. */
  public links(): Link[] {
    const out: Link[] = [];
    const push = (l: Link) => {
      if (!out.some((x) => x.from === l.from && x.fromHost === l.fromHost && x.to === l.to && x.kind === l.kind)) out.push(l);
    };
    for (const view of this.views) {
      for (const c of view.containers) {
        for (const fromHost of c.hosts) {
          if (c.kind === 'accessory' && c.owner instanceof Accessory) {
            for (const addr of c.owner.emittedAddresses()) this.linkAddress(c, fromHost, addr, push);
          }
          if (c.kind === 'role') {
            for (const [name, value] of Object.entries(c.env.clear).sort((a, b) => compareStrings(a[0], b[0]))) {
              const parsed = parseAddress(value);
              if (!parsed) continue;
              const portVar = /HOST$/.test(name) ? c.env.clear[name.replace(/HOST$/, 'PORT')] : undefined;
              const port = parsed.port ?? (portVar !== undefined && /^\d+$/.test(portVar) ? Number(portVar) : undefined);
              const targets = this.containersAt(parsed.host, port, fromHost);
              if (targets.length === 1) push({ from: c.container, fromHost, to: targets[0].container, toHost: targets[0].host, label: name, kind: 'address' });
            }
          }
        }
      }
    }
    return out;
  }

  private linkAddress(c: ContainerView, fromHost: string, addr: EmittedAddress, push: (l: Link) => void): void {
    if (addr.from === 'anywhere') {
      const route = this.routes().find(({ route: r }) => r.hosts.includes(addr.host) && r.pathPrefixes.some((p) => (addr.path ?? '/').startsWith(p)));
      if (route) push({ from: c.container, fromHost, to: route.route.target, toHost: route.route.servers[0], label: '', kind: 'realm' });
      return;
    }
    const targets = this.containersAt(addr.host, addr.port, fromHost);
    if (targets.length === 1) push({ from: c.container, fromHost, to: targets[0].container, toHost: targets[0].host, label: addr.port !== undefined ? `:${addr.port}` : '', kind: 'address' });
  }

  /** Registry containers of the estate that serve the images of other containers. */
  public imagePulls(): Array<{ registry: string; registryHost: string; container: string; host: string }> {
    const out: Array<{ registry: string; registryHost: string; container: string; host: string }> = [];
    for (const view of this.views) {
      for (const c of view.containers) {
        const image = c.kind === 'role' ? view.image : c.image;
        if (!image) continue;
        const server = image.split('/')[0];
        const route = this.routes().find(({ route: r }) => r.hosts.includes(server) && r.pathPrefixes.length === 0);
        if (!route) continue;
        for (const host of c.hosts) out.push({ registry: route.route.target, registryHost: route.route.servers[0], container: c.container, host });
      }
    }
    return out;
  }

  /** The names each emitted `.kamal/secrets*` file defines, by path. */
  public secretFiles(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const s of this.all((x): x is KamalSecrets => x instanceof KamalSecrets)) {
      for (const f of s.node.children.filter(FileBase.isFile)) {
        const names = f
          .render()
          .split('\n')
          .map((l) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(l)?.[1])
          .filter((n): n is string => n !== undefined && n !== 'SECRETS');
        out.set(f.path, names);
      }
    }
    return out;
  }
}
