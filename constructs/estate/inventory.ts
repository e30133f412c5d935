import { IConstruct } from 'constructs';
import { ContainerView, DeploymentView, KamalDeploy, L1, MountView, PublishedPort, RouteView } from '../kamal';

/** Something running on a host, as the estate checks see it: read from a resolved view. */
export interface Workload {
  /** The container name (app roles: kamal-proxy's service name, the stable prefix of their containers). */
  readonly container: string;
  /** The construct that declared it: an Accessory, or the KamalDeploy for app roles and kamal-proxy. */
  readonly owner: IConstruct;
  /** `<config file> -d <destination>`, for messages. */
  readonly where: string;
  /** The view it was read from. */
  readonly view: DeploymentView;
  /** The role or accessory; undefined for kamal-proxy itself. */
  readonly workload?: ContainerView;
  /** Published host ports. */
  readonly ports: readonly PublishedPort[];
  /** Mounts (named volumes and host paths). */
  readonly mounts: readonly MountView[];
  /** kamal-proxy settings that must agree per host (`proxy.run`), if it runs behind the proxy. */
  readonly proxyRun?: L1.ProxyRun;
  /** Its kamal-proxy route; undefined when it is not behind the proxy. */
  readonly route?: RouteView;
}

/** The container name of kamal-proxy, which Kamal runs once per host for every config. */
export const KAMAL_PROXY = 'kamal-proxy';

/** Everything in the estate grouped by server address, read from the resolved views. */
export function inventory(scope: IConstruct): Map<string, Workload[]> {
  return inventoryOf(KamalDeploy.resolvedViews(scope));
}

/** Everything in `views` grouped by server address. */
export function inventoryOf(views: readonly DeploymentView[]): Map<string, Workload[]> {
  const byHost = new Map<string, Workload[]>();
  const add = (host: string, w: Workload) => {
    const list = byHost.get(host) ?? [];
    list.push(w);
    byHost.set(host, list);
  };
  for (const view of views) {
    for (const c of view.containers) {
      for (const host of c.hosts) {
        add(host, {
          container: c.container,
          owner: c.owner,
          where: view.where,
          view,
          workload: c,
          ports: c.ports,
          mounts: c.volumes,
          proxyRun: c.route?.run,
          route: c.route,
        });
      }
    }
    // kamal-proxy publishes its ports on every host that runs a proxied role or accessory.
    for (const p of view.proxies) {
      add(p.host, { container: KAMAL_PROXY, owner: view.owner, where: view.where, view, ports: p.ports, mounts: [] });
    }
  }
  return byHost;
}
