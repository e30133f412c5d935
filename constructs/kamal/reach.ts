import { Erb } from '../../src';
import { ContainerView, DeploymentView, EmittedAddress } from './view';

/** Where a container of a given name runs. */
interface Placement {
  readonly host: string;
  readonly network: string;
  readonly where: string;
}

/**
 * Which names resolve where, in a set of resolved views: accessory containers by host and Docker
 * network (container names resolve only on their own host's network), and the kamal-proxy routes
 * that public URLs reach. Built per check from the views, never kept.
 */
export class Reachability {
  private readonly placements = new Map<string, Placement[]>();
  private readonly routes: Array<{ hosts: readonly string[]; prefixes: readonly string[] }> = [];

  constructor(views: readonly DeploymentView[]) {
    for (const view of views) {
      for (const a of view.accessories) {
        for (const host of a.hosts) {
          const list = this.placements.get(a.container) ?? [];
          list.push({ host, network: a.network, where: view.where });
          this.placements.set(a.container, list);
        }
      }
      for (const r of view.routes) this.routes.push({ hosts: r.hosts, prefixes: r.pathPrefixes });
    }
  }

  /**
   * Why `target` (a container name) can't be reached from `from` in `view`, one message per
   * host; empty when it can. `at` says what points there, `fix` what to do if it runs nowhere.
   */
  public containerProblems(view: DeploymentView, from: ContainerView, at: string, target: string, fix: string): string[] {
    const found = this.placements.get(target) ?? [];
    if (found.length === 0) return [`${at} points at ${target}, but no config of the estate deploys a container of that name — ${fix}`];
    const problems: string[] = [];
    for (const host of from.hosts) {
      if (from.network === 'host') {
        problems.push(`${at} points at container ${target}, but ${from.key} of ${view.where} uses host networking, where container names do not resolve — put it on the kamal network`);
        continue;
      }
      if (found.some((p) => p.host === host && p.network === from.network)) continue;
      const there = found.map((p) => `${hostLabel(p.host)} (network ${p.network}, ${p.where})`).join(', ');
      problems.push(
        `${at} points at container ${target}, which runs on ${there} but not on host ${hostLabel(host)} network ${from.network}, where ${from.key} of ${view.where} runs` +
          " — container names resolve only on their own host's Docker network; run them on the same host and network",
      );
    }
    return problems;
  }

  /** Whether some kamal-proxy route of the views answers `host` + `path`. */
  public routed(host: string, path: string): boolean {
    return this.routes.some((r) => r.hosts.includes(host) && (r.prefixes.length === 0 || r.prefixes.some((p) => pathUnder(path, p))));
  }

  /** Why an address an emitted document holds can't be reached from the accessory `from` in `view`. */
  public addressProblems(view: DeploymentView, from: ContainerView, addr: EmittedAddress): string[] {
    const at = `${addr.file}: ${addr.key} (${addr.what}, deployed with ${view.where})`;
    if (addr.from === 'anywhere') {
      if (this.routed(addr.host, addr.path ?? '/')) return [];
      return [`${at} is https://${addr.host}${addr.path ?? ''}, which no kamal-proxy route of the estate serves — route it, or point it at a route that exists`];
    }
    if (!isContainerName(addr.host)) return [];
    return this.containerProblems(view, from, at, addr.host, 'remove the override of it, or deploy what it names');
  }
}

function pathUnder(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** A bare name (no dot, not an IP, not localhost): a container name on a Docker network. */
export function isContainerName(host: string): boolean {
  return host.length <= 63 && /^[a-z0-9][a-z0-9_-]*$/i.test(host) && host !== 'localhost';
}

/** A host for messages: an ERB host by the variable it reads (`$KAMAL_SERVER_IP_ADDRESS`). */
export function hostLabel(host: string): string {
  return Erb.isErb(host) ? `$${Erb.envNames(host)[0] ?? host}` : host;
}
