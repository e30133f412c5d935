import * as path from 'path';
import { DocumentProblem, escapePointer, JsonSchema } from '../../../src';
import {
  bool, child, duration, int, isRecord, listOf, mapOf, nonEmptyStr, obj, Schema, str, strList,
} from './_schema';

/**
 * JSON Schema and rules for cesanta/docker_auth's `auth_config.yml`, written from
 * `auth_server/server/config.go` (the `Config` structs and `validate`/`LoadConfig`), the authn
 * and authz config structs, and `examples/reference.yml`.
 *
 * docker_auth parses with yaml.v2 non-strictly, so it ignores unknown keys; every object here is
 * closed so that a misspelt key fails instead.
 */

/** Authentication blocks: `validate` needs at least one of them. */
const AUTHN_KEYS = [
  'users', 'google_auth', 'github_auth', 'oidc_auth', 'gitlab_auth', 'ldap_auth', 'mongo_auth',
  'xorm_auth', 'ext_auth', 'plugin_authn',
];

/** A bcrypt hash as `htpasswd -nB` and bcryptjs write it. */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/**
 * One ERB output tag reading an environment variable: Kamal renders it at deploy time. It may
 * base64-decode the variable (`.unpack1("m")`): a bcrypt hash can't pass through Kamal's secrets
 * file as it is, because dotenv 3.2 expands the `$2y$...` in a command's output.
 */
const ERB_ENV = /^<%=\s*ENV(\["[A-Za-z_][A-Za-z0-9_]*"\]|\.fetch\("[A-Za-z_][A-Za-z0-9_]*"\))(\.unpack1\("m"\))?\s*%>$/;

/** Both string and integer forms appear in reference.yml (`P521`, `24`, `0xc014`). */
const nameOrNumber: Schema = { type: ['string', 'integer'] };
/** reference.yml leaves some of these empty, which YAML reads as null. */
const optStr: Schema = { type: ['string', 'null'] };

const SERVER: Schema = obj({
  addr: nonEmptyStr,
  net: { enum: ['tcp', 'unix'] },
  path_prefix: str,
  real_ip_header: str,
  real_ip_pos: int,
  certificate: str,
  key: str,
  hsts: bool,
  tls_min_version: str,
  tls_curve_preferences: listOf(nameOrNumber),
  tls_cipher_suites: listOf(nameOrNumber),
  letsencrypt: obj({ host: str, email: str, cache_dir: str }),
}, ['addr']);

const TOKEN: Schema = obj({
  issuer: nonEmptyStr,
  // Seconds; `validate` rejects anything not positive, including leaving it out.
  expiration: { type: 'integer', exclusiveMinimum: 0 },
  certificate: nonEmptyStr,
  key: nonEmptyStr,
  disable_legacy_key_id: bool,
}, ['issuer', 'expiration']);

const LABELS: Schema = mapOf(strList);

const USER: Schema = obj({ password: str, labels: LABELS });

// go-redis v6 `Options` / `ClusterOptions`, field names lower-cased by yaml.v2.
const REDIS_COMMON = {
  password: str,
  maxretries: int,
  minretrybackoff: duration,
  maxretrybackoff: duration,
  dialtimeout: duration,
  readtimeout: duration,
  writetimeout: duration,
  poolsize: int,
  minidleconns: int,
  maxconnage: duration,
  pooltimeout: duration,
  idletimeout: duration,
  idlecheckfrequency: duration,
};

const TOKEN_DBS = {
  level_token_db: obj({ path: nonEmptyStr, token_hash_cost: int }, ['path']),
  gcs_token_db: obj({ bucket: nonEmptyStr, client_secret_file: nonEmptyStr, token_hash_cost: int }, ['bucket', 'client_secret_file']),
  redis_token_db: obj({
    redis_options: obj({ network: str, addr: str, db: int, ...REDIS_COMMON }),
    redis_cluster_options: obj({
      addrs: strList,
      maxredirects: int,
      readonly: bool,
      routebylatency: bool,
      routerandomly: bool,
      ...REDIS_COMMON,
    }),
    token_hash_cost: int,
  }),
};

const OAUTH_COMMON = {
  client_id: nonEmptyStr,
  client_secret: str,
  client_secret_file: str,
  ...TOKEN_DBS,
  http_timeout: duration,
};

// mgo `DialInfo` inlined (lower-cased field names) plus docker_auth's own two keys.
const MONGO_DIAL_INFO: Schema = obj({
  addrs: strList,
  direct: bool,
  timeout: duration,
  failfast: bool,
  database: str,
  source: str,
  service: str,
  mechanism: str,
  username: str,
  password: str,
  password_file: str,
  enable_tls: bool,
});

const COMMAND: Schema = obj({ command: nonEmptyStr, args: strList }, ['command']);
const PLUGIN: Schema = obj({ plugin_path: nonEmptyStr }, ['plugin_path']);

/** Docker registry scope actions; `*` grants whatever was asked. */
const ACTION: Schema = { enum: ['*', 'pull', 'push', 'delete'] };

const ACL_ENTRY: Schema = obj({
  // Unset fields match anything; `validateMatchConditions` dereferences `match`, so it must be there.
  match: obj({ account: str, type: str, name: str, ip: str, service: str, labels: mapOf(str) }),
  actions: listOf(ACTION),
  comment: str,
}, ['match', 'actions']);

const DOCUMENT: Schema = obj({
  server: SERVER,
  token: TOKEN,
  users: mapOf(USER),
  google_auth: obj({ domain: str, ...OAUTH_COMMON }, ['client_id']),
  github_auth: obj({
    organization: str,
    ...OAUTH_COMMON,
    revalidate_after: duration,
    github_web_uri: str,
    github_api_uri: str,
    registry_url: str,
  }, ['client_id']),
  oidc_auth: obj({
    issuer: nonEmptyStr,
    redirect_url: nonEmptyStr,
    ...OAUTH_COMMON,
    registry_url: str,
    user_claim: str,
    // The struct tag is `labels_claims`; reference.yml's `label_claims` is never read.
    labels_claims: strList,
    scopes: strList,
  }, ['issuer', 'redirect_url', 'client_id']),
  gitlab_auth: obj({
    organization: str,
    ...OAUTH_COMMON,
    revalidate_after: duration,
    gitlab_web_uri: str,
    gitlab_api_uri: str,
    registry_url: str,
    grant_type: str,
    redirect_uri: str,
  }, ['client_id']),
  ldap_auth: obj({
    addr: nonEmptyStr,
    tls: { enum: ['', 'none', 'always', 'starttls'] },
    insecure_tls_skip_verify: bool,
    ca_certificate: optStr,
    base: str,
    filter: str,
    bind_dn: optStr,
    bind_password_file: optStr,
    labels: mapOf(obj({ attribute: nonEmptyStr, parse_cn: bool, lower_case: bool }, ['attribute'])),
    initial_bind_as_user: bool,
  }, ['addr']),
  mongo_auth: obj({ dial_info: MONGO_DIAL_INFO, collection: nonEmptyStr }, ['dial_info', 'collection']),
  xorm_auth: obj({ database_type: nonEmptyStr, conn_string: nonEmptyStr }, ['database_type', 'conn_string']),
  ext_auth: COMMAND,
  plugin_authn: PLUGIN,
  acl: listOf(ACL_ENTRY),
  acl_mongo: obj({ dial_info: MONGO_DIAL_INFO, collection: nonEmptyStr, cache_ttl: duration }, ['dial_info', 'collection']),
  acl_xorm: obj({ database_type: nonEmptyStr, conn_string: nonEmptyStr, cache_ttl: duration }, ['database_type', 'conn_string']),
  casbin_authz: obj({ model_path: nonEmptyStr, policy_path: nonEmptyStr }, ['model_path', 'policy_path']),
  ext_authz: COMMAND,
  plugin_authz: PLUGIN,
  // `acl` is required even though docker_auth would take another authz block instead: the
  // estate always states its ACL here, and `[]` is how it says "deny everything".
}, ['server', 'token', 'acl']);

/** `LoadConfig`: "failed to load token cert and key: both were not provided". */
function tokenCertAndKeyTogether(doc: any): DocumentProblem[] {
  return pairProblems(child(doc, 'token'), '/token', 'token signing');
}

/** `LoadConfig`: "failed to load server cert and key: both were not provided". */
function serverCertAndKeyTogether(doc: any): DocumentProblem[] {
  return pairProblems(child(doc, 'server'), '/server', 'server TLS');
}

function pairProblems(section: unknown, pointer: string, what: string): DocumentProblem[] {
  const hasCert = child(section, 'certificate') !== undefined;
  const hasKey = child(section, 'key') !== undefined;
  if (hasCert === hasKey) return [];
  return [{
    pointer: `${pointer}/${hasCert ? 'key' : 'certificate'}`,
    message: `${what} needs certificate and key together; set ${hasCert ? 'key' : 'certificate'} too or remove ${hasCert ? 'certificate' : 'key'}`,
  }];
}

/** Tokens are signed with token.certificate/key, else server.certificate/key; with neither docker_auth exits. */
function tokenSigningKey(doc: any): DocumentProblem[] {
  const has = (section: string) => child(child(doc, section), 'certificate') !== undefined || child(child(doc, section), 'key') !== undefined;
  if (has('token') || has('server')) return [];
  return [{ pointer: '/token', message: 'tokens need a signing key: set token.certificate and token.key (the registry trusts this certificate)' }];
}

/** `validate`: "no auth methods are configured"; an empty `users: {}` is the explicit deny-all. */
function atLeastOneAuthn(doc: any): DocumentProblem[] {
  if (!isRecord(doc) || AUTHN_KEYS.some((k) => doc[k] !== undefined)) return [];
  return [{ pointer: '', message: `no authentication method is configured; add users (or one of ${AUTHN_KEYS.slice(1).join(', ')})` }];
}

/**
 * A stored password is a bcrypt hash, or an ERB tag that Kamal replaces with one at deploy
 * time. Plain text never belongs in the file. A named user without a password is refused too:
 * docker_auth would accept any password for it.
 */
function usersHaveHashedPasswords(doc: any): DocumentProblem[] {
  const users = child(doc, 'users');
  if (!isRecord(users)) return [];
  const problems: DocumentProblem[] = [];
  for (const [name, user] of Object.entries(users)) {
    const password = child(user, 'password');
    const pointer = `/users/${escapePointer(name)}`;
    if (password === undefined) {
      if (name !== '') {
        problems.push({ pointer, message: `user '${name}' has no password, so docker_auth accepts any password for it; set a bcrypt hash` });
      }
    } else if (typeof password === 'string' && !BCRYPT.test(password) && !ERB_ENV.test(password)) {
      problems.push({
        pointer: `${pointer}/password`,
        message: `password of user '${name}' must be a bcrypt hash ($2a$/$2b$/$2y$, e.g. from htpasswd -nbB) or an ERB tag <%= ENV["NAME"] %> that renders one, never plain text`,
      });
    }
  }
  return problems;
}

/** docker_auth treats `*` as "everything" only when it is the sole action. */
function starActionAlone(doc: any): DocumentProblem[] {
  const acl = child(doc, 'acl');
  if (!Array.isArray(acl)) return [];
  return acl.flatMap((entry, i): DocumentProblem[] => {
    const actions = child(entry, 'actions');
    if (!Array.isArray(actions) || actions.length < 2 || !actions.includes('*')) return [];
    return [{ pointer: `/acl/${i}/actions`, message: "'*' grants everything only on its own; write actions: ['*'] or list the actions" }];
  });
}

/** `validate`: path_prefix "must be an absolute path" when set. */
function pathPrefixAbsolute(doc: any): DocumentProblem[] {
  const prefix = child(child(doc, 'server'), 'path_prefix');
  if (typeof prefix !== 'string' || prefix === '' || prefix.startsWith('/')) return [];
  return [{ pointer: '/server/path_prefix', message: `path_prefix '${prefix}' must be empty or an absolute path such as /docker-auth` }];
}

/** The validator for docker_auth's `auth_config.yml`. */
export const dockerAuthConfigSchema = new JsonSchema(DOCUMENT, [
  tokenCertAndKeyTogether,
  serverCertAndKeyTogether,
  tokenSigningKey,
  atLeastOneAuthn,
  usersHaveHashedPasswords,
  starActionAlone,
  pathPrefixAbsolute,
], path.join(__dirname, 'docker-auth-config.validator.js'));
