import * as path from 'path';
import { DocumentProblem, JsonSchema } from '../../../src';
import {
  bool, child, duration, durationString, int, isRecord, keysOf, listOf, mapOf, nonEmptyStr, obj,
  objOrNull, Schema, str, strList, withProperties,
} from './_schema';

/**
 * JSON Schema and rules for the CNCF distribution registry's `config.yml`, written from
 * `configuration/configuration.go` at v2.8.3 and v3.0.0 (the yaml tags), the storage drivers'
 * parameter parsers and `registry/auth/token/accesscontroller.go`.
 *
 * Every object is closed. The real registry ignores unknown keys under `http` and elsewhere; we
 * do not, on purpose: a misspelt key would otherwise do nothing, silently.
 */

/** Major version of the registry image the file is for (`registry:2` or `registry:3`). */
export type RegistryMajorVersion = 2 | 3;

/** Storage keys that configure the registry rather than naming a driver (`Storage.Type()`). */
const STORAGE_OPTIONS = ['maintenance', 'cache', 'delete', 'redirect', 'tag'];

/** Parameter names each driver's `FromParameters` reads, per major version. */
const DRIVERS: Record<RegistryMajorVersion, Record<string, Schema>> = {
  2: {
    filesystem: objOrNull({ rootdirectory: nonEmptyStr, maxthreads: int }),
    inmemory: objOrNull({}),
    s3: keysOf([
      'accesskey', 'secretkey', 'region', 'regionendpoint', 'bucket', 'encrypt', 'keyid', 'secure',
      'skipverify', 'v4auth', 'chunksize', 'multipartcopychunksize', 'multipartcopymaxconcurrency',
      'multipartcopythresholdsize', 'rootdirectory', 'storageclass', 'useragent', 'objectacl',
    ]),
    azure: keysOf(['accountname', 'accountkey', 'container', 'realm']),
    gcs: gcsDriver(['bucket', 'keyfile', 'rootdirectory', 'chunksize', 'maxconcurrency']),
    swift: keysOf([
      'username', 'password', 'authurl', 'tenant', 'tenantid', 'domain', 'domainid', 'tenantdomain',
      'tenantdomainid', 'trustid', 'region', 'authversion', 'container', 'prefix', 'endpointtype',
      'insecureskipverify', 'chunksize', 'secretkey', 'accesskey', 'tempurlcontainerkey', 'tempurlmethods',
    ]),
    oss: keysOf([
      'accesskeyid', 'accesskeysecret', 'region', 'internal', 'encrypt', 'secure', 'bucket', 'endpoint',
      'chunksize', 'rootdirectory',
    ]),
  },
  3: {
    filesystem: objOrNull({ rootdirectory: nonEmptyStr, maxthreads: int }),
    inmemory: objOrNull({}),
    s3: keysOf([
      'accesskey', 'secretkey', 'region', 'regionendpoint', 'forcepathstyle', 'accelerate', 'bucket',
      'encrypt', 'keyid', 'secure', 'skipverify', 'v4auth', 'chunksize', 'multipartcopychunksize',
      'multipartcopymaxconcurrency', 'multipartcopythresholdsize', 'rootdirectory', 'storageclass',
      'useragent', 'objectacl', 'usedualstack', 'loglevel',
    ]),
    azure: withProperties(keysOf([
      'container', 'accountname', 'accountkey', 'connectionstring', 'realm', 'rootdirectory',
      'serviceurl', 'max_retries', 'retry_delay', 'skipverify',
    ]), {
      credentials: obj({
        type: { enum: ['client_secret', 'shared_key', 'default_credentials'] },
        clientid: str,
        tenantid: str,
        secret: str,
      }),
    }),
    gcs: gcsDriver(['bucket', 'keyfile', 'rootdirectory', 'chunksize', 'maxconcurrency', 'useragent']),
  },
};

/** `credentials` is a service-account JSON inlined as a map of its fields. */
function gcsDriver(names: string[]): Schema {
  return withProperties(keysOf(names), { credentials: mapOf(str) });
}

const LOG_LEVEL: Schema = { enum: ['error', 'warn', 'info', 'debug'] };
const HEADERS: Schema = mapOf(strList);

function logSchema(v: RegistryMajorVersion): Schema {
  return obj({
    accesslog: obj({ disabled: bool }),
    level: LOG_LEVEL,
    formatter: { enum: ['text', 'json', 'logstash'] },
    fields: mapOf({}),
    hooks: listOf(obj({
      disabled: bool,
      type: str,
      levels: strList,
      options: obj({
        smtp: obj({ addr: str, username: str, password: str, insecure: bool }),
        from: str,
        to: strList,
      }),
    })),
    ...(v === 3 ? { reportcaller: bool } : {}),
  });
}

function storageSchema(v: RegistryMajorVersion): Schema {
  return obj({
    ...DRIVERS[v],
    delete: obj({ enabled: bool }),
    cache: obj({
      blobdescriptor: { enum: ['inmemory', 'redis'] },
      ...(v === 3 ? { blobdescriptorsize: int } : {}),
    }),
    maintenance: obj({
      uploadpurging: obj({ enabled: bool, age: durationString, interval: durationString, dryrun: bool }),
      readonly: obj({ enabled: bool }),
    }),
    redirect: obj({ disable: bool }),
    ...(v === 3 ? { tag: obj({ concurrencylimit: int }) } : {}),
  });
}

function httpSchema(v: RegistryMajorVersion): Schema {
  return obj({
    addr: str,
    net: { enum: ['tcp', 'unix'] },
    host: str,
    prefix: str,
    secret: str,
    relativeurls: bool,
    draintimeout: duration,
    tls: obj({
      certificate: str,
      key: str,
      clientcas: strList,
      minimumtls: { enum: ['tls1.0', 'tls1.1', 'tls1.2', 'tls1.3'] },
      ciphersuites: strList,
      letsencrypt: obj({
        cachefile: str,
        email: str,
        hosts: strList,
        ...(v === 3 ? { directoryurl: str } : {}),
      }),
      ...(v === 3
        ? { clientauth: { enum: ['request-client-cert', 'require-any-client-cert', 'verify-client-cert-if-given', 'require-and-verify-client-cert'] } }
        : {}),
    }),
    headers: HEADERS,
    debug: obj({ addr: str, prometheus: obj({ enabled: bool, path: str }) }),
    http2: obj({ disabled: bool }),
    ...(v === 3 ? { h2c: obj({ enabled: bool }) } : {}),
  });
}

function authSchema(v: RegistryMajorVersion): Schema {
  return obj({
    token: obj({
      realm: nonEmptyStr,
      service: nonEmptyStr,
      issuer: nonEmptyStr,
      rootcertbundle: nonEmptyStr,
      autoredirect: bool,
      ...(v === 3
        ? {
          autoredirectpath: str,
          jwks: nonEmptyStr,
          signingalgorithms: listOf({
            enum: ['EdDSA', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'],
          }),
        }
        : {}),
    }, v === 2 ? ['realm', 'service', 'issuer', 'rootcertbundle'] : ['realm', 'service', 'issuer']),
    htpasswd: obj({ realm: nonEmptyStr, path: nonEmptyStr }, ['realm', 'path']),
    silly: obj({ realm: nonEmptyStr, service: nonEmptyStr }, ['realm', 'service']),
  });
}

function redisSchema(v: RegistryMajorVersion): Schema {
  if (v === 2) {
    return obj({
      addr: str,
      password: str,
      db: int,
      dialtimeout: duration,
      readtimeout: duration,
      writetimeout: duration,
      pool: obj({ maxidle: int, maxactive: int, idletimeout: duration }),
    });
  }
  // 3.x inlines go-redis `UniversalOptions` (field names lower-cased) and parses durations
  // from strings only.
  return obj({
    addrs: strList,
    clientname: str,
    db: int,
    protocol: int,
    username: str,
    password: str,
    sentinelusername: str,
    sentinelpassword: str,
    maxretries: int,
    minretrybackoff: durationString,
    maxretrybackoff: durationString,
    dialtimeout: durationString,
    readtimeout: durationString,
    writetimeout: durationString,
    contexttimeoutenabled: bool,
    poolfifo: bool,
    poolsize: int,
    pooltimeout: durationString,
    minidleconns: int,
    maxidleconns: int,
    maxactiveconns: int,
    connmaxidletime: durationString,
    connmaxlifetime: durationString,
    maxredirects: int,
    readonly: bool,
    routebylatency: bool,
    routerandomly: bool,
    mastername: str,
    disableindentity: bool,
    disableidentity: bool,
    identitysuffix: str,
    unstableresp3: bool,
    tls: obj({ certificate: str, key: str, clientcas: strList }),
  });
}

const CHECK_COMMON = { interval: duration, threshold: int };
const HEALTH: Schema = obj({
  storagedriver: obj({ enabled: bool, ...CHECK_COMMON }),
  file: listOf(obj({ file: nonEmptyStr, ...CHECK_COMMON }, ['file'])),
  http: listOf(obj({ uri: nonEmptyStr, headers: HEADERS, statuscode: int, timeout: duration, ...CHECK_COMMON }, ['uri'])),
  tcp: listOf(obj({ addr: nonEmptyStr, timeout: duration, ...CHECK_COMMON }, ['addr'])),
});

const NOTIFICATIONS: Schema = obj({
  events: obj({ includereferences: bool }),
  endpoints: listOf(obj({
    name: nonEmptyStr,
    disabled: bool,
    url: nonEmptyStr,
    headers: HEADERS,
    timeout: duration,
    threshold: int,
    backoff: duration,
    ignoredmediatypes: strList,
    ignore: obj({ mediatypes: strList, actions: strList }),
  }, ['name', 'url'])),
});

/** Middleware options are the middleware's own parameters, so they stay an open map. */
const MIDDLEWARE_LIST: Schema = listOf(obj({ name: nonEmptyStr, disabled: bool, options: mapOf({}) }, ['name']));

function proxySchema(v: RegistryMajorVersion): Schema {
  return obj({
    remoteurl: str,
    username: str,
    password: str,
    ...(v === 3 ? { exec: obj({ command: nonEmptyStr, lifetime: duration }, ['command']), ttl: duration } : {}),
  });
}

function validationSchema(v: RegistryMajorVersion): Schema {
  return obj({
    enabled: bool,
    disabled: bool,
    manifests: obj({
      urls: obj({ allow: strList, deny: strList }),
      ...(v === 3
        ? {
          indexes: obj({
            platforms: { enum: ['all', 'none', 'list'] },
            platformlist: listOf(obj({ architecture: str, os: str })),
          }),
        }
        : {}),
    }),
  });
}

function documentSchema(v: RegistryMajorVersion): Schema {
  return obj({
    // yaml.v2 and the npm yaml package both read a bare `0.1` as a number.
    version: { enum: [0.1, '0.1'] },
    log: logSchema(v),
    /** Deprecated by `log.level`, still read by both versions. */
    loglevel: LOG_LEVEL,
    storage: storageSchema(v),
    auth: authSchema(v),
    middleware: obj({ registry: MIDDLEWARE_LIST, repository: MIDDLEWARE_LIST, storage: MIDDLEWARE_LIST }),
    http: httpSchema(v),
    notifications: NOTIFICATIONS,
    redis: redisSchema(v),
    health: HEALTH,
    catalog: obj({ maxentries: int }),
    proxy: proxySchema(v),
    validation: validationSchema(v),
    policy: obj({ repository: obj({ classes: strList }) }),
    ...(v === 2
      ? {
        compatibility: obj({ schema1: obj({ signingkeyfile: str, enabled: bool }) }),
        reporting: obj({
          bugsnag: obj({ apikey: str, releasestage: str, endpoint: str }),
          newrelic: obj({ licensekey: str, name: str, verbose: bool }),
        }),
      }
      : {}),
  }, ['version', 'storage']);
}

/** Exactly one storage driver: none fails at start, two fail at parse ("must provide exactly one storage type"). */
function exactlyOneStorageDriver(doc: any): DocumentProblem[] {
  const storage = child(doc, 'storage');
  if (!isRecord(storage)) return [];
  const drivers = Object.keys(storage).filter((k) => !STORAGE_OPTIONS.includes(k));
  if (drivers.length === 1) return [];
  return [{
    pointer: '/storage',
    message: drivers.length === 0
      ? 'storage needs exactly one driver (filesystem, inmemory, s3, ...); found none'
      : `storage needs exactly one driver; found ${drivers.join(', ')}`,
  }];
}

/** The registry takes a single auth provider ("must provide exactly one type"). */
function atMostOneAuthProvider(doc: any): DocumentProblem[] {
  const auth = child(doc, 'auth');
  if (!isRecord(auth) || Object.keys(auth).length <= 1) return [];
  return [{ pointer: '/auth', message: `auth takes exactly one provider; found ${Object.keys(auth).join(', ')}` }];
}

/** 3.x accepts either trust source; 2.8 panics without rootcertbundle (the schema requires it there). */
function tokenTrustSource(doc: any): DocumentProblem[] {
  const token = child(child(doc, 'auth'), 'token');
  if (!isRecord(token) || token.rootcertbundle !== undefined || token.jwks !== undefined) return [];
  return [{ pointer: '/auth/token', message: 'token auth needs rootcertbundle or jwks to know which signing keys to trust' }];
}

/**
 * Clients fetch tokens from the realm, so it must be an absolute http(s) URL. An ERB tag
 * standing for part of it (the host) is allowed: it is rendered before the registry reads it.
 */
function realmIsAbsoluteUrl(doc: any): DocumentProblem[] {
  const realm = child(child(child(doc, 'auth'), 'token'), 'realm');
  if (typeof realm !== 'string' || isAbsoluteHttpUrl(realm)) return [];
  return [{
    pointer: '/auth/token/realm',
    message: `realm '${realm}' must be an absolute http(s) URL that clients can reach, e.g. https://registry.example.com/auth`,
  }];
}

function isAbsoluteHttpUrl(s: string): boolean {
  const probe = s.replace(/<%[\s\S]*?%>/g, 'erb');
  if (!/^https?:\/\/[^\s/?#]+/.test(probe)) return false;
  try {
    return new URL(probe).hostname !== '';
  } catch {
    return false;
  }
}

/** `blobdescriptor: redis` without a redis section panics at start ("redis configuration required"). */
function redisCacheNeedsRedis(v: RegistryMajorVersion) {
  return (doc: any): DocumentProblem[] => {
    if (child(child(child(doc, 'storage'), 'cache'), 'blobdescriptor') !== 'redis') return [];
    const redis = child(doc, 'redis');
    const configured = v === 2 ? child(redis, 'addr') : child(redis, 'addrs');
    if (configured !== undefined) return [];
    return [{
      pointer: '/storage/cache/blobdescriptor',
      message: `blobdescriptor 'redis' needs redis.${v === 2 ? 'addr' : 'addrs'}; set it or use 'inmemory'`,
    }];
  };
}

const cache = new Map<RegistryMajorVersion, JsonSchema>();

/**
 * The validator for a registry `config.yml` of the given major version. Keys that exist only in
 * the other version are unknown keys here (`auth.token.jwks` under 2, `reporting` under 3).
 * One instance per version, so its schema is compiled once.
 */
export function registryConfigSchema(version: RegistryMajorVersion): JsonSchema {
  let schema = cache.get(version);
  if (!schema) {
    schema = new JsonSchema(
      documentSchema(version),
      [exactlyOneStorageDriver, atMostOneAuthProvider, ...(version === 3 ? [tokenTrustSource] : []), realmIsAbsoluteUrl, redisCacheNeedsRedis(version)],
      path.join(__dirname, `registry-config-${version}.validator.js`),
    );
    cache.set(version, schema);
  }
  return schema;
}
