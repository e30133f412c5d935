/**
 * JSON Schema (draft-07, ajv strict mode) for a Kamal 2.12 deploy document: what a
 * `config/deploy.yml` or `config/deploy.<destination>.yml` parses to.
 *
 * It encodes the part of Kamal's validator that is about shape: which keys exist at each level
 * and which type each value has. Kamal derives types from the example values in its
 * `docs/*.yml`, so the schema follows them, not what would be sensible:
 * - "string" fields take any scalar (Kamal stringifies numbers and booleans),
 * - integers and booleans are strict (`"3000"` and `"yes"` are rejected),
 * - unknown keys are rejected at every level with a fixed key set; `x-*` keys only at the top.
 * Where Kamal itself checks nothing (`options`, `args`, the `ssl` hash, extra keys in a file
 * hash, credentials of a local registry) the schema checks nothing either, so a config this
 * schema rejects is one Kamal rejects.
 *
 * Nothing is `required` here: completeness depends on whether the document is a whole
 * effective config or a fragment, and lives in `rules.ts`.
 */

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

/** Kamal's "String": any stringish scalar. */
const STRINGISH = ['string', 'number', 'boolean'];

const proxyProperties = {
  host: ref('string'),
  hosts: ref('hostList'),
  app_port: ref('integer'),
  // Kamal only checks the type of `ssl`; what is inside a hash is read when certificates load.
  ssl: { type: ['boolean', 'object'] },
  ssl_redirect: ref('boolean'),
  forward_headers: ref('boolean'),
  response_timeout: ref('integer'),
  path_prefix: ref('string'),
  path_prefixes: ref('stringList'),
  strip_path_prefix: ref('boolean'),
  healthcheck: {
    type: 'object',
    properties: { interval: ref('integer'), path: ref('string'), timeout: ref('integer') },
    additionalProperties: false,
  },
  buffering: {
    type: 'object',
    properties: {
      requests: ref('boolean'),
      responses: ref('boolean'),
      max_request_body: ref('integer'),
      max_response_body: ref('integer'),
      memory: ref('integer'),
    },
    additionalProperties: false,
  },
  logging: {
    type: 'object',
    properties: { request_headers: ref('stringList'), response_headers: ref('stringList') },
    additionalProperties: false,
  },
  run: {
    type: 'object',
    properties: {
      http_port: ref('integer'),
      https_port: ref('integer'),
      metrics_port: ref('integer'),
      debug: ref('boolean'),
      log_max_size: ref('string'),
      publish: ref('boolean'),
      bind_ips: ref('stringList'),
      registry: ref('string'),
      repository: ref('string'),
      version: ref('string'),
      options: ref('hash'),
    },
    additionalProperties: false,
  },
};

/** Env keys that switch an env hash to the complex form. */
const ENV_COMPLEX_KEYS = ['clear', 'secret', 'tags'];

/**
 * An env hash: the simple form (every value a string) unless one of `clear`, `secret`, `tags`
 * is present, then only those keys. `tags` is typed by the caller (root env only).
 */
function envSchema(tags: object | boolean) {
  return {
    type: 'object',
    if: { propertyNames: { not: { enum: ENV_COMPLEX_KEYS } } },
    then: { additionalProperties: ref('string') },
    else: {
      properties: { clear: ref('stringHash'), secret: ref('stringList'), tags },
      additionalProperties: false,
    },
  };
}

const registryProperties = {
  server: ref('string'),
  // Shape depends on `server` (anything goes for a local registry): checked in rules.ts.
  username: true,
  password: true,
};

/** The schema of a whole deploy document; see the top of this file for what it checks and what it leaves to the rules. */
export const KAMAL_DEPLOY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Kamal 2.12 deploy configuration',
  type: 'object',
  definitions: {
    string: { type: STRINGISH },
    integer: { type: 'integer' },
    boolean: { type: 'boolean' },
    hash: { type: 'object' },
    stringList: { type: 'array', items: ref('string') },
    stringHash: { type: 'object', additionalProperties: ref('string') },
    /** `host` or `{ host: tag }` / `{ host: [tags] }`; any key named `hosts` is such a list. */
    hostEntry: {
      type: [...STRINGISH, 'object'],
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: { type: [...STRINGISH, 'array'], items: ref('string') },
    },
    hostList: { type: 'array', items: ref('hostEntry') },
    logging: {
      type: 'object',
      properties: { driver: ref('string'), options: ref('hash') },
      additionalProperties: false,
    },
    registry: { type: 'object', properties: registryProperties, additionalProperties: false },
    /** Role and accessory env: `tags` is accepted here and rejected by a rule, in Kamal's words. */
    env: envSchema(true),
    rootEnv: envSchema({ type: 'object', additionalProperties: ref('env') }),
    proxy: { type: 'object', properties: proxyProperties, additionalProperties: false },
    /** A role's `proxy`: `true`/`false` switch it, a hash configures it (merged over the root). */
    proxyOrBoolean: { type: ['object', 'boolean'], properties: proxyProperties, additionalProperties: false },
    role: {
      type: ['array', 'object'],
      items: ref('hostEntry'),
      properties: {
        hosts: ref('hostList'),
        cmd: ref('string'),
        stop_timeout: ref('integer'),
        options: ref('hash'),
        logging: ref('logging'),
        proxy: ref('proxyOrBoolean'),
        labels: ref('stringHash'),
        env: ref('env'),
        asset_path: ref('string'),
      },
      additionalProperties: false,
    },
    /** An accessory file or directory: `"local:remote[:options]"` or a hash (extra keys ignored by Kamal). */
    path: {
      type: [...STRINGISH, 'object'],
      properties: {
        local: ref('string'),
        remote: ref('string'),
        mode: ref('string'),
        owner: ref('string'),
        options: ref('string'),
      },
    },
    accessory: {
      type: 'object',
      properties: {
        service: ref('string'),
        image: ref('string'),
        registry: ref('registry'),
        host: ref('string'),
        hosts: ref('hostList'),
        role: ref('string'),
        roles: ref('stringList'),
        tag: ref('string'),
        tags: ref('stringList'),
        cmd: ref('string'),
        port: ref('string'),
        labels: ref('stringHash'),
        options: ref('hash'),
        env: ref('env'),
        files: { type: 'array', items: ref('path') },
        directories: { type: 'array', items: ref('path') },
        volumes: ref('stringList'),
        network: ref('string'),
        // `false` means no proxy; `true` is rejected by a rule (Kamal wants a hash).
        proxy: ref('proxyOrBoolean'),
      },
      additionalProperties: false,
    },
    builder: {
      type: 'object',
      properties: {
        arch: { type: ['array', ...STRINGISH], items: ref('string') },
        remote: ref('string'),
        local: ref('boolean'),
        pack: {
          type: 'object',
          properties: { builder: ref('string'), buildpacks: ref('stringList') },
          additionalProperties: false,
        },
        cache: {
          type: 'object',
          properties: { type: ref('string'), options: ref('string'), image: ref('string') },
          additionalProperties: false,
        },
        context: ref('string'),
        dockerfile: ref('string'),
        target: ref('string'),
        args: ref('hash'),
        secrets: ref('stringList'),
        ssh: ref('string'),
        driver: ref('string'),
        provenance: ref('string'),
        sbom: ref('boolean'),
      },
      additionalProperties: false,
    },
    ssh: {
      type: 'object',
      properties: {
        user: ref('string'),
        port: ref('string'),
        proxy: ref('string'),
        proxy_command: ref('string'),
        log_level: ref('string'),
        keys_only: ref('boolean'),
        keys: ref('stringList'),
        key_data: ref('stringList'),
        // Kamal checks a real String here, not any scalar.
        config: { type: ['boolean', 'string', 'array'], items: ref('string') },
        forward_agent: ref('boolean'),
      },
      additionalProperties: false,
    },
    sshkit: {
      type: 'object',
      properties: {
        max_concurrent_starts: ref('integer'),
        pool_idle_timeout: ref('integer'),
        dns_retries: ref('integer'),
      },
      additionalProperties: false,
    },
    boot: {
      type: 'object',
      properties: { limit: ref('string'), wait: ref('integer'), parallel_roles: ref('boolean') },
      additionalProperties: false,
    },
    output: {
      type: 'object',
      properties: {
        otel: { type: 'object', properties: { endpoint: ref('string') }, additionalProperties: false },
        file: { type: 'object', properties: { path: ref('string') }, additionalProperties: false },
      },
      additionalProperties: false,
    },
    /** One level for every hook, or a hash hook → level. Levels are checked in rules.ts. */
    hooksOutput: { type: [...STRINGISH, 'object'], additionalProperties: ref('string') },
  },
  properties: {
    service: ref('string'),
    image: ref('string'),
    labels: ref('stringHash'),
    volumes: ref('stringList'),
    registry: ref('registry'),
    servers: {
      type: ['array', 'object'],
      items: ref('hostEntry'),
      additionalProperties: ref('role'),
    },
    env: ref('rootEnv'),
    asset_path: ref('string'),
    hooks_path: ref('string'),
    hooks_output: ref('hooksOutput'),
    secrets_path: ref('string'),
    error_pages_path: ref('string'),
    require_destination: ref('boolean'),
    primary_role: ref('string'),
    allow_empty_roles: ref('boolean'),
    retain_containers: ref('integer'),
    minimum_version: ref('string'),
    readiness_delay: ref('integer'),
    deploy_timeout: ref('integer'),
    drain_timeout: ref('integer'),
    stop_timeout: ref('integer'),
    run_directory: ref('string'),
    ssh: ref('ssh'),
    builder: ref('builder'),
    accessories: { type: 'object', additionalProperties: ref('accessory') },
    proxy: ref('proxy'),
    sshkit: ref('sshkit'),
    boot: ref('boot'),
    logging: ref('logging'),
    output: ref('output'),
    aliases: { type: 'object', additionalProperties: ref('string') },
  },
  patternProperties: { '^x-': true },
  additionalProperties: false,
} as const;
