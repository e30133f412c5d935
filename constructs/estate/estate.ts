import { Construct, IConstruct } from 'constructs';
import { Annotations, Checks, Erb, Finding, pathOf } from '../../src';
import {
  Accessory, canonical, ContainerView, DeploymentView, describeHost, EnvView, Host, hostLabel, isContainerName, isDataStoreImage, KamalDeploy, parseAddress, PublishedPort, Reachability,
} from '../kamal';
import { inventoryOf, KAMAL_PROXY, Workload } from './inventory';
import { secretLookingName, secretLookingValue } from './secret-text';

/** Props of Estate: the exceptions its cross-config checks accept. */
export interface EstateProps {
  /**
   * Named volumes that several containers may mount on purpose, with the reason. Any other named
   * volume used by two containers on one host is an error (two databases on one data folder).
   * @default - none
   */
  readonly sharedVolumes?: Readonly<Record<string, string>>;
  /**
   * Host addresses (or the ERB fragments that yield them) on a private network the estate trusts:
   * a port published there is not exposure. Loopback always counts as private, and so does every
   * declared Host's privateAddress.
   * @default - none: only loopback and the Hosts' private addresses
   */
  readonly privateAddresses?: readonly string[];
}

/**
 * The whole estate: every config, on every host. Its checks read the resolved view of every
 * (config, destination) and the other products' emitted documents, never construct props, and
 * read across configs, which Kamal never does: one host's container names, published ports
 * (kamal-proxy's 80/443 included), named volumes, kamal-proxy routes and settings; which ports
 * face the network; that every address a config points at is deployed and reachable; who may
 * reach each endpoint; and clear env that looks like a secret.
 */
export class Estate extends Construct {
  private readonly sharedVolumes: Readonly<Record<string, string>>;
  private readonly privateAddresses: readonly string[];

  constructor(scope: Construct, id: string, props: EstateProps = {}) {
    super(scope, id);
    // Marks the tree as having an Estate: Kamal configs in a tree without one warn that the
    // checks across configs did not run (constructs/kamal cannot import this module).
    Object.defineProperty(this, Symbol.for('kamal-cdk.Estate'), { value: true });
    this.sharedVolumes = props.sharedVolumes ?? {};
    this.privateAddresses = props.privateAddresses ?? [];
    Checks.of(this).add(() => this.check());
  }

  private check(): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const report: Report = (construct, message, ack) => {
      const key = `${pathOf(construct)}\u0000${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      const reason = ack ? Annotations.of(construct).acknowledgementOf(ack) : undefined;
      findings.push(reason === undefined ? { construct, message } : { construct, message, severity: 'warning', id: ack });
    };
    const views = KamalDeploy.resolvedViews(this);
    // Grouped by address, which is grouping by Host: one Host per address (a second is an error on the Host).
    const hosts = Host.all(this);
    const privateAddresses = [...this.privateAddresses, ...hosts.flatMap((h) => (h.privateAddress ? [h.privateAddress] : []))];
    for (const [host, workloads] of inventoryOf(views)) {
      checkHost(describeHost(this, host), workloads, this.sharedVolumes, report);
      checkExposure(host, Host.at(this, host), workloads, privateAddresses, hosts, report);
    }
    for (const view of views) {
      checkAccess(view, report);
      checkSecretsPolicy(view, report);
    }
    checkReachability(views, report);
    checkPrivateAddresses(views, hosts, report);
    return findings;
  }
}

/** Reports a finding; `ack` is the warning id that, acknowledged with a reason, turns the error into an acknowledged warning. */
type Report = (construct: IConstruct, message: string, ack?: string) => void;

/** Who owns a workload: the Accessory, or the config's key (per destination for app roles). */
function ownerKey(w: Workload): string {
  if (w.container === KAMAL_PROXY && !w.workload) return KAMAL_PROXY;
  if (Accessory.isAccessory(w.owner)) return pathOf(w.owner);
  return `${pathOf(w.owner)}:${w.workload?.key}${w.workload?.kind === 'role' ? ` (${w.where})` : ''}`;
}

function describe(w: Workload): string {
  if (!w.workload) return `kamal-proxy (for ${w.where} [${pathOf(w.owner)}])`;
  if (Accessory.isAccessory(w.owner)) return `[${pathOf(w.owner)}] (${w.where})`;
  return w.workload.kind === 'role' ? `the app of ${w.where} [${pathOf(w.owner)}]` : `${w.workload.key} of ${w.where} [${pathOf(w.owner)}]`;
}

const hostName = hostLabel;

function isAny(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}

function portText(p: PublishedPort): string {
  if (p.allPorts) return 'every port it listens on';
  if (p.hostPort === undefined) return `a port Docker picks (for container port ${p.containerPort ?? '?'})`;
  const range = p.hostPortEnd !== undefined && p.hostPortEnd !== p.hostPort ? `${p.hostPort}-${p.hostPortEnd}` : `${p.hostPort}`;
  return `port ${range}${p.protocol === 'tcp' ? '' : `/${p.protocol}`}`;
}

/** Whether two published ports claim the same host port on an interface they share. */
function portsClash(a: PublishedPort, b: PublishedPort): boolean {
  if (a.allPorts || b.allPorts || a.hostPort === undefined || b.hostPort === undefined || a.protocol !== b.protocol) return false;
  const overlap = a.hostPort <= (b.hostPortEnd ?? b.hostPort) && b.hostPort <= (a.hostPortEnd ?? a.hostPort);
  return overlap && (!a.bind || !b.bind || a.bind === b.bind || isAny(a.bind) || isAny(b.bind));
}

/** One host's container names, ports (kamal-proxy's too), named volumes, routes and kamal-proxy settings. */
function checkHost(h: string, workloads: Workload[], shared: Readonly<Record<string, string>>, report: Report): void {
  const containers = new Map<string, Workload>();
  const ports: Array<{ w: Workload; p: PublishedPort }> = [];
  const volumes = new Map<string, Workload>();
  const routes = new Map<string, Workload>();
  let proxyRun: { run: string; w: Workload } | undefined;

  for (const w of workloads) {
    const key = w.workload?.key ?? 'proxy';
    const other = containers.get(w.container);
    if (!other) containers.set(w.container, w);
    else if (ownerKey(other) !== ownerKey(w)) {
      report(w.owner, `${w.where}: ${key} runs container ${w.container} on host ${h}, which ${describe(other)} also runs — give one of them another service or accessory name`);
    }

    for (const p of w.ports) {
      const clash = ports.find((q) => ownerKey(q.w) !== ownerKey(w) && portsClash(p, q.p));
      if (!clash) {
        ports.push({ w, p });
        continue;
      }
      // Report on the container that asks for the port, not on kamal-proxy, which every host with a route runs.
      const [mine, theirs] = !w.workload && clash.w.workload ? [clash, { w, p }] : [{ w, p }, clash];
      report(
        mine.w.owner,
        `${mine.w.where}: ${mine.p.key} publishes ${portText(mine.p)} on host ${h}, which ${describe(theirs.w)} already publishes (${theirs.p.key}) — give one of them another port`,
      );
    }

    for (const m of w.mounts) {
      if (!m.named) continue;
      const first = volumes.get(m.source);
      if (!first) volumes.set(m.source, w);
      else if (ownerKey(first) !== ownerKey(w) && shared[m.source] === undefined) {
        report(w.owner, `${w.where}: ${m.key} mounts named volume ${m.source} on host ${h}, which ${describe(first)} also mounts — give one of them its own volume, or declare it in the Estate's sharedVolumes with a reason`);
      }
    }

    if (w.route) {
      const names = w.route.hosts.length > 0 ? w.route.hosts : ['*'];
      const prefixes = w.route.pathPrefixes.length > 0 ? w.route.pathPrefixes : ['/'];
      for (const name of names) {
        for (const prefix of prefixes) {
          const route = `${name}${prefix === '/' ? '' : prefix}`;
          const first = routes.get(route);
          if (!first) routes.set(route, w);
          else if (first.route!.service !== w.route.service) {
            report(w.owner, `${w.where}: ${w.route.key} routes ${route} on host ${h}, which ${describe(first)} also claims — give one of them another host name or path prefix`);
          }
        }
      }
      const run = canonical(w.proxyRun ?? {});
      if (!proxyRun) proxyRun = { run, w };
      else if (proxyRun.run !== run) {
        report(w.owner, `${w.where}: ${w.route.key}/run is ${run} for kamal-proxy on host ${h}, but ${proxyRun.run} for ${describe(proxyRun.w)} — there is one kamal-proxy per host, so make them agree`);
      }
    }
  }
}

/**
 * A published port faces the network unless it is bound to loopback or a declared private
 * address. Exposure needs a declared reason, and is never allowed for a database or cache.
 * kamal-proxy's own 80/443 are the estate's front door; who may pass it is the access policy's.
 */
function checkExposure(host: string, declared: Host | undefined, workloads: Workload[], privateAddresses: readonly string[], hosts: readonly Host[], report: Report): void {
  const h = declared?.label ?? hostName(host);
  for (const w of workloads) {
    const c = w.workload;
    if (!c) continue;
    for (const p of c.ports) {
      const owner = p.bind === undefined ? undefined : hosts.find((x) => x.privateAddress === p.bind);
      if (owner && owner !== declared) {
        report(w.owner, `${w.where}: ${p.key} publishes ${portText(p)} on ${p.bind}, the private address of host ${owner.label}, but it runs on host ${h}, where Docker can't bind it — bind it to ${declared?.privateAddress ?? 'this host\'s own private address'}`);
        continue;
      }
      const facing = exposureOf(p, host, privateAddresses);
      if (!facing) continue;
      const reason = exposureReasonOf(w);
      const what = `${w.where}: ${p.key} publishes ${portText(p)} on ${facing} of host ${h}`;
      if (isDataStoreImage(c.image) || (Accessory.isAccessory(w.owner) && w.owner.isDataStore)) {
        const across = declared?.privateAddress ? `; apps on other hosts reach it on ${declared.privateAddress}, ${declared.name}'s private address (connectionEnv({ from }) publishes it there)` : '';
        report(w.owner, `${what}; ${c.image} is a database or cache, which is never exposed — bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network${across}`);
      } else if (!reason) {
        report(
          w.owner,
          `${what}, open to the network — bind it to 127.0.0.1 (hostIp) or a private address in the Estate's privateAddresses, leave it unpublished on the kamal network, or declare why (publicPortReason, or declareExposure for a role)`,
        );
      }
    }
  }
}

/** Where a port faces the network (`every interface`, `the host's own address`), or undefined when it is private. */
function exposureOf(p: PublishedPort, host: string, privateAddresses: readonly string[]): string | undefined {
  if (p.allPorts) return 'every interface (host networking)';
  const bind = p.bind;
  if (bind === undefined || bind === '') return 'every interface';
  if (isAny(bind)) return `every interface (${bind})`;
  if (/^127\.\d+\.\d+\.\d+$/.test(bind) || bind === '::1' || bind === 'localhost') return undefined;
  if (privateAddresses.includes(bind)) return undefined;
  if (bind === host) return `the host's own address (${hostName(bind)})`;
  if (Erb.isErb(bind)) return `${hostName(bind)}, an address not declared private`;
  return `${bind}, an address not declared private`;
}

function exposureReasonOf(w: Workload): string | undefined {
  const c = w.workload!;
  const deploy = KamalDeploy.isKamalDeploy(w.view.owner) ? w.view.owner : undefined;
  return deploy?.exposureReason(c.kind, c.name, w.view.destination);
}

/** Every route in the emitted config, including one only an override adds, has an access decision that holds. */
function checkAccess(view: DeploymentView, report: Report): void {
  for (const route of view.routes) {
    const url = `${route.tls ? 'https' : 'http'}://${route.hosts[0] ?? '*'}${route.pathPrefixes[0] ?? ''}`;
    const access = route.access;
    if (!access) {
      const target = route.kind === 'role' ? `{ role: '${route.name}' }` : `{ accessory: '${route.name}' }`;
      report(
        route.owner,
        `${view.where}: ${route.key} routes ${url} to ${route.target} with no access decision — set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>), or declareAccess(${target}, ...) on the config for a route an override adds`,
      );
      continue;
    }
    if (access.isPublic) continue;
    const container = view.containers.find((c) => c.kind === route.kind && c.name === route.name)!;
    for (const p of access.control!.verify({ config: view.config, target: { kind: route.kind, name: route.name }, container })) {
      report(route.owner, `${view.where}: ${route.key} routes ${url}, restricted by ${access.control!.description}, but ${p} — fix the config or the declaration`);
    }
  }
}

/** Clear env is visible to anyone who can run `docker inspect`; a secret there is a leak. */
function checkSecretsPolicy(view: DeploymentView, report: Report): void {
  const look = (owner: IConstruct, env: EnvView) => {
    for (const [name, value] of Object.entries(env.clear)) {
      const key = env.clearKeys[name];
      const ack = `secrets:clear-env:${name}`;
      const fix = `pass it in env.secret through the secrets files, or acknowledge '${ack}' with a reason`;
      if (secretLookingName(name)) {
        report(owner, `${view.where}: ${key} is clear env whose name looks like a secret — ${fix}`, ack);
        continue;
      }
      if (Erb.isErb(value)) continue;
      const hint = secretLookingValue(value);
      if (hint) report(owner, `${view.where}: ${key} is clear env whose value looks like ${hint} — ${fix}`, ack);
    }
  };
  for (const c of view.containers) look(c.owner, c.env);
  for (const t of view.tagEnvs) look(view.owner, t.env);
}

/**
 * Every address an app or accessory's env points at (a DB or cache host, a URL's host) resolves
 * to a container the emitted estate deploys, reachable from every host that uses it: container
 * names resolve only on their own host's Docker network. (The addresses in the other products'
 * emitted documents are checked by each config, with the same resolver.)
 */
function checkReachability(views: readonly DeploymentView[], report: Report): void {
  const reach = new Reachability(views);
  for (const view of views) {
    for (const c of view.containers) {
      for (const [name, value] of Object.entries(c.env.clear)) {
        const target = containerAddressIn(name, value);
        if (!target) continue;
        const at = `${view.where}: ${c.env.clearKeys[name]}`;
        for (const p of reach.containerProblems(view, c, at, target, `deploy it, or point ${name} at a container that is deployed`)) report(c.owner, p);
      }
    }
  }
}

/**
 * Every private address a container is pointed at (its env, or an accessory's emitted documents:
 * Fluent Bit's Loki) is reachable from every host it runs on: that host is on the same private
 * network, and the host with the address publishes the port there.
 */
function checkPrivateAddresses(views: readonly DeploymentView[], hosts: readonly Host[], report: Report): void {
  if (!hosts.some((h) => h.privateAddress)) return;
  const byHost = inventoryOf(views);
  const check = (view: DeploymentView, c: ContainerView, at: string, address: string, port: number | undefined, owner: IConstruct) => {
    const target = hosts.find((h) => h.privateAddress === address);
    if (!target) return;
    for (const host of c.hosts) {
      const from = hosts.find((h) => h.address === host);
      if (from !== target && !from?.sharesNetworkWith(target)) {
        report(owner, `${at} is ${address}, the private address of host ${target.label}, but ${c.key} of ${view.where} runs on host ${describeHost(target, host)}, which is not on [${target.privateNetwork!.node.path}] — give that Host a privateAddress on it, or run ${c.name} on ${target.name}`);
      }
    }
    if (port === undefined) return;
    const served = (byHost.get(target.address) ?? []).some((w) =>
      w.ports.some((p) => p.hostPort !== undefined && p.hostPort <= port && port <= (p.hostPortEnd ?? p.hostPort) && (p.bind === undefined || p.bind === address || isAny(p.bind))),
    );
    if (!served) {
      report(owner, `${at} is ${address}:${port} on host ${target.label}, but nothing there publishes port ${port} on that address — publish it there (an accessory's addressFrom/connectionEnv({ from }) does), or point at what is published`);
    }
  };
  for (const view of views) {
    for (const c of view.containers) {
      for (const [name, value] of Object.entries(c.env.clear)) {
        if (!ADDRESS_NAME.test(name) || value.includes('<%')) continue;
        const a = parseAddress(value);
        if (!a) continue;
        // `DB_HOST` pairs with `DB_PORT`; a URL carries its own port.
        const sibling = /_HOST(NAME)?$/i.test(name) ? c.env.clear[name.replace(/_HOST(NAME)?$/i, '_PORT')] : undefined;
        const port = a.port ?? (sibling !== undefined && /^\d+$/.test(sibling) ? Number(sibling) : undefined);
        check(view, c, `${view.where}: ${c.env.clearKeys[name]}`, a.host, port, c.owner);
      }
      if (!Accessory.isAccessory(c.owner)) continue;
      for (const addr of c.owner.emittedAddresses()) {
        if (addr.from !== 'container') continue;
        check(view, c, `${addr.file}: ${addr.key} (${addr.what}, deployed with ${view.where})`, addr.host, addr.port, c.owner);
      }
    }
  }
}

/** Env names that hold an address: `DB_HOST`, `REDIS_URL`, `SENTRY_DSN`, `QUEUE_ADDR`, `OTEL_ENDPOINT`. */
const ADDRESS_NAME = /(^|_)(HOST|HOSTNAME|URL|URI|DSN|ADDR|ADDRESS|ENDPOINT)$/i;

/**
 * The container an env var that names an address points at (a `*_HOST` value, a `*_URL`'s
 * host), when it is a bare container name.
 */
function containerAddressIn(name: string, value: string): string | undefined {
  if (!ADDRESS_NAME.test(name) || value.includes('<%')) return undefined;
  const host = parseAddress(value)?.host;
  return host !== undefined && isContainerName(host) ? host : undefined;
}
