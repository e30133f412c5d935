import * as path from 'path';
import { TemplateFile } from '../../src';
import { Accessory, EmittedAddress, EndpointAccess, IAccessoryOwner, HostRef } from '../kamal';

/** The image RegistryAuthProxy runs unless told otherwise. */
export const DEFAULT_AUTH_PROXY_IMAGE = 'nginx:1.28';

/** The server block template kept beside this construct. */
export const AUTH_PROXY_TEMPLATE = path.join(__dirname, 'templates', 'docker-auth-proxy.conf.hbs');

/** A container on the Docker network that nginx forwards to (a DockerAuth fits as it is). */
export interface IUpstreamContainer {
  /** Its host name on the Docker network. */
  readonly containerName: string;
  /** The port it listens on inside the container. */
  readonly port: number;
}

/** Props of RegistryAuthProxy: the route in front of the token server and what it forwards to. */
export interface RegistryAuthProxyProps {
  /** Server address it runs on. */
  readonly host: HostRef;
  /** Public host name kamal-proxy routes from (the registry's). */
  readonly domain: string;
  /** The token server to forward to, asked for its container name and port at synth. */
  readonly upstream: IUpstreamContainer;
  /** Path prefix kamal-proxy routes here, kept on the way through. @default '/auth' */
  readonly pathPrefix?: string;
  /**
   * nginx image to run.
   * @default 'nginx:1.28'
   */
  readonly image?: string;
  /**
   * The nginx server block template (Handlebars), for an estate that needs more than the
   * bundled one. It gets `domain`, `listenPort`, `resolver`, `upstreamVariable`, `upstreamUrl`,
   * `healthPath` and `pathPrefix`.
   * @default - templates/docker-auth-proxy.conf.hbs beside this file
   */
  readonly template?: string;
  /** DNS server nginx resolves the upstream with. @default '127.0.0.11' - Docker's embedded DNS */
  readonly resolver?: string;
  /** Where the rendered server block goes, relative to the app root. @default 'config/registry/nginx/docker-auth-proxy.conf' */
  readonly configPath?: string;
  /** Who may reach the route. @default - undeclared (an Estate requires one) */
  readonly access?: EndpointAccess;
  /** The accessory's name under `accessories:`. @default 'docker-auth-proxy' */
  readonly name?: string;
}

/** What the rendered server block forwards `pathPrefix` to. */
export interface NginxUpstream {
  /** Whether proxy_pass names a variable (resolved per request) rather than a literal URL. */
  readonly viaVariable: boolean;
  /** The upstream URL, `http://<host>:<port>`. */
  readonly url: string;
  /** The upstream's host name: a container name on the Docker network, or an address. */
  readonly host: string;
  /** The upstream's port. */
  readonly port: number;
}

/**
 * nginx as a Kamal accessory in front of the token server: kamal-proxy routes
 * `<registry host><pathPrefix>` here, nginx passes it on to the token server by container name
 * and answers `/up` itself.
 */
export class RegistryAuthProxy extends Accessory {
  /** The port nginx listens on inside the container. */
  public readonly port = 80;
  /** The path nginx answers itself for kamal-proxy's health check. */
  public readonly healthPath = '/up';
  /** Public host name kamal-proxy routes from. */
  public readonly domain: string;
  /** Path prefix kamal-proxy routes here, kept on the way to the token server. */
  public readonly pathPrefix: string;
  /** The token server nginx forwards to. */
  public readonly upstream: IUpstreamContainer;
  /** DNS server nginx resolves the upstream with, per request. */
  public readonly resolver: string;
  /** The rendered server block, mounted as nginx's default server. */
  public readonly configFile: TemplateFile;

  constructor(scope: IAccessoryOwner, id: string, props: RegistryAuthProxyProps) {
    const pathPrefix = props.pathPrefix ?? '/auth';
    if (!/^\/[A-Za-z0-9._~\/-]*[^/]$/.test(pathPrefix)) {
      throw new Error(`[${scope.node.path}/${id}] pathPrefix '${pathPrefix}' must start with '/', not end with '/', and hold only URL path characters`);
    }
    super(scope, id, {
      name: props.name ?? 'docker-auth-proxy',
      image: props.image ?? DEFAULT_AUTH_PROXY_IMAGE,
      host: props.host,
      proxy: {
        access: props.access,
        hosts: [props.domain],
        appPort: 80,
        ssl: true,
        pathPrefixes: [pathPrefix],
        // The token server's routes start with the prefix: pass it on as it came.
        stripPathPrefix: false,
        healthcheck: { path: '/up' },
      },
    });
    this.domain = props.domain;
    this.pathPrefix = pathPrefix;
    this.upstream = props.upstream;
    this.resolver = props.resolver ?? '127.0.0.11';
    this.configFile = new TemplateFile(this, 'Config', {
      path: props.configPath ?? 'config/registry/nginx/docker-auth-proxy.conf',
      template: props.template ?? AUTH_PROXY_TEMPLATE,
      commentPrefix: '#',
      context: () => ({
        domain: this.domain,
        listenPort: this.port,
        resolver: this.resolver,
        upstreamVariable: 'token_server',
        upstreamUrl: this.upstreamUrl,
        healthPath: this.healthPath,
        pathPrefix: this.pathPrefix,
      }),
    });
    this.addFile({ file: this.configFile, remote: '/etc/nginx/conf.d/default.conf' });
    this.node.addValidation({ validate: () => this.validateUpstream() });
  }

  /** The route's public URL: what clients fetch tokens from (the registry's realm). */
  public get url(): string {
    return `https://${this.domain}${this.pathPrefix}`;
  }

  /** Where nginx forwards, as the model says: `http://<container>:<port>`. */
  public get upstreamUrl(): string {
    return `http://${this.upstream.containerName}:${this.upstream.port}`;
  }

  /** What the rendered server block really forwards the prefix to. */
  public renderedUpstream(): NginxUpstream | string {
    return parseNginxUpstream(this.configFile.render(), this.pathPrefix);
  }

  /** nginx's upstream, as rendered: the estate checks the token server is deployed on this host's network. */
  public emittedAddresses(): EmittedAddress[] {
    const up = this.renderedUpstream();
    if (typeof up === 'string') return [];
    return [{ file: this.configFile.path, key: `location ${this.pathPrefix} proxy_pass`, what: 'nginx upstream', host: up.host, port: up.port, from: 'container' }];
  }

  private validateUpstream(): string[] {
    const up = this.renderedUpstream();
    if (typeof up === 'string') return [`${this.configFile.path}: ${up} — forward ${this.pathPrefix} with proxy_pass to a variable set to the token server's URL`];
    if (!up.viaVariable) {
      return [
        `${this.configFile.path}: proxy_pass names ${up.url} literally, so nginx resolves it once at start and refuses to start while the token server is down` +
          ` — set a variable to the URL and proxy_pass to the variable, with resolver ${this.resolver}`,
      ];
    }
    return [];
  }
}

/**
 * Reads a rendered nginx server block: the `proxy_pass` of `location <prefix>` and, when it
 * names a variable, the `set` that gives the variable its URL. A message when it can't tell.
 */
export function parseNginxUpstream(text: string, pathPrefix: string): NginxUpstream | string {
  const body = text.replace(/#[^\n]*/g, '');
  const start = new RegExp(`location\\s+(?:\\^~\\s+)?${escapeRegExp(pathPrefix)}\\s*\\{`).exec(body);
  if (!start) return `no 'location ${pathPrefix} { ... }' block`;
  const block = blockAt(body, start.index + start[0].length);
  const pass = /\bproxy_pass\s+([^;\s]+)\s*;/.exec(block);
  if (!pass) return `location ${pathPrefix} has no proxy_pass`;
  let url = pass[1];
  const viaVariable = url.startsWith('$');
  if (viaVariable) {
    const name = url.slice(1).replace(/^\{(.*)\}$/, '$1');
    const set = new RegExp(`\\bset\\s+\\$${escapeRegExp(name)}\\s+("?)([^;\\s"]+)\\1\\s*;`).exec(body);
    if (!set) return `proxy_pass uses $${name}, but no 'set $${name} <url>;' gives it a value`;
    url = set[2];
  }
  const m = /^https?:\/\/([^/:]+):(\d+)\/?$/.exec(url);
  if (!m) return `the upstream ${url} is not of the form http://<host>:<port>`;
  return { viaVariable, url, host: m[1], port: Number(m[2]) };
}

/** The text of the block that opens just before `from`, up to its closing brace (`${var}` is not a block). */
function blockAt(text: string, from: number): string {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') i = Math.max(text.indexOf('}', i), i);
    else if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
