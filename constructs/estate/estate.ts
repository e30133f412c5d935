import { Construct, IConstruct } from 'constructs';
import { Checks, Erb, Finding, pathOf } from '../../src';
import { Accessory, canonical, KamalDeploy, L1, roleEnv } from '../kamal';
import { inventory, Workload } from './inventory';

export interface EstateProps {
  /**
   * Named volumes that several containers may mount on purpose, with the reason. Any other named
   * volume used by two containers on one host is an error (two databases on one data folder).
   * @default - none
   */
  readonly sharedVolumes?: Readonly<Record<string, string>>;
}

/**
 * The whole estate: every config, on every host. Its checks read across configs, which Kamal
 * never does (it loads one config at a time): one host's container names, published ports,
 * named volumes, kamal-proxy routes and kamal-proxy settings; who may reach each endpoint; which
 * ports face the internet; and clear env that looks like a secret.
 */
export class Estate extends Construct {
  private readonly sharedVolumes: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: EstateProps = {}) {
    super(scope, id);
    this.sharedVolumes = props.sharedVolumes ?? {};
    Checks.of(this).add(() => this.check());
  }

  private check(): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const report = (construct: IConstruct, message: string) => {
      const key = `${pathOf(construct)}\u0000${message}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push({ construct, message });
      }
    };
    for (const [host, workloads] of inventory(this)) {
      checkHost(host, workloads, this.sharedVolumes, report);
    }
    const secretHint = secretHints();
    for (const deploy of KamalDeploy.all(this)) {
      for (const dest of deploy.destinationNames()) {
        checkAccess(deploy, dest, report);
        checkSecretsPolicy(deploy, dest, secretHint, report);
      }
    }
    return findings;
  }
}

type Report = (construct: IConstruct, message: string) => void;

/** Who owns a workload: the accessory, or the config in one destination (its app containers). */
function ownerKey(w: Workload): string {
  return Accessory.isAccessory(w.owner) ? pathOf(w.owner) : `${pathOf(w.owner)} (${w.where})`;
}

function describe(w: Workload): string {
  return Accessory.isAccessory(w.owner) ? `[${pathOf(w.owner)}] (${w.where})` : `the app of ${w.where} [${pathOf(w.owner)}]`;
}

function hostName(host: string): string {
  return Erb.isErb(host) ? `$${Erb.envNames(host)[0] ?? host}` : host;
}

function checkHost(host: string, workloads: Workload[], shared: Readonly<Record<string, string>>, report: Report): void {
  const h = hostName(host);
  const first = <K>(map: Map<K, Workload>, key: K, w: Workload): Workload | undefined => {
    const other = map.get(key);
    if (!other) map.set(key, w);
    return other && ownerKey(other) !== ownerKey(w) ? other : undefined;
  };

  const containers = new Map<string, Workload>();
  const ports = new Map<number, Workload>();
  const volumes = new Map<string, Workload>();
  const routes = new Map<string, Workload>();
  let proxyRun: { run: string; w: Workload } | undefined;

  for (const w of workloads) {
    const c = first(containers, w.container, w);
    if (c) report(w.owner, `container name ${w.container} on host ${h} is also used by ${describe(c)}; give one of them another service or accessory name`);

    for (const p of w.ports) {
      const other = ports.get(p.port);
      if (other && ownerKey(other) !== ownerKey(w)) {
        const otherIp = other.ports.find((q) => q.port === p.port)!.ip;
        if (!p.ip || !otherIp || p.ip === otherIp || isAny(p.ip) || isAny(otherIp)) {
          report(w.owner, `port ${p.port} is already published on host ${h} by ${describe(other)}; give one of them another port`);
        }
      } else if (!other) {
        ports.set(p.port, w);
      }
      if ((!p.ip || isAny(p.ip)) && !p.publicReason) {
        report(w.owner, `port ${p.port} is published on every interface of host ${h}, open to the internet; bind it to 127.0.0.1 (hostIp), leave it unpublished on the kamal network, or declare publicPortReason`);
      }
    }

    for (const v of new Set(w.namedVolumes)) {
      const other = first(volumes, v, w);
      if (other && shared[v] === undefined) {
        report(w.owner, `named volume ${v} on host ${h} is also mounted by ${describe(other)}; give one of them its own volume, or declare it in the Estate's sharedVolumes with a reason`);
      }
    }

    if (w.route) {
      const hosts = w.route.props.hosts && w.route.props.hosts.length > 0 ? w.route.props.hosts : ['*'];
      const prefixes = w.route.props.pathPrefixes && w.route.props.pathPrefixes.length > 0 ? w.route.props.pathPrefixes : ['/'];
      for (const name of hosts) {
        for (const prefix of prefixes) {
          const key = `${name}${prefix === '/' ? '' : prefix}`;
          const other = routes.get(key);
          if (!other) routes.set(key, w);
          else if (other.route!.service !== w.route.service) {
            report(w.owner, `kamal-proxy route ${key} on host ${h} is also claimed by ${describe(other)}; give one of them another host name or path prefix`);
          }
        }
      }
      const run = canonical(w.proxyRun ?? {});
      if (!proxyRun) proxyRun = { run, w };
      else if (proxyRun.run !== run) {
        report(w.owner, `kamal-proxy on host ${h} runs with proxy.run ${run} here but ${proxyRun.run} for ${describe(proxyRun.w)}; there is one kamal-proxy per host, so make them agree`);
      }
    }
  }
}

function checkAccess(deploy: KamalDeploy, dest: string | undefined, report: Report): void {
  const config = deploy.effectiveConfig(dest);
  const where = dest ? ` (${deploy.file} -d ${dest})` : ` (${deploy.file})`;
  for (const route of deploy.routes(dest)) {
    const access = route.props.access;
    if (access?.isPublic) continue;
    const url = `${route.props.ssl ? 'https' : 'http'}://${route.props.hosts?.[0] ?? '*'}${route.props.pathPrefixes?.[0] ?? ''}`;
    if (!access) {
      report(route.owner, `endpoint ${url}${where} declares no access; set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>)`);
      continue;
    }
    const problems = access.control!.verify({ config, target: { kind: route.kind, name: route.name } });
    for (const p of problems) {
      report(route.owner, `endpoint ${url}${where} is restricted by ${access.control!.description}, but ${p}; fix the config or the declaration`);
    }
  }
}

const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|MASTER_?KEY|CREDENTIALS?|ACCESS_?KEY|AUTH_?KEY|SALT|CLIENT_?SECRET)/i;
const SECRET_VALUE: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b(gh[pousr]_[A-Za-z0-9]{30,}|sk_live_[A-Za-z0-9]{16,}|xox[abpr]-[A-Za-z0-9-]{10,})\b/, 'an API token'],
  [/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/, 'a bcrypt hash'],
  [/^[A-Fa-f0-9]{32,}$/, 'a long hex string (a key?)'],
  [/^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9+/_-]{40,}={0,2}$/, 'a long random-looking string (a key?)'],
];

/**
 * What a clear env value looks like if it looks like a secret (`a PEM private key`), else
 * undefined. One per check run: the same values recur in every role and destination of an estate,
 * so each distinct value is scanned once.
 */
function secretHints(): (value: string) => string | undefined {
  const hints = new Map<string, string | undefined>();
  return (value) => {
    if (!hints.has(value)) hints.set(value, SECRET_VALUE.find(([re]) => re.test(value))?.[1]);
    return hints.get(value);
  };
}

/** Clear env is visible to anyone who can run `docker inspect`; a secret there is a leak. */
function checkSecretsPolicy(deploy: KamalDeploy, dest: string | undefined, secretHint: (value: string) => string | undefined, report: Report): void {
  const cfg = deploy.effectiveConfig(dest);
  const where = dest ? `${deploy.file} -d ${dest}` : deploy.file;
  const look = (owner: IConstruct, scope: string, clear: Record<string, L1.Stringish>) => {
    for (const [name, value] of Object.entries(clear)) {
      const v = String(value);
      if (SECRET_NAME.test(name)) {
        report(owner, `clear env ${name} of ${scope} (${where}) looks like a secret by its name; pass it in env.secret through the secrets files`);
        continue;
      }
      if (Erb.isErb(v)) continue;
      const hint = secretHint(v);
      if (hint) report(owner, `clear env ${name} of ${scope} (${where}) has a value that looks like ${hint}; pass it in env.secret through the secrets files`);
    }
  };
  const servers = cfg.servers ?? {};
  for (const role of Array.isArray(servers) ? ['web'] : Object.keys(servers)) {
    look(deploy, `role ${role}`, roleEnv({ config: cfg, target: { kind: 'role', name: role } }).clear);
  }
  const accessories = [...deploy.node.children, ...(deploy.destinations.find((d) => d.name === dest)?.node.children ?? [])].filter(Accessory.isAccessory);
  for (const a of accessories) {
    if (!cfg.accessories?.[a.name]) continue;
    look(a, `accessory ${a.name}`, roleEnv({ config: cfg, target: { kind: 'accessory', name: a.name } }).clear);
  }
}

function isAny(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}
