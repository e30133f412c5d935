import * as path from 'path';
import { YamlDialect, YamlFile } from '../../src';
import { Accessory, AccessContext, EmittedAddress, EndpointAccess, IAccessControl, IAccessoryOwner, parseAddress, HostRef } from '../kamal';
import { RegistryMajorVersion, registryConfigSchema } from './schemas';

/** The image DockerRegistry runs unless told otherwise. */
export const DEFAULT_REGISTRY_IMAGE = 'registry:2.8.3';

/** Where each registry major reads its config (the image's CMD is `serve <path>`). */
const CONFIG_PATH_IN_CONTAINER: Record<RegistryMajorVersion, string> = {
  2: '/etc/docker/registry/config.yml',
  3: '/etc/distribution/config.yml',
};

/**
 * The registry major version an image's tag names (`registry:2.8.3` → 2, `registry:3` → 3), or
 * undefined when the tag does not tell (`latest`, a digest, a custom build).
 */
export function registryMajorVersionOf(image: string): RegistryMajorVersion | undefined {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  if (colon < 0 || colon < name.lastIndexOf('/')) return undefined;
  const m = /^v?(\d+)(?:[.-]|$)/.exec(name.slice(colon + 1));
  const major = m ? Number(m[1]) : undefined;
  return major === 2 || major === 3 ? major : undefined;
}

/** Token authentication of the registry: who issues tokens and how the registry checks them. */
export interface RegistryTokenAuthProps {
  /** The URL clients fetch tokens from: the public URL of the token server. */
  readonly realm: string;
  /** The name tokens are issued for (their `aud`); clients send it back as `?service=`. @default - the registry's domain */
  readonly service?: string;
  /** The issuer the registry accepts (`iss`); must equal the token server's issuer. */
  readonly issuer: string;
  /** Path, inside the container, of the PEM certificate(s) whose keys may sign tokens. */
  readonly rootCertBundle: string;
}

/** Props of DockerRegistry: its public name, token auth, storage and where it runs. */
export interface DockerRegistryProps {
  /** Public host name kamal-proxy routes to the registry (`repo.example.com`); also what images are tagged with. */
  readonly domain: string;
  /** Server address it runs on (an ERB fragment such as `Erb.env('KAMAL_SERVER_IP_ADDRESS')` is fine). */
  readonly host: HostRef;
  /** Token authentication. */
  readonly tokenAuth: RegistryTokenAuthProps;
  /** CNCF distribution image. @default 'registry:2.8.3' */
  readonly image?: string;
  /**
   * Registry major version, which decides the config path, the config schema and the key-id
   * format of tokens.
   * @default - read from the image tag; an error if the tag does not tell
   */
  readonly majorVersion?: RegistryMajorVersion;
  /**
   * Host folder holding the token certificate, mounted read-only at the same path. The
   * `rootCertBundle` must be inside it.
   * @default '/etc/registry-auth'
   */
  readonly certificateDir?: string;
  /** Allow deleting manifests and blobs, so old images can be removed and garbage-collected. @default true */
  readonly deleteEnabled?: boolean;
  /** Named volume for image data. @default 'docker-registry' */
  readonly volume?: string;
  /** Where the generated config.yml goes, relative to the app root. @default 'config/registry/config.yml' */
  readonly configPath?: string;
  /** Seconds kamal-proxy waits for a response; large layer pushes take long. @default 600 */
  readonly responseTimeout?: number;
  /** Who may reach the registry. @default - operators, through the registry's token auth */
  readonly access?: EndpointAccess;
  /** The accessory's name under `accessories:`. @default 'registry' */
  readonly name?: string;
}

/**
 * A Docker registry (CNCF distribution) as a Kamal accessory: image data in a named volume, its
 * `config.yml` generated and mounted, token auth, and a kamal-proxy route on its own host name.
 */
export class DockerRegistry extends Accessory {
  /** The port the registry listens on inside the container. */
  public readonly port = 5000;
  /** Public host name of the registry; images are tagged with it. */
  public readonly domain: string;
  /** Registry major version in force (given, or read from the image tag). */
  public readonly majorVersion: RegistryMajorVersion;
  /** Token auth as written into config.yml (service filled in). */
  public readonly tokenAuth: Required<RegistryTokenAuthProps>;
  /** Host folder with the token certificate, mounted read-only at the same path. */
  public readonly certificateDir: string;
  /** Named volume holding the image data. */
  public readonly volume: string;
  /** Whether manifests and blobs may be deleted (needed for garbage collection). */
  public readonly deleteEnabled: boolean;
  /** The generated config.yml. */
  public readonly configFile: YamlFile;
  /** Where the registry reads its config inside the container. */
  public readonly containerConfigPath: string;

  constructor(scope: IAccessoryOwner, id: string, props: DockerRegistryProps) {
    const where = `[${scope.node.path}/${id}]`;
    const image = props.image ?? DEFAULT_REGISTRY_IMAGE;
    const majorVersion = props.majorVersion ?? registryMajorVersionOf(image);
    if (majorVersion === undefined) {
      throw new Error(`${where} can't tell the registry major version from image '${image}'; pass majorVersion: 2 or 3`);
    }
    const certificateDir = (props.certificateDir ?? '/etc/registry-auth').replace(/\/+$/, '');
    if (!path.posix.isAbsolute(certificateDir)) throw new Error(`${where} certificateDir '${certificateDir}' must be an absolute host path`);
    if (!props.tokenAuth.rootCertBundle.startsWith(`${certificateDir}/`)) {
      throw new Error(`${where} rootCertBundle ${props.tokenAuth.rootCertBundle} is not inside ${certificateDir}, the only folder mounted for it; put it there or change certificateDir`);
    }
    const responseTimeout = props.responseTimeout ?? 600;
    const control = new RegistryTokenAuthControl();
    super(scope, id, {
      name: props.name ?? 'registry',
      image,
      host: props.host,
      proxy: {
        access: props.access ?? EndpointAccess.restricted(control),
        hosts: [props.domain],
        appPort: 5000,
        ssl: true,
        // Layers of a gigabyte and more: stream them instead of buffering, and give them time.
        responseTimeout,
        healthcheck: { path: '/' },
        buffering: { requests: false, responses: false },
      },
    });
    control.registry = this;
    this.domain = props.domain;
    this.majorVersion = majorVersion;
    this.tokenAuth = { ...props.tokenAuth, service: props.tokenAuth.service ?? props.domain };
    this.certificateDir = certificateDir;
    this.volume = props.volume ?? 'docker-registry';
    this.deleteEnabled = props.deleteEnabled ?? true;
    this.containerConfigPath = CONFIG_PATH_IN_CONTAINER[majorVersion];

    this.configFile = new YamlFile(this, 'Config', {
      path: props.configPath ?? 'config/registry/config.yml',
      dialect: YamlDialect.YAML_1_1,
      obj: () => this.document(),
      validator: registryConfigSchema(majorVersion),
    });
    this.addFile({ file: this.configFile, remote: this.containerConfigPath });
    this.addVolume({ volume: this.volume, path: '/var/lib/registry' });
    this.addVolume({ hostPath: certificateDir, path: certificateDir, readOnly: true });
  }

  /** The registry's public URL. */
  public get url(): string {
    return `https://${this.domain}`;
  }

  /** The token realm, as emitted: clients anywhere fetch tokens there, so the estate must route it. */
  public emittedAddresses(): EmittedAddress[] {
    const realm = (this.configFile.toObject() as { auth?: { token?: { realm?: unknown } } })?.auth?.token?.realm;
    const url = typeof realm === 'string' ? parseAddress(realm) : undefined;
    if (!url) return [];
    return [{ file: this.configFile.path, key: 'auth/token/realm', what: 'registry token realm', host: url.host, port: url.port, path: url.path, from: 'anywhere' }];
  }

  private document(): Record<string, unknown> {
    const t = this.tokenAuth;
    return {
      version: 0.1,
      log: { level: 'info', formatter: 'text', fields: { service: 'registry' } },
      storage: {
        filesystem: { rootdirectory: '/var/lib/registry' },
        delete: { enabled: this.deleteEnabled },
        cache: { blobdescriptor: 'inmemory' },
      },
      // No http.secret: a single instance generates its own at start; it only has to be shared
      // between replicas behind one load balancer.
      http: { addr: `:${this.port}`, headers: { 'X-Content-Type-Options': ['nosniff'] } },
      // GET / answers 503 when storage fails, so kamal-proxy's health check sees a broken disk.
      health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
      auth: { token: { realm: t.realm, service: t.service, issuer: t.issuer, rootcertbundle: t.rootCertBundle } },
    };
  }
}

/** "Operators only": the registry answers nothing without a token from the configured realm. */
class RegistryTokenAuthControl implements IAccessControl {
  public readonly description = 'registry token auth';

  /** Set right after the registry is constructed (the control is made before `super`). */
  public registry!: DockerRegistry;

  public verify(_ctx: AccessContext): string[] {
    const doc = this.registry.configFile.toObject() as { auth?: { token?: Record<string, unknown> } };
    const token = doc.auth?.token;
    if (!token) return [`${this.registry.configFile.path} has no auth.token section`];
    return ['realm', 'service', 'issuer', 'rootcertbundle'].filter((k) => !token[k]).map((k) => `${this.registry.configFile.path} has no auth.token.${k}`);
  }
}
