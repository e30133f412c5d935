import { IConstruct } from 'constructs';
import { compareStrings } from '../../src';
import { Accessory, deepMerge, KamalDeploy, L1, parseVolume, ProxyRoute, YamlValue } from '../kamal';

/** Something running on a host, as the estate checks see it. */
export interface Workload {
  /** The container name (app roles: kamal-proxy's service name, the stable prefix of their containers). */
  readonly container: string;
  /** The construct that declared it: an Accessory, or the KamalDeploy for app roles. */
  readonly owner: IConstruct;
  /** `<config file> -d <destination>`, for messages. */
  readonly where: string;
  /** Published host ports. */
  readonly ports: ReadonlyArray<{ ip: string | undefined; port: number; publicReason?: string }>;
  /** Named volumes it mounts. */
  readonly namedVolumes: readonly string[];
  /** kamal-proxy settings that must agree per host (`proxy.run`), if it runs behind the proxy. */
  readonly proxyRun?: L1.ProxyRun;
  readonly route?: ProxyRoute;
  /** The effective config it is deployed with. */
  readonly config: L1.DeployConfig;
}

/** Everything in the estate grouped by server address: built once per synth, read by every check. */
export function inventory(scope: IConstruct): Map<string, Workload[]> {
  const byHost = new Map<string, Workload[]>();
  const add = (host: string, w: Workload) => {
    const list = byHost.get(host) ?? [];
    list.push(w);
    byHost.set(host, list);
  };
  for (const deploy of KamalDeploy.all(scope)) {
    for (const dest of deploy.destinationNames()) {
      const cfg = deploy.effectiveConfig(dest);
      const where = dest ? `${deploy.file} -d ${dest}` : deploy.file;
      const routes = deploy.routes(dest);
      const servers = cfg.servers ?? {};
      const roles: Record<string, L1.HostEntry[] | L1.Role> = Array.isArray(servers) ? { web: servers } : servers;
      const appVolumes = (cfg.volumes ?? []).map(parseVolume).filter((v) => v.named).map((v) => v.source);
      for (const [name, role] of Object.entries(roles).sort((a, b) => compareStrings(a[0], b[0]))) {
        const hosts = (Array.isArray(role) ? role : role.hosts ?? []).map((h) => (typeof h === 'string' ? h : Object.keys(h)[0]));
        const route = routes.find((r) => r.kind === 'role' && r.name === name);
        // Kamal's role proxy is the root proxy deep-merged with the role's, not a shallow spread.
        const proxy = (!Array.isArray(role) && typeof role.proxy === 'object' ? deepMerge((cfg.proxy ?? {}) as YamlValue, role.proxy as YamlValue) : cfg.proxy) as L1.Proxy | undefined;
        for (const host of hosts) {
          add(host, {
            container: route?.service ?? `${cfg.service}-${name}${dest ? `-${dest}` : ''}`,
            owner: deploy,
            where,
            ports: [],
            namedVolumes: appVolumes,
            proxyRun: route ? proxy?.run : undefined,
            route,
            config: cfg,
          });
        }
      }
      const accessories = routesAndAccessories(deploy, dest);
      let roleHosts: ReturnType<typeof settingsOf> | undefined;
      for (const a of accessories) {
        const acc = cfg.accessories?.[a.name];
        if (!acc) continue;
        const route = routes.find((r) => r.kind === 'accessory' && r.name === a.name);
        const port = a.publishedPort;
        const volumes = a.volumeArgs.map(parseVolume).filter((v) => v.named).map((v) => v.source);
        for (const host of a.hostsIn((roleHosts ??= settingsOf(cfg)))) {
          add(host, {
            container: a.containerName,
            owner: a,
            where,
            ports: port ? [{ ip: port.hostIp, port: port.hostPort, publicReason: a.publicPortReason }] : [],
            namedVolumes: volumes,
            proxyRun: acc.proxy?.run,
            route,
            config: cfg,
          });
        }
      }
    }
  }
  return byHost;
}

/** The accessories deployed with a destination (the config's own and the destination's). */
function routesAndAccessories(deploy: KamalDeploy, dest: string | undefined): Accessory[] {
  const own = deploy.node.children.filter(Accessory.isAccessory);
  const destination = dest === undefined ? undefined : deploy.destinations.find((d) => d.name === dest);
  return destination ? [...own, ...destination.node.children.filter(Accessory.isAccessory)] : own;
}

/** Role hosts from an effective config, in the shape Accessory.hostsIn reads. */
function settingsOf(cfg: L1.DeployConfig): { roles: Record<string, { hosts: Array<string | { host: string; tags: string[] }> }> } {
  const servers = cfg.servers ?? {};
  const roles: Record<string, L1.HostEntry[] | L1.Role> = Array.isArray(servers) ? { web: servers } : servers;
  const out: Record<string, { hosts: Array<string | { host: string; tags: string[] }> }> = {};
  for (const [name, role] of Object.entries(roles)) {
    out[name] = {
      hosts: (Array.isArray(role) ? role : role.hosts ?? []).map((h) => {
        if (typeof h === 'string') return h;
        const [host, tags] = Object.entries(h)[0];
        return { host, tags: Array.isArray(tags) ? tags : [tags] };
      }),
    };
  }
  return { roles: out };
}
