import { EndpointAccess } from './access';
import * as L1 from './l1';

/** kamal-proxy in front of a role or accessory: routing, TLS, health check. */
export interface ProxyProps {
  /**
   * Who may reach the route: public, or restricted by a named access control. Not emitted; the
   * estate's access policy checks it (every route must declare one).
   * @default - undeclared (an access-policy error in an Estate)
   */
  readonly access?: EndpointAccess;
  /** Host names routed here. Several become `hosts:`. @default - any host (no TLS possible) */
  readonly hosts?: readonly string[];
  /** The port the container listens on. @default 80 (Kamal's default) */
  readonly appPort?: number;
  /**
   * TLS at kamal-proxy: `true` for automatic Let's Encrypt certificates, or the names of the
   * secrets holding a custom certificate and key.
   * @default false
   */
  readonly ssl?: boolean | {
    /** Secret holding the certificate chain, in PEM. */
    readonly certificatePem: string;
    /** Secret holding the private key, in PEM. */
    readonly privateKeyPem: string;
  };
  /** Redirect HTTP to HTTPS. @default - kamal-proxy's default (on with TLS) */
  readonly sslRedirect?: boolean;
  /** Pass X-Forwarded-* headers through. @default - kamal-proxy's default (only without TLS) */
  readonly forwardHeaders?: boolean;
  /** Seconds before a request times out. @default 30 */
  readonly responseTimeout?: number;
  /** Only requests under these path prefixes are routed here. @default - all paths */
  readonly pathPrefixes?: readonly string[];
  /** Strip the prefix before passing the request on. @default true */
  readonly stripPathPrefix?: boolean;
  /** Health check kamal-proxy runs before it sends traffic. @default - `/up`, every 1 s, 5 s timeout */
  readonly healthcheck?: {
    /**
     * Path probed; a 200 means healthy.
     * @default '/up'
     */
    readonly path?: string;
    /**
     * Seconds between probes.
     * @default 1
     */
    readonly interval?: number;
    /**
     * Seconds each probe may take.
     * @default 5
     */
    readonly timeout?: number;
  };
  /** Request/response buffering. @default - kamal-proxy's defaults */
  readonly buffering?: {
    /**
     * Buffer request bodies before passing them on.
     * @default true
     */
    readonly requests?: boolean;
    /**
     * Buffer response bodies before returning them.
     * @default true
     */
    readonly responses?: boolean;
    /**
     * Largest request body accepted, in bytes; 0 for no limit.
     * @default 1000000000 (1 GB)
     */
    readonly maxRequestBody?: number;
    /**
     * Largest response body accepted, in bytes; 0 for no limit.
     * @default 0
     */
    readonly maxResponseBody?: number;
    /**
     * Bytes buffered in memory; larger bodies go to disk.
     * @default 1000000 (1 MB)
     */
    readonly memory?: number;
  };
  /** Headers kamal-proxy logs. @default - Cache-Control, Last-Modified, User-Agent */
  readonly logging?: {
    /**
     * Request headers written to the log.
     * @default - Cache-Control, Last-Modified, User-Agent
     */
    readonly requestHeaders?: readonly string[];
    /**
     * Response headers written to the log.
     * @default - none
     */
    readonly responseHeaders?: readonly string[];
  };
  /** How kamal-proxy itself runs on the host (ports, version). Must agree for every config on a host. @default - Kamal's defaults */
  readonly run?: {
    /**
     * Host port for HTTP.
     * @default 80
     */
    readonly httpPort?: number;
    /**
     * Host port for HTTPS.
     * @default 443
     */
    readonly httpsPort?: number;
    /**
     * Port for Prometheus metrics.
     * @default - no metrics endpoint
     */
    readonly metricsPort?: number;
    /**
     * Debug logging in the proxy.
     * @default false
     */
    readonly debug?: boolean;
    /**
     * Largest proxy log file before Docker rotates it, e.g. `30m`.
     * @default '10m'
     */
    readonly logMaxSize?: string;
    /**
     * Publish the HTTP and HTTPS ports on the host; `false` when something else fronts the proxy.
     * @default true
     */
    readonly publish?: boolean;
    /**
     * Host addresses the published ports bind to.
     * @default - all interfaces
     */
    readonly bindIps?: readonly string[];
    /**
     * Registry the kamal-proxy image is pulled from.
     * @default - Docker Hub
     */
    readonly registry?: string;
    /**
     * Repository of the kamal-proxy image.
     * @default 'basecamp/kamal-proxy'
     */
    readonly repository?: string;
    /**
     * Tag of the kamal-proxy image.
     * @default - Kamal's minimum supported version ('v0.9.2' in Kamal 2.12)
     */
    readonly version?: string;
    /**
     * Extra `docker run` options for the proxy container.
     * @default - none
     */
    readonly options?: Readonly<Record<string, unknown>>;
  };
}

/**
 * Maps the L2 proxy props to Kamal's `proxy:` hash, in Kamal's documented key order.
 * @internal
 */
export function renderProxy(p: ProxyProps): L1.Proxy {
  const out: L1.Proxy = {};
  const hosts = p.hosts ?? [];
  if (hosts.length === 1) out.host = hosts[0];
  else if (hosts.length > 1) out.hosts = [...hosts];
  set(out, 'app_port', p.appPort);
  if (p.ssl !== undefined) {
    out.ssl = typeof p.ssl === 'boolean' ? p.ssl : { certificate_pem: p.ssl.certificatePem, private_key_pem: p.ssl.privateKeyPem };
  }
  set(out, 'ssl_redirect', p.sslRedirect);
  set(out, 'forward_headers', p.forwardHeaders);
  set(out, 'response_timeout', p.responseTimeout);
  if (p.pathPrefixes && p.pathPrefixes.length > 0) out.path_prefixes = [...p.pathPrefixes];
  set(out, 'strip_path_prefix', p.stripPathPrefix);
  if (p.healthcheck) out.healthcheck = compact({ interval: p.healthcheck.interval, path: p.healthcheck.path, timeout: p.healthcheck.timeout });
  if (p.buffering) {
    const b = p.buffering;
    out.buffering = compact({ requests: b.requests, responses: b.responses, max_request_body: b.maxRequestBody, max_response_body: b.maxResponseBody, memory: b.memory });
  }
  if (p.logging) out.logging = compact({ request_headers: p.logging.requestHeaders && [...p.logging.requestHeaders], response_headers: p.logging.responseHeaders && [...p.logging.responseHeaders] });
  if (p.run) {
    const r = p.run;
    out.run = compact({
      http_port: r.httpPort, https_port: r.httpsPort, metrics_port: r.metricsPort, debug: r.debug, log_max_size: r.logMaxSize,
      publish: r.publish, bind_ips: r.bindIps && [...r.bindIps], registry: r.registry, repository: r.repository, version: r.version,
      options: r.options && { ...r.options },
    });
  }
  return out;
}

/**
 * Merges proxy props: `over` wins key by key, nested blocks merged.
 *
 * Object.assign rather than `{ ...base, ...over, key: value }` (the same result for these
 * fixed-key props): on Node 20 an object spread followed by more keys gives every result a
 * hidden class of its own, slow to build and slow to read for everything that reads it later.
 * @internal
 */
export function mergeProxyProps(base: ProxyProps | undefined, over: ProxyProps | undefined): ProxyProps | undefined {
  if (!base) return over;
  if (!over) return base;
  return Object.assign({}, base, compact(over), {
    healthcheck: base.healthcheck || over.healthcheck ? Object.assign({}, base.healthcheck, over.healthcheck) : undefined,
    buffering: base.buffering || over.buffering ? Object.assign({}, base.buffering, over.buffering) : undefined,
    logging: base.logging || over.logging ? Object.assign({}, base.logging, over.logging) : undefined,
    run: base.run || over.run ? Object.assign({}, base.run, over.run) : undefined,
  });
}

function set<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/**
 * Drops undefined members, keeping the given key order.
 * @internal
 */
export function compact<T extends object>(o: T): T {
  const out = {} as T;
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
